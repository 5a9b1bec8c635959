/**
 * The worker side of the channel to the parent: Electron's process.parentPort in a utility
 * process, Node's process.send / 'message' in a child process (src-main/node/worker-host.ts).
 */
interface ParentPort {
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

export function postToParent(msg: unknown): void {
  if (electronPort) electronPort.postMessage(msg);
  else process.send?.(msg);
}

export function onParentMessage(cb: (raw: unknown) => void): void {
  if (electronPort) electronPort.on('message', (e) => cb(e.data));
  else process.on('message', (m) => cb(m));
  process.on('disconnect', () => process.exit(0));
}
