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

describe('the supernet form’s backend choice', () => {
  it('says what each backend would use here, and a chosen one reaches the request', async () => {
    const { backendChoices } = await import('../../src-renderer/lib/backend-badge');
    const { initialForm, toSupernetOptions } = await import('../../src-renderer/lib/search-form');
    const d: DoctorInfo = {
      chosen: 'wasm',
      backends: [
        { backend: 'tensorflow-gpu', ok: false, reason: "Cannot find module '@tensorflow/tfjs-node-gpu'" },
        { backend: 'webgpu', ok: false, reason: 'only a software adapter' },
        { backend: 'tensorflow', ok: false, reason: "Cannot find module '@tensorflow/tfjs-node'" },
        { backend: 'wasm', ok: true, reason: 'WebAssembly with SIMD' },
      ],
      webgpu: { adapters: [llvmpipe], notFound: [] },
    };
    const c = Object.fromEntries(backendChoices(d).map((o) => [o.value, o.label]));
    expect(Object.keys(c)).toEqual(['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    expect(c.auto).toBe('auto — uses wasm here');
    expect(c.webgpu).toBe('webgpu — llvmpipe-llvm-15-0-6-256-bits- via opengles (software rasteriser: far slower than WASM)');
    expect(c['tensorflow-gpu']).toMatch(/^tensorflow-gpu — did not load: Cannot find module/);
    expect(c.wasm).toBe('wasm — WebAssembly with SIMD');
    expect(c.cpu).toBe('cpu — not tried (a faster backend loaded)');
    expect(backendChoices(null).map((o) => o.value)).toEqual(['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    const form = initialForm('nb201');
    form.estimator = 'supernet';
    expect(toSupernetOptions(form).backend).toBeUndefined(); // auto: config.json's default
    form.supernet.backend = 'webgpu';
    expect(toSupernetOptions(form).backend).toBe('webgpu');
  });
});
