import { describe, expect, it } from 'vitest';
import type { DoctorInfo } from '../../src-main/contracts/studio-api';
import { backendBadge, backendDetails } from '../../src-renderer/lib/backend-badge';

const llvmpipe = { dawnBackend: 'opengles', featureLevel: 'compatibility' as const, vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6', software: true };
const rtx = { dawnBackend: 'vulkan', featureLevel: 'core' as const, vendor: 'nvidia', architecture: 'ada', device: 'NVIDIA GeForce RTX 4090', description: 'NVIDIA: 550.54', software: false };

describe('the header backend badge', () => {
  it('names the GPU adapter when the backend is WebGPU, and lists every adapter in its tooltip', () => {
    const d: DoctorInfo = {
      chosen: 'webgpu',
      adapter: rtx,
      backends: [{ backend: 'tensorflow-gpu', ok: false, reason: 'not installed' }, { backend: 'webgpu', ok: true, reason: 'WebGPU on NVIDIA GeForce RTX 4090 via vulkan' }],
      webgpu: { adapters: [rtx, llvmpipe], notFound: [] },
    };
    expect(backendBadge(d)).toBe('backend: webgpu on nvidia ada NVIDIA GeForce RTX 4090');
    const tip = backendDetails(d);
    expect(tip).toContain('webgpu: ok — WebGPU on NVIDIA GeForce RTX 4090 via vulkan');
    expect(tip).toContain('nvidia ada NVIDIA GeForce RTX 4090 — vulkan, hardware');
    expect(tip).toContain('llvmpipe-llvm-15-0-6-256-bits- — opengles (compatibility), software');
  });

  it('says software when that is what runs, and the backend alone otherwise', () => {
    expect(backendBadge({ chosen: 'webgpu', adapter: llvmpipe, backends: [], webgpu: { adapters: [llvmpipe], notFound: [] } })).toBe('backend: webgpu on llvmpipe-llvm-15-0-6-256-bits- (software)');
    const wasm: DoctorInfo = { chosen: 'wasm', backends: [{ backend: 'wasm', ok: true, reason: 'WebAssembly' }], webgpu: { adapters: [], notFound: [{ dawnBackend: 'vulkan', reason: 'no adapter' }], error: undefined } };
    expect(backendBadge(wasm)).toBe('backend: wasm');
    expect(backendDetails(wasm)).toContain('WebGPU adapters:\n  none found');
    expect(backendBadge(null)).toBe('');
  });
});
