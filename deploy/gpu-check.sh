#!/usr/bin/env bash
# GPU check: builds the Gpu flavour of recogrid (-p:OnnxRuntimeFlavor=Gpu, into bin/gpu) and runs the scoring benchmark
# with the CUDA execution provider and with the CPU provider in the same run, at 1,000,000 items × 64 and 128 factors,
# batch sizes 64..1024, then prints one table (requests/s and p99 per provider, and the CUDA/CPU ratio).
#
#   deploy/gpu-check.sh                      # defaults below
#   ITEMS=200000 SKIP_LIB_CHECK=0 FACTORS="64" BATCHES=64,256 DURATION=2 deploy/gpu-check.sh
#
# Fails at once, saying why, when no NVIDIA GPU or CUDA runtime is present (or the Gpu build cannot load CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS="${ITEMS:-1000000}"
FACTORS="${FACTORS:-64 128}"
BATCHES="${BATCHES:-64,128,256,512,1024}"
DURATION="${DURATION:-3}"
OUT="${OUT:-gpu-check-results}"

fail() { echo "gpu-check: $*" >&2; exit 1; }

# 1. A GPU and a driver: nvidia-smi must list at least one GPU.
command -v nvidia-smi >/dev/null 2>&1 || fail "no NVIDIA driver (nvidia-smi not found): this check needs a machine with an NVIDIA GPU and CUDA 12."
nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || fail "nvidia-smi lists no GPU: $(nvidia-smi -L 2>&1 | head -1)"
# 2. The CUDA runtime and cuDNN libraries ONNX Runtime's CUDA provider loads (SKIP_LIB_CHECK=1 when they live
#    elsewhere; the benchmark still fails clearly if the provider cannot start).
[ "${SKIP_LIB_CHECK:-0}" = 1 ] || for lib in libcudart.so.12 libcublas.so.12 libcudnn.so.9; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || [ -n "$(find ${LD_LIBRARY_PATH//:/ } -name "$lib*" 2>/dev/null | head -1)" ] \
    || fail "$lib not found (ldconfig or LD_LIBRARY_PATH): install CUDA 12 and cuDNN 9 for ONNX Runtime's CUDA provider."
done
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to print the comparison table."

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/gpu: /'

# 3. The Gpu flavour (Microsoft.ML.OnnxRuntime.Gpu), beside the CPU build.
dotnet build src/RecoGrid.Cli -c Release -p:OnnxRuntimeFlavor=Gpu -v quiet -nologo
DLL="src/RecoGrid.Cli/bin/gpu/Release/net10.0/recogrid.dll"
[ -f "$DLL" ] || fail "the Gpu build did not produce $DLL"

mkdir -p "$OUT"
for f in $FACTORS; do
  for provider in Cuda Cpu; do
    echo "== $ITEMS items × $f factors, $provider provider"
    # No CPU fallback: a CUDA provider that cannot start fails the run instead of measuring the CPU twice.
    dotnet "$DLL" bench scoring --items "$ITEMS" --factors "$f" --batch-sizes "$BATCHES" --duration "$DURATION" \
      --execution-provider "$provider" --json "$OUT/scoring-$f-$provider.json" >"$OUT/scoring-$f-$provider.txt" \
      || fail "bench scoring with the $provider provider failed ($(tail -3 "$OUT/scoring-$f-$provider.txt" 2>/dev/null | tr '\n' ' '))"
  done
done

python3 - "$OUT" $FACTORS <<'PY'
import json, sys, os
out, factors = sys.argv[1], sys.argv[2:]
print()
print(f"{'factors':>7} {'batch':>6} {'cuda raw/s':>11} {'cpu raw/s':>10} {'ratio':>6} {'cuda svc/s':>11} {'cuda p99 ms':>11} {'cpu svc/s':>10} {'cpu p99 ms':>10}")
for f in factors:
    runs = {p: json.load(open(os.path.join(out, f"scoring-{f}-{p}.json"))) for p in ("Cuda", "Cpu")}
    points = {p: {b["batchSize"]: b for b in r["batchSizes"]} for p, r in runs.items()}
    for size in sorted(points["Cuda"]):
        g, c = points["Cuda"][size], points["Cpu"].get(size)
        if c is None:
            continue
        ratio = g["rawOnnxRuntime"]["requestsPerSecond"] / max(c["rawOnnxRuntime"]["requestsPerSecond"], 1e-9)
        print(f"{f:>7} {size:>6} {g['rawOnnxRuntime']['requestsPerSecond']:>11.0f} {c['rawOnnxRuntime']['requestsPerSecond']:>10.0f} {ratio:>6.2f}"
              f" {g['service']['requestsPerSecond']:>11.0f} {g['service']['p99Milliseconds']:>11.2f} {c['service']['requestsPerSecond']:>10.0f} {c['service']['p99Milliseconds']:>10.2f}")
print(f"\nraw/s: user vectors ranked per second by ONNX Runtime runs of that batch size; svc/s and p99: the batching service with 2 × batch callers. JSON and logs in {out}/")
PY
