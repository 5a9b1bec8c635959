import { Identity, registerKernel, unregisterKernel, getKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Identity on TF.js WASM without a copy: the output shares the input's data and counts a
 * reference, as TF.js's CPU backend does (and WASM's own Reshape). The engine clones every tensor
 * a gradient function saves through Identity (≈ 110 per NB201 supernet step, 1.3 ms of copies on
 * WASM, bench/results/supernet-speed.md). Safe because no kernel writes into its inputs: every
 * one (TF.js's and ours) writes a new output. Strings keep TF.js's kernel.
 */
interface RefCounted extends KernelBackend {
  incRef(dataId: object): void;
}

let installed = false;

/** Replaces TF.js WASM's Identity (once per process; nothing where the WASM backend is not loaded). */
export function registerWasmZeroCopyIdentity(): void {
  const original = installed ? undefined : getKernel(Identity, 'wasm');
  if (!original) return;
  installed = true;
  const fallback = original.kernelFunc;
  unregisterKernel(Identity, 'wasm');
  registerKernel({
    kernelName: Identity,
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: { x: TensorInfo }; backend: RefCounted; attrs: Record<string, unknown> }) => {
      const { x } = args.inputs;
      if (x.dtype === 'string') return fallback(args as never);
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as never,
  });
}
