#!/usr/bin/env bash
# The GPU figures in one go, for a machine with a CUDA GPU: training step against CycleGAN (paper preset, 128², batch 32,
# bf16; eager and compiled), prediction frames/s, the renderer, the paper preset's accuracy on the synthetic ladder and,
# given a development set (bench/devset.py), `genlm train` on it with the cpu128 and paper presets, scored by
# bench/devset_train.py. Timings run one at a time; the trainings then run side by side, each under a time limit, so a
# slow or failing step never takes the others with it. Writes every output to DIR (default bench/gpu-results).
#
#   bash bench/gpu.sh [DIR] [TRAIN_STEPS] [DEVSET] [DEVSET_STEPS]
#     TRAIN_STEPS: paper-preset steps of train_synth (default 6000; 0 skips it); DEVSET: a bench/devset.py folder (none: skipped)
#     LIMIT: seconds each training may take (default 1800); TIMING=0 skips the timings; SEEDS ("0 1") and PRESETS
#     ("cpu128 paper") choose the development-set runs, VARIANTS their settings, one run each (KEY=VALUE, several joined
#     by +; default paint_finder=drawn), e.g. VARIANTS="precision=bf16 precision=fp32" to weigh bf16 training. To carry the set to a machine that takes at most 64 MiB, save its
#     marked/, unmarked/ and test/ as lossless WebP (PIL: lossless=True, method=2; 41 MB) beside gt.npz: the same pixels.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/gpu-results}; steps=${2:-6000}; devset=${3:-}; dsteps=${4:-3000}; limit=${LIMIT:-1800}
mkdir -p "$out"
py=${PYTHON:-python}
export PYTHONUNBUFFERED=1
$py -c "import torch; assert torch.cuda.is_available(), 'bench/gpu.sh needs a CUDA GPU'; print(torch.cuda.get_device_name(), torch.__version__)" | tee "$out/device.txt" || exit 1
git rev-parse --short HEAD 2>/dev/null | tee -a "$out/device.txt" || true
nproc | sed 's/^/cores: /' | tee -a "$out/device.txt"
bench() { local name=$1 t=$2; shift 2; echo "== $name: $*"; timeout "$t" $py "$@" > "$out/$name.txt" 2>&1; echo "exit $?" >> "$out/$name.txt"; cat "$out/$name.txt"; }
[ "${TIMING:-1}" = 1 ] || bench() { :; }
bench train_step          120 bench/train_step.py --preset paper --batch 32 --steps 30 --device cuda
bench train_step_compiled 150 bench/train_step.py --preset paper --batch 32 --steps 30 --device cuda --compile
bench predict             120 bench/predict.py --preset paper --device cuda --batch 1024
bench render              120 bench/render.py --devices cuda

# Accuracy, side by side: each job gets a share of the cores.
export OMP_NUM_THREADS=$(( $(nproc) / 5 > 0 ? $(nproc) / 5 : 1 ))
train() { local name=$1; shift; echo "== $name: $*"; timeout "$limit" $py "$@" > "$out/$name.txt" 2>&1; echo "exit $?" >> "$out/$name.txt"; }
[ "$steps" = 0 ] || train train_synth bench/train_synth.py --region face --preset paper --steps "$steps" --train 3000 --rungs 0 2 5 --device cuda --threads "$OMP_NUM_THREADS" &
if [ -n "$devset" ]; then
  for preset in ${PRESETS:-cpu128 paper}; do
    for seed in ${SEEDS:-0 1}; do
      for variant in ${VARIANTS:-paint_finder=drawn}; do
        name="${preset}_${variant//[^A-Za-z0-9]/-}_s$seed"
        train "devset_$name" -c "from genlm.cli import main; raise SystemExit(main())" train --marked "$devset/marked" \
          --unmarked "$devset/unmarked" --template face --out "$out/runs/$name" --preset "$preset" --steps "$dsteps" \
          --seed "$seed" --device cuda --set ${variant//+/ --set } &
      done
    done
  done
fi
wait
[ "$steps" = 0 ] || cat "$out/train_synth.txt"
if [ -n "$devset" ]; then
  for f in "$out"/devset_*.txt; do
    name=$(basename "$f" .txt); run="$out/runs/${name#devset_}"
    echo "== $name"; grep -E "paint|label-free|warn|Error|exit" "$f" | tail -8
    $py bench/devset_train.py run "$run" --data "$devset" 2>&1 | tee -a "$f" | tail -6
  done
fi
