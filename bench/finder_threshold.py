"""Can a run tell, without labels, how precise its found paint is (issue 12, item 1)? The paint finder's false paint on
unmarked frames estimates its false paint on marked ones (the development set puts paint-coloured clothing and
backgrounds in both at the same rate): estimated precision(t) = 1 − (pixels with P > t per unmarked frame) / (per
marked frame). Printed beside the true recall and precision (bench/paint_check.py's rules) of each threshold, and the
threshold where the estimate first reaches `--target`.

    python bench/finder_threshold.py RUN [RUN ...] [--data runs/devset] [--target 0.9]
"""
import argparse
from pathlib import Path

import numpy as np
import torch

from paint_check import recall_precision, run_paint, true_paint

THRESHOLDS = np.round(np.arange(0.1, 0.801, 0.05), 2)


def estimated_precision(marked: np.ndarray, unmarked: np.ndarray) -> np.ndarray:
    "Per threshold: 1 − (found pixels per unmarked frame) / (found pixels per marked frame); marked/unmarked (n, S, S) of P."
    m = np.array([(marked > t).sum() / len(marked) for t in THRESHOLDS])
    u = np.array([(unmarked > t).sum() / len(unmarked) for t in THRESHOLDS])
    return 1 - u / np.maximum(m, 1e-9)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--target", type=float, default=0.9)
    a = ap.parse_args()
    marked, unmarked = sorted((a.data / "marked").glob("*.png")), sorted((a.data / "unmarked").glob("*.png"))
    alpha = np.load(a.data / "paint_truth.npz")["alpha"][:len(marked)]
    for run in a.runs:
        _, P = run_paint(run, marked)
        _, Q = run_paint(run, unmarked)
        pm, pu = P.amax(1).numpy(), Q.amax(1).numpy()  # any colour
        est = estimated_precision(pm, pu)
        truth = true_paint(alpha, P.shape[-1])
        print(f"\n## {run}: {len(marked)} marked, {len(unmarked)} unmarked frames\n")
        print("| P > t | found px / marked frame | / unmarked frame | estimated precision | recall | precision |\n|---|---|---|---|---|---|")
        for t, e in zip(THRESHOLDS, est):
            r, _, p = recall_precision(torch.from_numpy(pm > t), *truth)
            print(f"| {t:.2f} | {(pm > t).sum() / len(pm):.0f} | {(pu > t).sum() / len(pu):.0f} | {e:.3f} | {r:.3f} | {p:.3f} |")
        ok = np.flatnonzero(est >= a.target)
        print(f"\nfirst threshold with estimated precision ≥ {a.target}: " + (f"{THRESHOLDS[ok[0]]:.2f}" if len(ok) else "none"))


if __name__ == "__main__":
    main()
