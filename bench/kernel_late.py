"""The kernel term switched on late in training: a prototype (issue 12, item 2; figures in bench/PAINT.md, sixth session).

    python bench/kernel_late.py SEED FRACTION LAMBDA OUT     # e.g. 0 0.67 0.3 runs/late_s0

Trains as `genlm train --template face --set paint_finder=drawn --set paint_sigma=1.5` does (cpu128, 3000 steps), with
lambda_kernel 0 for the first FRACTION of the steps and LAMBDA after; score it by `bench/devset_train.py run OUT`.
"""
import sys

from genlm.train import CSVLogger, ProgressBar, SampleGrid, make_trainer

seed, frac, lam, out = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
tr = make_trainer("runs/devset/marked", "runs/devset/unmarked", "face", out, "cpu128", False, "cpu",
                  [ProgressBar(), CSVLogger(), SampleGrid()], seed=seed, paint_finder="drawn", paint_sigma=1.5, lambda_kernel=0.0)
assert tr.model.cfg is tr.cfg  # the weight changed below is the one the loss reads
tr.fit(round(frac * tr.cfg.steps))
tr.cfg.lambda_kernel = lam
print(f"step {tr.step}: lambda_kernel {lam}", flush=True)
tr.fit()
