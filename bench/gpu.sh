#!/usr/bin/env bash
# Issue 8's GPU figures in one go, for a machine with a CUDA GPU: training step against CycleGAN (paper preset,
# 128², batch 32, bf16; eager and compiled), prediction frames/s, renderer, and the paper preset's accuracy.
# Writes each script's output to DIR (default bench/gpu-results) and prints it (not yet run on a GPU: no device was lent).
#
#   bash bench/gpu.sh [DIR] [TRAIN_STEPS]        # TRAIN_STEPS: paper-preset steps for train_synth (default 6000)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/gpu-results}; steps=${2:-6000}
mkdir -p "$out"
py=${PYTHON:-python}
export PYTHONUNBUFFERED=1
$py -c "import torch; assert torch.cuda.is_available(), 'bench/gpu.sh needs a CUDA GPU'; print(torch.cuda.get_device_name(), torch.__version__)" | tee "$out/device.txt"
git rev-parse --short HEAD 2>/dev/null | tee -a "$out/device.txt" || true
run() { local name=$1; shift; echo "== $name: $*"; $py "$@" 2>&1 | tee "$out/$name.txt"; }
run train_step     bench/train_step.py --preset paper --batch 32 --steps 30 --device cuda
run train_step_compiled bench/train_step.py --preset paper --batch 32 --steps 30 --device cuda --compile
run predict        bench/predict.py --preset paper --device cuda --batch 1024
run render         bench/render.py --devices cuda
run train_synth    bench/train_synth.py --region face --preset paper --steps "$steps" --train 3000 --rungs 0 2 5
