const path = require('node:path');
const argOut = process.argv.indexOf('--out');
const OUT = path.join(argOut >= 0 ? process.argv[argOut + 1] : path.join(__dirname, '..', 'out'), 'node');
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
  const rng = new Rng(0);
  const net = b.build({ inChannels: 1, classes: 10 }, d.C, d.N, rng);
  const opt = new SgdMomentum(0.1, 0.9, 3e-4, (v) => net.params.localName(v));
  const x = tf.randomNormal([16, 28, 28, 1]); const y = tf.oneHot(tf.tensor1d([0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5],'int32'), 10);
  const archs = []; const r2 = new Rng(5); for (let i = 0; i < 200; i++) archs.push(b.space.sample(r2));
  const step = (a) => { const l = opt.update(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, a)), net.params.variables()); l.dataSync(); l.dispose(); };
  for (let i = 0; i < 10; i++) step(archs[i]);
  // wrap backend kernels
  const be = tf.backend();
  const times = new Map(); const byShape = process.argv.includes('--by-shape'); let calls = 0, depth = 0, top = 0, topCalls = 0;
  const orig = tf.engine().runKernelFunc ? null : null;
  const reg = require('@tensorflow/tfjs-core').getKernelsForBackend('wasm');
  for (const k of reg) { const f = k.kernelFunc; k.kernelFunc = (args) => { const nested = depth > 0; depth++; const t0 = performance.now(); let o; try { o = f(args); } finally { depth--; } const dt = performance.now() - t0; if (depth === 0) { top += dt; topCalls++; } const key = byShape ? k.kernelName + ' ' + Object.values(args.inputs).map((t) => t && t.shape ? '[' + t.shape.join(',') + ']' : '').join(' ') + (args.attrs && args.attrs.strides ? ' s' + args.attrs.strides : '') : k.kernelName; const keyN = nested ? '  (inside) ' + key : key; const e = times.get(keyN) || [0, 0]; e[0]++; e[1] += dt; times.set(keyN, e); calls++; return o; }; }
  const S = 60; const t0 = performance.now();
  for (let i = 0; i < S; i++) step(archs[10 + i]);
  const tot = performance.now() - t0;
  let kt = 0; for (const [, e] of times) kt += e[1];
  console.log(`step ${(tot / S).toFixed(2)} ms, ${(16 * S / tot * 1000).toFixed(1)} img/s, kernel calls/step ${(calls / S).toFixed(0)}, top-level kernel calls/step ${(topCalls/S).toFixed(0)}, top-level kernel time/step ${(top / S).toFixed(2)} ms`);
  const rows = [...times].sort((a, b) => b[1][1] - a[1][1]);
  for (const [k, [n, t]] of rows.slice(0, byShape ? 45 : 30)) console.log(k.padEnd(28), (n / S).toFixed(1).padStart(7), (t / S).toFixed(3).padStart(8));
})();
