import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { AllowedPaths } from '../node/allowed-paths';
import type { RunManager } from '../node/run-manager';
import { dispatchStudioCall } from '../node/studio-dispatch';

export const CHANNELS = { call: 'studio:call', event: 'studio:event' } as const;

/**
 * One invoke channel for every API call. The payload is validated (zod, in dispatchStudioCall)
 * and so is the sender: only our window's main frame, showing our own page.
 */
export function registerIpc(manager: RunManager, win: BrowserWindow, isAppUrl: (url: string) => boolean, allowed?: AllowedPaths): () => void {
  const handler = async (e: IpcMainInvokeEvent, raw: unknown) => {
    // Our window only, its top frame only (no iframes), showing our own page (not a page it was
    // somehow navigated to). `parent === null` rather than identity with webContents.mainFrame,
    // as VS Code's validatedIpcMain does.
    const frame = e.senderFrame;
    if (win.isDestroyed() || e.sender !== win.webContents || !frame || frame.parent !== null || !isAppUrl(frame.url)) {
      return { ok: false, error: { code: 'invalid-request', message: 'calls are accepted only from the Studio window' } };
    }
    return dispatchStudioCall(manager, raw, {
      allowed, // files picked below are added to it
      // The dialog is modal to our window; the renderer gets only the chosen paths.
      pickFile: async (title, extensions) => {
        const r = await dialog.showOpenDialog(win, { title, properties: ['openFile', 'multiSelections'], filters: extensions.length ? [{ name: extensions.join(', '), extensions }] : [] });
        return r.canceled ? null : r.filePaths;
      },
    });
  };
  ipcMain.handle(CHANNELS.call, handler);
  const off = manager.onEvent((ev) => {
    if (!win.isDestroyed()) win.webContents.send(CHANNELS.event, ev);
  });
  return () => {
    ipcMain.removeHandler(CHANNELS.call);
    off();
  };
}
