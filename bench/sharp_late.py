"""Coarse to fine: train on the library's spread paint maps, then on sharper maps with render and compare for the last
part of the schedule (issue 12, item 2: the loss check passes more often on sharper maps; does L_delta still train?).

    python bench/sharp_late.py SEED FRACTION LAMBDA_RENDER OUT [--reach area] [--data runs/devset]
    # e.g. 0 0.67 0.3 runs/late_area_s0; score with bench/devset_train.py run OUT

Trains as `genlm train --template face --seed SEED` does (cpu128, 3000 steps). After FRACTION of the steps the training
frames' maps become `paint_check.reach_maps(…, reach)` of the run's own finder and `lambda_render` (σ 0.5) is switched on.
The held-out frames keep the spread maps, so the label-free score (and the best checkpoint) is read the same way throughout.
"""
import argparse
from pathlib import Path

from paint_check import reach_maps
from genlm.train import CSVLogger, ProgressBar, SampleGrid, make_trainer

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("seed", type=int); ap.add_argument("fraction", type=float); ap.add_argument("lam", type=float); ap.add_argument("out")
ap.add_argument("--reach", default="area"); ap.add_argument("--data", type=Path, default=Path("runs/devset"))
a = ap.parse_args()
tr = make_trainer(a.data / "marked", a.data / "unmarked", "face", a.out, "cpu128", False, "cpu",
                  [ProgressBar(), CSVLogger(), SampleGrid()], seed=a.seed)
assert tr.model.cfg is tr.cfg  # the weights changed below are the ones the loss reads
tr.fit(round(a.fraction * tr.cfg.steps))
M = tr.sampler.sets[0]
ids, maps = reach_maps(a.data / "marked", tr.cfg.size, tr.model.finder(), a.reach)
where = {i: k for k, i in enumerate(ids)}
M.paint = maps[[where[i] for i in M.ids]]
tr.cfg.lambda_render, tr.cfg.render_sigma = a.lam, 0.5
print(f"step {tr.step}: {a.reach} maps, lambda_render {a.lam}", flush=True)
tr.fit()
