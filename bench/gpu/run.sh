#!/usr/bin/env bash
# Supernet training speed on a GPU machine: our WebGPU backend (Dawn on Vulkan), PyTorch CUDA
# and our WASM backend on the same networks, batches and sampled paths (issue #13 item 4):
#
#   NB201 supernet, C = 16, N = 5, 32×32×3, batch 64 and 256
#   DARTS supernet, C = 16, 8 cells, 32×32×3, batch 64
#
# prints images/s of each, WebGPU / PyTorch-CUDA (target >= 0.5) and WebGPU / WASM (target
# >= 10), and writes results.jsonl, facts.txt and gpu-results.md to $OUT (the device tool's
# folder) or --out. Needs no internet and no installed Node: run from a bundle made by
# bench/gpu/bundle.sh (bash .gpu-bundle/run.sh), which carries Node, the build, the trimmed
# node_modules and the Vulkan loader; PyTorch is the machine's python3. From a checkout with
# node_modules it runs as it is (bash bench/gpu/run.sh). README.md beside this says more.
#
#   run.sh [--cpu] [--quick] [--steps 20] [--warm-steps 5] [--wasm-steps 2]
#          [--python python3] [--out DIR] [--only nb201-64|nb201-256|darts-64]
#   --cpu     no GPU: PyTorch on the CPU, WebGPU on whatever adapter there is (the software
#             one here): tests this script end to end, figures are CPU figures
#   --quick   batch 8 (16 for the "256" case), 1 timed step after 1 warm-up, on the same networks
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CPU=0 QUICK=0 STEPS=20 WARM=5 WASM_STEPS=2 PY=${PYTHON:-python3} ONLY=""
RES=${OUT:-$HERE/results}
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) CPU=1 ;;
    --quick) QUICK=1 ;;
    --steps) STEPS=$2; shift ;;
    --warm-steps) WARM=$2; shift ;;
    --wasm-steps) WASM_STEPS=$2; shift ;;
    --python) PY=$2; shift ;;
    --out) RES=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
say() { printf '[gpu-bench] %s\n' "$*" >&2; }
mkdir -p "$RES"

# The app: unpacked from the bundle's payload, or this checkout.
WORK=${L2NAS_GPU_WORK:-/tmp/l2nas-gpu}
if [ -f "$HERE/payload.tar.xz" ]; then
  if [ ! -x "$WORK/app/node/bin/node" ] || [ "$HERE/payload.tar.xz" -nt "$WORK/app/node/bin/node" ]; then
    rm -rf "$WORK/app"
    mkdir -p "$WORK/app"
    say "unpacking the payload into $WORK/app"
    if command -v xz >/dev/null; then
      tar -xJf "$HERE/payload.tar.xz" -C "$WORK/app"
    else
      "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$HERE/payload.tar.xz" "$WORK/app"
    fi || { say "could not unpack $HERE/payload.tar.xz"; exit 1; }
  fi
  APP=$WORK/app
  NODE=$APP/node/bin/node
else
  APP=$(cd "$HERE/../.." && pwd)
  NODE=${NODE:-node}
  [ -f "$APP/out/node/node/backend.js" ] || { say "no build in $APP/out (npm run build) and no payload.tar.xz beside run.sh"; exit 1; }
fi

# The Vulkan loader: the bundle's .deb unpacked into a folder of its own (not into /), used only
# where the machine has none.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  for deb in "$HERE"/debs/*.deb; do
    [ -f "$deb" ] || continue
    mkdir -p "$WORK/sysroot"
    dpkg-deb -x "$deb" "$WORK/sysroot" 2>/dev/null || dpkg -x "$deb" "$WORK/sysroot"
  done
  [ -d "$WORK/sysroot/usr/lib/x86_64-linux-gnu" ] && export LD_LIBRARY_PATH="$WORK/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's Vulkan driver (ICD): its manifest where the driver is mounted, unless one is set.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; break; fi
  done
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
export SUPERNET_SPEED_TIMEOUT_S=${SUPERNET_SPEED_TIMEOUT_S:-400}

# What the figures are from.
{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(uname -srm), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  if command -v nvidia-smi >/dev/null; then echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"; else echo "gpu: none (no nvidia-smi)"; fi
  echo "node: $("$NODE" --version 2>&1) ($NODE)"
  echo "python: $("$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -n 1)"
  echo "vulkan loader: $( (ldconfig -p 2>/dev/null | grep -m1 'libvulkan\.so\.1 ' | sed 's/.*=> //') || true)${LD_LIBRARY_PATH:+ LD_LIBRARY_PATH=$LD_LIBRARY_PATH}"
  echo "vulkan driver manifest: ${VK_DRIVER_FILES:-none set}"
  echo "webgpu adapters: $("$NODE" -e "const p = require(process.argv[1]).probeWebGpuAdapters(); console.log(JSON.stringify(p))" "$APP/out/node/node/webgpu-adapters.js" 2>&1 | tail -n 1)"
} >"$RES/facts.txt"
cat "$RES/facts.txt" >&2
if [ "$CPU" = 0 ] && ! grep -q '"software":false' "$RES/facts.txt"; then
  say "WARNING: no hardware WebGPU adapter came up (see 'webgpu adapters' above): the webgpu rows will fail or run on a software adapter"
fi

DEVICE=cuda TORCH_THREADS=1
[ "$CPU" = 1 ] && DEVICE=cpu
B64=64 B256=256 WB=64 WB_DARTS=32
if [ "$QUICK" = 1 ]; then
  B64=8 B256=16 WB=8 WB_DARTS=8 STEPS=1 WARM=1 WASM_STEPS=1
fi
# WASM's heap is 4 GiB: NB201 at this shape aborts at batch 256 and DARTS at 64, so WASM runs
# at 64 and 32 there (images/s compare across batches; the table says which batch).
plan=(
  "nb201-64 --shape nb201-cifar --batch $B64 --wasm-batch $WB"
  "nb201-256 --shape nb201-cifar --batch $B256 --wasm-batch $WB"
  "darts-64 --shape darts-cifar --batch $B64 --wasm-batch $WB_DARTS"
)
: >"$RES/results.jsonl"
for p in "${plan[@]}"; do
  name=${p%% *} args=${p#* }
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  say "$name: $args (webgpu $STEPS steps after $WARM, wasm $WASM_STEPS, PyTorch on $DEVICE)"
  # shellcheck disable=SC2086
  "$NODE" "$APP/bench/supernet-speed.cjs" $args --backends webgpu,wasm --steps "$STEPS" --warm-steps "$WARM" \
    --wasm-steps "$WASM_STEPS" --wasm-warm-steps 1 --torch "$PY" --device "$DEVICE" --torch-threads "$TORCH_THREADS" \
    | tee -a "$RES/results.jsonl"
done
"$NODE" "$APP/bench/gpu/summary.cjs" "$RES/results.jsonl" "$RES/facts.txt" >"$RES/gpu-results.md"
cat "$RES/gpu-results.md"
