import type { StudioApi, StudioEvent, StudioReply } from '../../src-main/contracts/studio-api';
import { base64Bytes } from '../lib/download';

/** An API error reply as an Error carrying the server's message. */
class ExportReadError extends Error {}

/**
 * Where the page stands with its server: `connected` (events stream live), `connecting` (first
 * attempt, nothing known yet), `unreachable` (no answer: the server stopped or restarts) or
 * `refused` (it answers but refuses this page's token: a server started with a new token).
 */
export type ConnectionState = 'connecting' | 'connected' | 'unreachable' | 'refused';

export interface Connection {
  state: ConnectionState;
  /** Failed attempts since the last connection. */
  attempt: number;
  /** Milliseconds until the next attempt (null while connected). */
  retryInMs: number | null;
}

/** The API as the renderer uses it, plus the state of the event stream (which only the web page can lose). */
export interface RendererApi extends StudioApi {
  /** Called on every change: each (re)connection, each failed attempt. */
  onConnection(listener: (c: Connection) => void): () => void;
  /**
   * One file of a run's exports/ (by its bare name) as a Blob for the user's downloads: the app
   * reads it through the `readExport` call, a browser streams serve's export route.
   */
  exportBlob(id: string, name: string): Promise<Blob>;
}

/** Reconnect delays: doubling from the first, capped so a restarted server is found within seconds. */
export const RECONNECT_FIRST_MS = 250;
export const RECONNECT_MAX_MS = 4000;

export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.max(0, attempt - 1));
}

/** A call that got no answer at all: the server is down (the page keeps retrying its event stream). */
export class ServerUnreachableError extends Error {
  constructor() {
    super('the L²NAS server does not answer (stopped or restarting); the page reconnects by itself when it is back');
  }
}

/** A non-JSON answer (401 for a wrong token, a proxy's error page…) as one plain sentence. */
function httpMessage(status: number, body: string): string {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  return status === 401 ? `the server refused this page (${text || 'wrong token'})` : `the server answered HTTP ${status}${text ? `: ${text}` : ''}`;
}

function httpError(status: number, body: string): StudioReply<never> {
  return { ok: false, error: { code: 'failed', message: httpMessage(status, body) } };
}

/**
 * The renderer's only way out: window.api in the app (preload), or the `l2nas serve` HTTP +
 * WebSocket API in a browser (token from the page URL, then the server's cookie). The browser's
 * event stream survives its server: when the socket drops it reconnects with exponential backoff
 * and says so through onConnection; the store then fetches what it missed.
 */
export function studioApi(): RendererApi {
  const w = window as unknown as { api?: StudioApi };
  if (w.api) {
    const app = w.api;
    // IPC to the app's main process does not drop: always connected.
    return {
      call: (c) => app.call(c),
      onEvent: (listener) => app.onEvent(listener),
      onConnection(listener) {
        listener({ state: 'connected', attempt: 0, retryInMs: null });
        return () => {};
      },
      async exportBlob(id, name) {
        const r = await app.call({ method: 'readExport', id, name });
        if (!r.ok) throw new ExportReadError(r.error.message);
        return new Blob([base64Bytes(r.value.base64)], { type: r.value.type });
      },
    };
  }
  const token = new URLSearchParams(location.search).get('token');
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const connectionListeners = new Set<(c: Connection) => void>();
  let connection: Connection = { state: 'connecting', attempt: 0, retryInMs: null };
  const setConnection = (c: Connection) => {
    connection = c;
    for (const l of connectionListeners) l(c);
  };

  /** After a failed socket: does the server answer at all, and does it take our token? */
  async function probe(): Promise<'unreachable' | 'refused' | 'up'> {
    try {
      const r = await fetch('/api/call', { method: 'HEAD', headers });
      return r.status === 401 ? 'refused' : 'up';
    } catch {
      return 'unreachable';
    }
  }

  return {
    call: async (c) => {
      let r: Response;
      let body: string;
      try {
        r = await fetch('/api/call', { method: 'POST', headers, body: JSON.stringify(c) });
        body = await r.text();
      } catch {
        throw new ServerUnreachableError();
      }
      try {
        return JSON.parse(body);
      } catch {
        return httpError(r.status, body);
      }
    },
    onEvent(listener) {
      let ws: WebSocket | null = null;
      let stopped = false;
      let failures = 0;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const open = () => {
        timer = null;
        ws = new WebSocket(`ws://${location.host}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
        ws.onopen = () => {
          failures = 0;
          setConnection({ state: 'connected', attempt: 0, retryInMs: null });
        };
        ws.onmessage = (m) => {
          let e: StudioEvent;
          try {
            e = JSON.parse(String(m.data)) as StudioEvent;
          } catch {
            return; // not an event (the server sends only JSON events)
          }
          listener(e);
        };
        ws.onclose = async () => {
          ws = null;
          if (stopped) return;
          failures++;
          const delay = reconnectDelay(failures);
          const found = await probe();
          if (stopped) return;
          setConnection({ state: found === 'up' ? 'connecting' : found, attempt: failures, retryInMs: delay });
          timer = setTimeout(open, delay);
        };
      };
      open();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        ws?.close();
      };
    },
    async exportBlob(id, name) {
      let r: Response;
      try {
        r = await fetch(`/api/runs/${encodeURIComponent(id)}/exports/${encodeURIComponent(name)}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      } catch {
        throw new ServerUnreachableError();
      }
      if (!r.ok) throw new ExportReadError(r.status === 404 || r.status === 400 ? (await r.text()).slice(0, 300) : httpMessage(r.status, await r.text()));
      return r.blob();
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(connection);
      return () => connectionListeners.delete(listener);
    },
  };
}
