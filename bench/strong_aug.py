"""Stronger geometric augmentation (issue 12, item 5): L_delta fits the marked frames it trained on far better than the
held-out ones (bench/seen_unseen.py); does a wider warp than `genlm.data.augment`'s defaults close the gap?

    python bench/strong_aug.py SEED OUT [--degrees 12 --scale 0.12 --shift 0.06] [--data runs/devset]
    # score with bench/devset_train.py run OUT and bench/seen_unseen.py OUT

Trains as `genlm train --template face --seed SEED` does (cpu128, 3000 steps, augmentation on by `auto`), with the
sampler's warp widened (a prototype: the library's defaults are 4°, 1 ± 0.04, ±3 %).
"""
import argparse
from functools import partial
from pathlib import Path

import genlm.data
from genlm.train import CSVLogger, ProgressBar, SampleGrid, make_trainer

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("seed", type=int); ap.add_argument("out")
ap.add_argument("--degrees", type=float, default=12.0); ap.add_argument("--scale", type=float, default=0.12)
ap.add_argument("--shift", type=float, default=0.06); ap.add_argument("--data", type=Path, default=Path("runs/devset"))
a = ap.parse_args()
genlm.data.augment = partial(genlm.data.augment, degrees=a.degrees, scale=a.scale, shift=a.shift)  # the sampler looks it up per batch
tr = make_trainer(a.data / "marked", a.data / "unmarked", "face", a.out, "cpu128", False, "cpu",
                  [ProgressBar(), CSVLogger(), SampleGrid()], seed=a.seed)
assert tr.sampler.augment, "augmentation is off: nothing to widen"
print(f"warp: ±{a.degrees}°, scale 1 ± {a.scale}, shift ±{a.shift}", flush=True)
tr.fit()
