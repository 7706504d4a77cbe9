#!/usr/bin/env bash
# The GPU checks of issue #15 in one command, for a machine lent through the device tool (nothing can be
# fetched there; python3 has torch with CUDA, transformers, accelerate and pytest):
#   1. tests/test_devices.py and tests/test_devices_cli.py: the CUDA tests run there, 8-bit loading with the
#      kit's bitsandbytes too (the app's two skip without gradio, the refusals of a missing GPU on a GPU);
#   2. bench/gpu.py: extraction time and peak GPU memory at 512 and 2,048 tokens for each embedded model's
#      architecture with random weights (bench/gpu_kit.py says why), in the GPU's dtype and in float32.
#
# Here, first: `make gpu-kit`. Then the device tool's run, with carry [".gpu-kit"] and timeout_s 480:
#   bash scripts/gpu_check.sh
# What it writes under $OUT comes back: machine.txt, pytest.log, gpu-auto.json/.md, gpu-float32.json/.md.
# GPU_CHECK_DEVICE=cpu rehearses it on a machine without a GPU (short lengths, one repeat).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
KIT=$PWD/.gpu-kit
PY=${PYTHON:-python3}
DEVICE=${GPU_CHECK_DEVICE:-cuda}
mkdir -p "$OUT"
if [ ! -f "$KIT/models.tar.gz" ]; then
  echo "error: no .gpu-kit here: run 'make gpu-kit' first, and name .gpu-kit in the device tool's carry" >&2
  exit 2
fi
export PYTHONPATH="$PWD:$KIT/site${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  "$PY" -c 'import sys, torch, transformers, accelerate
print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda,
      "available", torch.cuda.is_available(), "transformers", transformers.__version__,
      "accelerate", accelerate.__version__)'
} 2>&1 | tee "$OUT/machine.txt"

"$PY" -m pytest -q -p no:cacheprovider -rs tests/test_devices.py tests/test_devices_cli.py 2>&1 | tee "$OUT/pytest.log"
tests=${PIPESTATUS[0]}

models=$(mktemp -d)
tar xzf "$KIT/models.tar.gz" -C "$models"
bench=0
short=()
[ "$DEVICE" = cpu ] && short=(--lengths 64 --repeat 1)
for dtype in auto float32; do
  "$PY" bench/gpu.py --device "$DEVICE" --random-weights "$models" --scratch "$models/built" --dtype "$dtype" \
    "${short[@]}" --out "$OUT/gpu-$dtype.json" 2>&1 | tee "$OUT/gpu-$dtype.md"
  [ "${PIPESTATUS[0]}" = 0 ] || bench=1
done
echo "tests: exit $tests; bench: exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
