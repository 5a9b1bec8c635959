import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active TF.js backend can read a tensor back synchronously (dataSync). TF.js's
 * WebGPU backend cannot in Node: its readSync goes through a browser OffscreenCanvas, and
 * WebGPU itself maps buffers only asynchronously. Paths that run on it (supernet training and
 * queries, standalone training) read with `await data()` there and keep their synchronous form
 * elsewhere, where it is faster and every existing caller expects it.
 */
export function readsSynchronously(): boolean {
  return tf.getBackend() !== 'webgpu';
}
