"""Can a run read its paint threshold from strokes it draws itself? (issue 12, item 1.) Draws fresh strokes of the
finder's taught colours onto the unmarked frames (as the finder's teaching does, another seed), finds their paint with
the run's finder as training does (`genlm.data.paint_maps` at the run's size) and prints recall / precision against the
drawn alpha by bench/paint_check.py's rules, beside the same on the development set's real paint.

    python bench/finder_calibration.py RUN [RUN ...] [--data runs/devset] [--n 150]
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from paint_check import recall_precision, run_paint, true_paint


def drawn_set(files: list[Path], colours: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    "Frames (n,H,W,3) with fresh strokes of `colours` drawn on and their alpha (n,H,W) uint8."
    from genlm.losses import draw_strokes
    rng, imgs, alphas = np.random.default_rng(seed), [], []
    for f in files:
        img, a = draw_strokes(np.asarray(Image.open(f).convert("RGB")), colours, rng)
        imgs.append(img); alphas.append(np.round(a * 255).astype(np.uint8))
    return np.stack(imgs), np.stack(alphas)


def breakeven(rows: list[tuple[float, float, float]]) -> float:
    "The threshold where recall = precision, interpolated linearly between the thresholds scored."
    for (t0, r0, p0), (t1, r1, p1) in zip(rows, rows[1:]):
        d0, d1 = r0 - p0, r1 - p1
        if d0 >= 0 >= d1: return t0 + (t1 - t0) * d0 / (d0 - d1) if d0 != d1 else t0
    return float("nan")


def main():
    from genlm.data import paint_maps
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--n", type=int, default=150, help="frames of each set")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--real", action="store_true", help="also score the development set's real paint (marked frames)")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7])
    a = ap.parse_args()
    unmarked = sorted((a.data / "unmarked").glob("*.png"))[:a.n]
    marked = sorted((a.data / "marked").glob("*.png"))[:a.n]
    for run in a.runs:
        m, P = run_paint(run, marked) if a.real else run_paint(run, marked[:1])
        S, f = m.cfg.size, m.finder()
        imgs, alpha = drawn_set(unmarked, f.found, a.seed)
        D = paint_maps(imgs, S, f)[1].float() / 255
        sets = {"drawn": (D, true_paint(alpha, S))}
        if a.real: sets["real"] = (P, true_paint(np.load(a.data / "paint_truth.npz")["alpha"][:a.n], S))
        for name, (maps, truth) in sets.items():
            rows = [(t, *recall_precision((maps > t).any(1), *truth)[::2]) for t in a.thresholds]
            cells = " | ".join(f"{t}: {r:.3f}/{p:.3f}" for t, r, p in rows)
            print(f"{run} {name}: break-even P > {breakeven(rows):.3f} | {cells}", flush=True)


if __name__ == "__main__":
    main()
