#!/usr/bin/env node
/*
 * Parity of our PyTorch checkpoint reader + TF.js OFA supernet with OFA's network in real
 * PyTorch (issue #11 item 2). First run bench/ofa-torch-parity.py DIR (needs torch), then
 *   npm run build && node bench/ofa-torch-parity.cjs DIR [--backend cpu|wasm]
 * It loads DIR/ckpt.pth onto a fresh OfaSupernet of the same width, evaluates every subnet of
 * DIR/expected.json with BN running statistics (OFA's eval mode), then OFA's query for one subnet
 * (recalibration on DIR/calib.f32, then evaluation), and prints the largest |Δ| of the logits.
 * `--ckpt ckpt-legacy.pth` reads the same weights in torch.save's legacy format. Exits 1 above 1e-4.
 */
const path = require('node:path');
const fs = require('node:fs');

const OUT = path.join(__dirname, '..', 'out', 'node');

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node bench/ofa-torch-parity.cjs DIR [--backend cpu|wasm]');
  const bi = process.argv.indexOf('--backend');
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  const choice = await selectBackend(bi >= 0 ? process.argv[bi + 1] : 'cpu');
  const tf = require('@tensorflow/tfjs-core');
  const { OfaSupernet } = require(path.join(OUT, 'core', 'supernet', 'ofa-supernet'));
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const { loadOfaCheckpoint } = require(path.join(OUT, 'node', 'ofa-checkpoint'));
  const exp = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  const net = new OfaSupernet({ inChannels: 3, classes: exp.classes, widthMult: exp.width, downsamples: 5 }, new Rng(1));
  const t0 = performance.now();
  const ci = process.argv.indexOf('--ckpt');
  const ckptName = ci >= 0 ? process.argv[ci + 1] : 'ckpt.pth';
  await loadOfaCheckpoint(path.join(dir, ckptName), net);
  const loadMs = performance.now() - t0;
  const s = exp.size;
  const nchw = (file, n) => {
    const b = fs.readFileSync(path.join(dir, file));
    const v = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return tf.tidy(() => tf.transpose(tf.tensor4d(v, [n, 3, s, s]), [0, 2, 3, 1]));
  };
  const x = nchw('inputs.f32', 4);
  const compare = (sub) => {
    const got = tf.tidy(() => net.forward(x, sub).arraySync());
    let d = 0;
    sub.logits.forEach((row, i) => row.forEach((v, j) => (d = Math.max(d, Math.abs(v - got[i][j])))));
    return d;
  };
  net.bnMode = 'running';
  const rows = [];
  for (const sub of exp.subnets) rows.push({ subnet: `ks ${sub.ks.slice(0, 4).join('')}… e ${sub.e.slice(0, 4).join('')}… d ${sub.d.join('')}`, maxAbsDiff: compare(sub) });
  const calib = nchw('calib.f32', 48);
  const batches = [0, 1, 2].map((b) => tf.slice(calib, [16 * b, 0, 0, 0], [16, s, s, 3]));
  net.recalibrate(batches, exp.recalibrated);
  rows.push({ subnet: 'recalibrated (set_running_statistics, 3 × 16 images)', maxAbsDiff: compare(exp.recalibrated) });
  const scale = Math.max(...exp.subnets.flatMap((r) => r.logits.flat().map(Math.abs)));
  console.log(`${ckptName}: OFA MobileNetV3 w${exp.width} at ${s}×${s}, ${exp.classes} classes, torch ${exp.torch}, TF.js backend ${choice.backend}; checkpoint loaded in ${loadMs.toFixed(0)} ms; largest |logit| ${scale.toFixed(3)}`);
  console.table(rows);
  const worst = Math.max(...rows.map((r) => r.maxAbsDiff));
  console.log(`max |Δ| = ${worst.toExponential(2)}`);
  process.exit(worst <= 1e-4 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
