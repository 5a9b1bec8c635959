import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

/** Puts TF.js on `name` for a test file. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
}

/** Whether two float32 arrays hold the same bits (NaN payloads and zeros' signs included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The values of a kernel's output (a TensorInfo the engine does not track yet), which is then freed. */
export function readOutput(t: tf.TensorInfo): Float32Array {
  const out = tf.engine().makeTensorFromTensorInfo(t) as tf.Tensor;
  const v = (out.dataSync() as Float32Array).slice();
  out.dispose();
  return v;
}
