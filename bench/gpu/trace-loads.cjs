// Preloaded by bench/gpu/bundle.sh (NODE_OPTIONS=--require …) while it runs the benchmark once
// on tiny shapes: appends to $L2NAS_TRACE_FILE every file this process loaded (require.cache:
// CommonJS modules and N-API addons such as dawn.node) or read (the WASM binaries TF.js reads
// with fs), one path a line. Child processes inherit NODE_OPTIONS, so each of them appends too.
'use strict';
const fs = require('node:fs');
const file = process.env.L2NAS_TRACE_FILE;
if (file) {
  const read = new Set();
  for (const name of ['readFileSync', 'readFile', 'createReadStream']) {
    const orig = fs[name];
    fs[name] = function (p, ...rest) {
      if (typeof p === 'string') read.add(p);
      else if (p instanceof URL) read.add(p.pathname);
      return orig.call(this, p, ...rest);
    };
  }
  process.on('exit', () => {
    const all = new Set([...Object.keys(require.cache), ...read]);
    fs.appendFileSync(file, [...all].filter((p) => p.startsWith('/')).join('\n') + '\n');
  });
}
