#!/usr/bin/env node
// Builds graphflow_native.node with node-gyp when oneDNN's headers are installed (Debian: libdnnl-dev).
// Never fails the install: without the library GraphFlow runs on wasm, and `graphflow doctor` says how to add it.
// Writes build/addon-status.json, which the loader reads to explain why the addon is missing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const statusFile = path.join(root, 'build', 'addon-status.json');
const HEADER_DIRS = ['/usr/include', '/usr/local/include', process.env.DNNL_ROOT && path.join(process.env.DNNL_ROOT, 'include')].filter(Boolean);

function writeStatus(status) {
  fs.mkdirSync(path.dirname(statusFile), { recursive: true });
  fs.writeFileSync(statusFile, JSON.stringify({ ...status, at: new Date().toISOString() }, null, 2) + '\n');
}

function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  // Node's own headers beside its binary (Debian's nodejs, official tarballs): no header download needed.
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.GRAPHFLOW_NATIVE === '0') {
    writeStatus({ built: false, reason: 'skipped: GRAPHFLOW_NATIVE=0' });
    console.log('graphflow-native: skipped (GRAPHFLOW_NATIVE=0)');
    return;
  }
  const header = HEADER_DIRS.map((d) => path.join(d, 'oneapi', 'dnnl', 'dnnl.hpp')).find((f) => fs.existsSync(f));
  if (!header) {
    writeStatus({ built: false, reason: 'oneDNN headers not found (oneapi/dnnl/dnnl.hpp)' });
    console.log('graphflow-native: oneDNN not installed, skipping the native backend (Debian/Ubuntu: sudo apt-get install libdnnl-dev, then npm run build:addon -w @graphflow/backend-native)');
    return;
  }
  let gyp;
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    writeStatus({ built: false, reason: 'node-gyp is not installed' });
    console.log('graphflow-native: node-gyp missing, skipping the native backend');
    return;
  }
  const started = Date.now();
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...nodedirArgs()], { cwd: root, encoding: 'utf8', env: process.env });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').filter((l) => l.trim()).slice(-15).join('\n');
    writeStatus({ built: false, reason: `node-gyp failed (exit ${r.status})`, log: tail });
    console.log(`graphflow-native: build failed, GraphFlow will use wasm. Last lines:\n${tail}`);
    return;
  }
  writeStatus({ built: true, header, seconds: Math.round((Date.now() - started) / 100) / 10 });
  console.log(`graphflow-native: built against ${header} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
