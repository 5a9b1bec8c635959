/**
 * The WebAssembly JS API for the agent's hand-written SIMD kernels (adam-simd.wat,
 * mlp-simd.wat). The project's lib (ES2022, no DOM) has no types for the global that Node,
 * Electron and browsers all provide, so the few members used are typed here.
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => WasmMemory;
}

export const WASM = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

export const WASM_PAGE = 65536;

const compiled = new Map<Uint8Array, WasmModule | null>();

/** A module compiled once (they are < 4 KB: synchronous compilation is allowed everywhere); null where the runtime lacks WebAssembly SIMD. */
export function simdModule(bytes: Uint8Array): WasmModule | null {
  if (!compiled.has(bytes)) {
    let mod: WasmModule | null;
    try {
      mod = WASM && WASM.validate(bytes) ? new WASM.Module(bytes) : null;
    } catch {
      mod = null;
    }
    compiled.set(bytes, mod);
  }
  return compiled.get(bytes)!;
}
