#!/usr/bin/env node
'use strict';
// The `l2nas` command: runs the compiled CLI (npm ci builds it through the `prepare` script).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'out', 'node', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('l2nas: the CLI is not built yet — run `npm run build` in ' + path.join(__dirname, '..'));
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
