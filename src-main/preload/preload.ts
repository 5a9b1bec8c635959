/**
 * Preload: the renderer's only door to the app. One small typed API (contracts/studio-api.ts)
 * through contextBridge; no raw ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { StudioApi, StudioEvent } from '../contracts/studio-api';

const api: StudioApi = {
  call: (call) => ipcRenderer.invoke('studio:call', call),
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, ev: StudioEvent) => listener(ev);
    ipcRenderer.on('studio:event', handler);
    return () => ipcRenderer.removeListener('studio:event', handler);
  },
};

contextBridge.exposeInMainWorld('api', api);
