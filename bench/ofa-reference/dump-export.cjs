const fs = require('fs'), path = require('path');
const ort = require('onnxruntime-node');
const dir = process.argv[2];
const dumpFile = process.argv[3];
if (!dir || !dumpFile) throw new Error('usage: node bench/ofa-reference/dump-export.cjs <export-dir> <dump.json>');
const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const bin = fs.readFileSync(path.join(dir, 'group1-shard1of1.bin'));
let off = 0; const out = {};
for (const s of json.weightsManifest[0].weights) {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const arr = s.dtype === 'int32' ? new Int32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + 4 * n)) : new Float32Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + 4 * n));
  off += 4 * n;
  if (s.name.startsWith('w/')) out[s.name.slice(2)] = { shape: s.shape, values: Array.from(arr) };
}
const N = 3, x = new Float32Array(N * 28 * 28);
let seed = 1; for (let i = 0; i < x.length; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; x[i] = (seed / 2147483648) * 3 - 1; }
(async () => {
  const s = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const r = await s.run({ input: new ort.Tensor('float32', x, [N, 1, 28, 28]) });
  fs.writeFileSync(dumpFile, JSON.stringify({ weights: out, x: Array.from(x), logits: Array.from(r.logits.data), arch: JSON.parse(fs.readFileSync(path.join(dir, 'ofa-subnet.json'), 'utf8')) }));
  console.log('dumped', Object.keys(out).length, 'tensors');
})();
