import type { DoctorInfo } from '../../src-main/contracts/studio-api';
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
