"""Recall of a run's paint finder line by line on the development set: which lines' paint is found (issue 12, the loss
check's remaining ties are 2-px shifts of single lines). Each true paint pixel at the training size (area-averaged
alpha ≥ 0.25, bench/PAINT.md's rule R) is given to the template line nearest to it (ground-truth landmarks).

    python bench/finder_lines.py RUN [--data runs/devset] [--frames 150] [--threshold 0.3]
"""
import argparse
from pathlib import Path

import numpy as np
import torch

from paint_check import run_paint, true_paint
from genlm.losses import pixel_positions, point_segment_distance
from genlm.template import from_pixels


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--threshold", type=float, default=0.3)
    a = ap.parse_args()
    files = sorted((a.data / "marked").glob("*.png"))[:a.frames]
    m, P = run_paint(a.run, files)
    S = P.shape[-1]
    found = (P > a.threshold).any(1)  # (n, S, S)
    strong = true_paint(np.load(a.data / "paint_truth.npz")["alpha"][:len(files)], S)[0]
    gt = np.load(a.data / "gt.npz")
    pts = torch.from_numpy(from_pixels(gt["marked"][:len(files)], (int(gt["size"]),) * 2).astype(np.float32))
    t, seg = m.template, m.segments
    seg_line = torch.tensor(t.segment_lines())
    hit, tot = np.zeros(len(t.lines)), np.zeros(len(t.lines))
    for i in range(len(files)):
        idx = strong[i].flatten().nonzero()[:, 0]
        if not len(idx): continue
        pos = pixel_positions(idx, S, S)[None]  # (1, K, 2)
        d = point_segment_distance(pos, pts[i:i + 1, seg[:, 0]], pts[i:i + 1, seg[:, 1]])[0]  # (K, S)
        line = seg_line[d.argmin(1)].numpy()
        f = found[i].flatten()[idx].numpy()
        np.add.at(hit, line, f); np.add.at(tot, line, 1)
    print(f"# {a.run}'s finder, {len(files)} marked frames at {S}², P > {a.threshold}; true paint pixels per line and the share found")
    print("| line | true paint px | recall |\n|---|---|---|")
    for k in np.argsort(hit / np.maximum(tot, 1)):
        print(f"| {t.lines[k].name} | {int(tot[k])} | {hit[k] / max(tot[k], 1):.3f} |")
    print(f"| all | {int(tot.sum())} | {hit.sum() / max(tot.sum(), 1):.3f} |")


if __name__ == "__main__":
    main()
