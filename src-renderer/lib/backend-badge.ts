import type { DoctorInfo } from '../../src-main/contracts/studio-api';
import type { BackendId } from '../../src-main/contracts/ids';
import type { WebGpuAdapter } from '../../src-main/contracts/worker-protocol';

function adapterName(a: WebGpuAdapter): string {
  return [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || a.description || 'unnamed adapter';
}

/** The header's backend badge: the backend and, on WebGPU, the adapter it runs on. */
export function backendBadge(d: DoctorInfo | null): string {
  if (!d) return '';
  return d.adapter ? `backend: ${d.chosen} on ${adapterName(d.adapter)}${d.adapter.software ? ' (software)' : ''}` : `backend: ${d.chosen}`;
}

/** The badge's tooltip: each backend tried and why, then every WebGPU adapter found. */
export function backendDetails(d: DoctorInfo | null): string {
  if (!d) return '';
  const lines = d.backends.map((b) => `${b.backend}: ${b.ok ? 'ok — ' : ''}${b.reason}`);
  const w = d.webgpu;
  if (w) {
    lines.push('WebGPU adapters:');
    if (w.error) lines.push(`  ${w.error}`);
    for (const a of w.adapters) lines.push(`  ${adapterName(a)} — ${a.dawnBackend}${a.featureLevel === 'compatibility' ? ' (compatibility)' : ''}, ${a.software ? 'software' : 'hardware'}; ${a.description}`);
    if (!w.adapters.length && !w.error) lines.push('  none found');
  }
  return lines.join('\n');
}

/**
 * The supernet form's backend choices, each saying what it would use here: 'auto' names the
 * backend the doctor chose; WebGPU names its adapter (software ones flagged slow); a backend that
 * did not load says why. Without the doctor's answer yet, the plain ids.
 */
export function backendChoices(d: DoctorInfo | null): { value: string; label: string }[] {
  const ids = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const satisfies readonly BackendId[];
  const tried = new Map((d?.backends ?? []).map((b) => [b.backend, b] as const));
  const gpu = d?.webgpu.adapters.find((a) => !a.software) ?? d?.webgpu.adapters[0];
  const auto = { value: 'auto', label: d ? `auto — uses ${d.chosen}${d.adapter ? ` on ${adapterName(d.adapter)}` : ''} here` : 'auto (fastest that loads)' };
  return [
    auto,
    ...ids.map((id) => {
      if (!d) return { value: id, label: id };
      if (id === 'webgpu') {
        if (!gpu) return { value: id, label: `webgpu — no adapter found${d.webgpu.error ? `: ${d.webgpu.error}` : ''}` };
        return { value: id, label: `webgpu — ${adapterName(gpu)} via ${gpu.dawnBackend}${gpu.software ? ' (software rasteriser: far slower than WASM)' : ''}` };
      }
      const t = tried.get(id);
      if (t?.ok) return { value: id, label: `${id} — ${t.reason}` };
      if (t) return { value: id, label: `${id} — did not load: ${t.reason.slice(0, 120)}` };
      return { value: id, label: `${id} — not tried (a faster backend loaded)` };
    }),
  ];
}
