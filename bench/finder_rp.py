"""Recall and precision of trained runs' own paint finders on the development set (issue 12, item 1), as training
uses them: `genlm.data.paint_maps` at the run's size, thresholded, scored by bench/paint_check.py's rules.

    python bench/finder_rp.py RUN [RUN ...] [--data runs/devset] [--frames 200 300] [--tta 1|2|4|8]

--tta N averages the finder over N of the square's symmetries (1: none; 2: + the mirror; 4: + the 180° turn and its
mirror; 8: all eight), each undone on its map.

RUN is a run folder (its best checkpoint when it has one) or a folder holding checkpoint.json and .safetensors.
"""
import argparse
from pathlib import Path

import numpy as np

from paint_check import recall_precision, run_paint, true_paint


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--frames", type=int, nargs=2, default=[200, 300], help="marked frames scored: first, end")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.25, 0.3, 0.4, 0.5])
    ap.add_argument("--tta", type=int, default=1, choices=[1, 2, 4, 8], help="symmetries the finder is averaged over")
    a = ap.parse_args()
    lo, hi = a.frames
    files = sorted((a.data / "marked").glob("*.png"))[lo:hi]
    alpha = np.load(a.data / "paint_truth.npz")["alpha"][lo:hi]
    print(f"# {a.data}, marked frames {lo}–{hi - 1}: recall (rule R) / precision of P > threshold, any colour\n")
    print("| run | finder steps | " + " | ".join(f"P > {t}" for t in a.thresholds) + " |")
    print("|---|---|" + "---|" * len(a.thresholds))
    for run in a.runs:
        m, P = run_paint(run, files, tta=a.tta)
        truth = true_paint(alpha, P.shape[-1])
        cells = []
        for t in a.thresholds:
            r, _, p = recall_precision((P > t).any(1), *truth)
            cells.append(f"{r:.3f} / {p:.3f}")
        print(f"| {run}{f' (×{a.tta} symmetries)' if a.tta > 1 else ''} | {m.cfg.finder_steps} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
