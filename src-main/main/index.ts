/**
 * Electron main process: owns the window, IPC and the run store; heavy work (searches, supernet
 * training) runs in utility processes. Never loads TF.js.
 */
import { app, BrowserWindow, session } from 'electron';
import * as os from 'node:os';
import * as path from 'node:path';
import { AllowedPaths } from '../node/allowed-paths';
import { RunManager } from '../node/run-manager';
import { registerIpc } from './ipc';
import { appUrlMatcher, hardenSession, hardenWindow } from './security';
import { forkUtilityWorker } from './utility-worker';

declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let manager: RunManager | null = null;

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    const runsDir = process.env.L2NAS_RUNS_DIR ?? path.join(app.getPath('userData'), 'runs');
    manager = new RunManager({
      runsDir,
      launch: forkUtilityWorker,
      workerEntry: path.join(__dirname, 'search-worker.js'),
      trainingWorkerEntry: path.join(__dirname, 'training-worker.js'),
    });
    const devUrl = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL !== 'undefined' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
    const indexFile = path.join(__dirname, `../renderer/${MAIN_WINDOW_VITE_NAME}/index.html`);
    const isAppUrl = appUrlMatcher(devUrl, indexFile);
    win = new BrowserWindow({
      width: 1280,
      height: 860,
      title: 'L²NAS Studio',
      // The window/taskbar icon on Linux and Windows (macOS takes the bundle's icon.icns).
      icon: path.join(app.getAppPath(), 'assets', 'png', '512x512.png'),
      show: false,
      webPreferences: {
        preload: path.join(__dirname, 'preload.js'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    hardenWindow(win, isAppUrl);
    // Typed paths: the runs folder and the user's home; a file picked in the native dialog is added.
    registerIpc(manager, win, isAppUrl, new AllowedPaths([runsDir, os.homedir()]));
    win.once('ready-to-show', () => win?.show());
    if (devUrl) void win.loadURL(devUrl);
    else void win.loadFile(indexFile);
  });

  // Live runs pause (checkpoint; killed after 2 s at most) before the app quits: all stay resumable.
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting || !manager) return;
    e.preventDefault();
    quitting = true;
    void manager.shutdown().finally(() => app.quit());
  });
  app.on('window-all-closed', () => app.quit());
}
