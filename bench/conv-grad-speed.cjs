#!/usr/bin/env node
// Speed of the WASM Conv2DBackpropFilter registered by src-main/core/kernels/wasm-conv-gradients.ts
// against the CPU backend's own kernel. Usage: node bench/conv-grad-speed.cjs
const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-wasm'); require('@tensorflow/tfjs-backend-cpu');
const { registerWasmConvGradients } = require(require("node:path").join(__dirname, "..", "out", "node", "core", "kernels", "wasm-conv-gradients"));
(async () => {
  for (const be of ['wasm', 'cpu']) {
  await tf.setBackend(be); registerWasmConvGradients();
  const x = tf.randomUniform([32, 28, 28, 8]), dy = tf.randomUniform([32, 28, 28, 8]);
  const f = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 8], dilations: 1 });
  const n = be === 'wasm' ? 50 : 2;
  f().dispose();
  let t0 = performance.now(); for (let i = 0; i < n; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(be, 'Conv2DBackpropFilter [32,28,28,8] 3x3x8x8 same:', ((performance.now()-t0)/n).toFixed(2), 'ms');
  }
})();
