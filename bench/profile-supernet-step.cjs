#!/usr/bin/env node
// Where one NB201 supernet training step's time goes on TF.js WASM (issue #14 item 4): wraps
// every registered WASM kernel function, times `--steps` steps of the demo's supernet (C = 8,
// N = 1, 28×28×1, batch 16, one uniformly random path per step, the trainer's SgdMomentum update)
// after 10 warm-up steps, and prints ms per step, kernel calls per step (all, and top-level: not
// called from inside another kernel such as our composed Conv2DBackpropFilter), the time inside
// top-level kernels, and per kernel (with --by-shape: per kernel and input shapes) calls and ms
// per step. Kernels run from inside another are listed as "(inside)". Needs the build:
//   node bench/profile-supernet-step.cjs [--steps 60] [--by-shape] [--out /path/to/other/out]
const path = require('node:path');
const argOf = (n, d) => { const i = process.argv.indexOf(n); return i >= 0 ? process.argv[i + 1] : d; };
const OUT = path.join(argOf('--out', path.join(__dirname, '..', 'out')), 'node');
(async () => {
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  await selectBackend('wasm');
  const tf = require('@tensorflow/tfjs-core');
  const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets'));
  const { supernetBuilder } = require(path.join(OUT, 'core', 'supernet', 'registry'));
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const { SgdMomentum } = require(path.join(OUT, 'core', 'supernet', 'sgd-momentum'));
  const d = SUPERNET_SPECS.nb201.defaults;
  const b = supernetBuilder('nb201');
  const net = b.build({ inChannels: 1, classes: 10 }, d.C, d.N, new Rng(0));
  const opt = new SgdMomentum(0.1, 0.9, 3e-4, (v) => net.params.localName(v));
  const x = tf.randomNormal([d.batchSize, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: d.batchSize }, (_, i) => i % 10), 'int32'), 10);
  const S = Number(argOf('--steps', 60));
  const archs = [];
  const r = new Rng(5);
  for (let i = 0; i < S + 10; i++) archs.push(b.space.sample(r));
  const step = (a) => {
    const l = opt.update(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, a)), net.params.variables());
    l.dataSync();
    l.dispose();
  };
  for (let i = 0; i < 10; i++) step(archs[i]);
  const byShape = process.argv.includes('--by-shape');
  const times = new Map();
  let calls = 0, depth = 0, top = 0, topCalls = 0;
  for (const k of tf.getKernelsForBackend('wasm')) {
    const f = k.kernelFunc;
    k.kernelFunc = (args) => {
      const nested = depth > 0;
      depth++;
      const t0 = performance.now();
      let o;
      try {
        o = f(args);
      } finally {
        depth--;
      }
      const dt = performance.now() - t0;
      if (!nested) {
        top += dt;
        topCalls++;
      }
      calls++;
      let key = k.kernelName;
      if (byShape) key += ' ' + Object.values(args.inputs).map((t) => (t && t.shape ? `[${t.shape.join(',')}]` : '')).join(' ') + (args.attrs && args.attrs.strides ? ` s${args.attrs.strides}` : '');
      if (nested) key = '  (inside) ' + key;
      const e = times.get(key) || [0, 0];
      e[0]++;
      e[1] += dt;
      times.set(key, e);
      return o;
    };
  }
  const t0 = performance.now();
  for (let i = 0; i < S; i++) step(archs[10 + i]);
  const tot = performance.now() - t0;
  console.log(`step ${(tot / S).toFixed(2)} ms, ${((d.batchSize * S) / tot * 1000).toFixed(1)} img/s, kernel calls/step ${(calls / S).toFixed(0)}, top-level kernel calls/step ${(topCalls / S).toFixed(0)}, top-level kernel time/step ${(top / S).toFixed(2)} ms`);
  const rows = [...times].sort((p, q) => q[1][1] - p[1][1]);
  for (const [k, [n, t]] of rows.slice(0, byShape ? 70 : 40)) console.log(k.padEnd(28), (n / S).toFixed(1).padStart(7), (t / S).toFixed(3).padStart(8));
})();
