import type { StudioApi, StudioEvent } from '../../src-main/contracts/studio-api';

/**
 * The renderer's only way out: window.api in the app (preload), or the `l2nas serve` HTTP +
 * WebSocket API in a browser (token from the page URL, then the server's cookie).
 */
export function studioApi(): StudioApi {
  const w = window as unknown as { api?: StudioApi };
  if (w.api) return w.api;
  const token = new URLSearchParams(location.search).get('token');
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return {
    call: async (call) => {
      const r = await fetch('/api/call', { method: 'POST', headers, body: JSON.stringify(call) });
      return r.json();
    },
    onEvent(listener) {
      const ws = new WebSocket(`ws://${location.host}/api/events${token ? `?token=${token}` : ''}`);
      ws.onmessage = (m) => listener(JSON.parse(String(m.data)) as StudioEvent);
      return () => ws.close();
    },
  };
}
