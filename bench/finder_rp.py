"""Recall and precision of trained runs' own paint finders on the development set (issue 12, item 1), as training
uses them: `genlm.data.paint_maps` at the run's size, thresholded, scored by bench/paint_check.py's rules.

    python bench/finder_rp.py RUN [RUN ...] [--data runs/devset] [--frames 200 300] [--tta 1|2|4|8] [--by-light 0.5]

--tta N averages the finder over N of the square's symmetries (1: none; 2: + the mirror; 4: + the 180° turn and its
mirror; 8: all eight), each undone on its map.

--by-light T adds each run's recall / precision at P > T by the frame's mean grey level (dark < 60, 60–130, bright > 130).

--own-colour adds, for runs with one map per colour, recall / precision in each colour's own map, pixel for pixel at the
maps' size: a true paint pixel (alpha ≥ ¼) counts as found when the map of its nearest true line's colour exceeds P; a
found pixel counts as right when it lies within 1 px of paint of its map's colour. What a line's paint loss sees.

RUN is a run folder (its best checkpoint when it has one) or a folder holding checkpoint.json and .safetensors.
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from paint_check import recall_precision, run_paint, true_paint


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--frames", type=int, nargs=2, default=[200, 300], help="marked frames scored: first, end")
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.25, 0.3, 0.4, 0.5])
    ap.add_argument("--by-light", type=float, help="also recall / precision at this threshold by the frames' brightness")
    ap.add_argument("--own-colour", action="store_true", help="also recall / precision in each colour's own map")
    ap.add_argument("--tta", type=int, default=1, choices=[1, 2, 4, 8], help="symmetries the finder is averaged over")
    a = ap.parse_args()
    lo, hi = a.frames
    files = sorted((a.data / "marked").glob("*.png"))[lo:hi]
    alpha = np.load(a.data / "paint_truth.npz")["alpha"][lo:hi]
    print(f"# {a.data}, marked frames {lo}–{hi - 1}: recall (rule R) / precision of P > threshold, any colour\n")
    by_light, groups = [], _light_groups(files) if a.by_light is not None else {}
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
        if a.own_colour and P.shape[1] > 1:
            own = _own_colour(m, alpha, np.load(a.data / "gt.npz"), lo, P.shape[-1])
            print(f"| … in each colour's own map | | " + " | ".join(f"{r:.3f} / {p:.3f}" for r, p in (_own_rp(P > t, own) for t in a.thresholds)) + " |", flush=True)
        if a.by_light is not None: by_light.append((run, [recall_precision((P[g] > a.by_light).any(1), *(x[g] for x in truth))
                                                          for g in groups.values()]))
    if not by_light: return
    print(f"\n| run, P > {a.by_light} | " + " | ".join(f"{k}, {int(g.sum())} frames" for k, g in groups.items()) + " |")
    print("|---|" + "---|" * len(groups))
    for run, rows in by_light: print(f"| {run} | " + " | ".join(f"{r:.3f} / {p:.3f}" for r, _, p in rows) + " |")


def _own_colour(m, alpha: np.ndarray, gt, lo: int, S: int) -> torch.Tensor:
    "(n, C, S, S) bool: each true paint pixel (alpha ≥ ¼ at S²) on the map of its nearest true line's colour (paint_check.colour_split)."
    from genlm.losses import paint_colors
    from genlm.template import from_pixels
    from paint_check import colour_split
    _, line_color = paint_colors(torch.tensor([ln.color for ln in m.template.lines]))
    a = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(alpha).float()[:, None] / 255, S) >= 0.25
    src = int(gt["size"])
    truth = from_pixels(gt["marked"][lo:lo + len(alpha)], (src, src)).astype(np.float32)
    return colour_split(a.float(), truth, m.template, line_color, S) > 0


def _own_rp(found: torch.Tensor, own: torch.Tensor) -> tuple[float, float]:
    "Recall and precision of found (n, C, S, S) against each colour's own paint `own`, within 1 px for precision."
    near = torch.nn.functional.max_pool2d(own.float(), 3, 1, 1) > 0
    return float((found & own).any(1).sum() / own.any(1).sum().clamp_min(1)), float((found & near).sum() / found.sum().clamp_min(1))


def _light_groups(files: list[Path]) -> dict[str, torch.Tensor]:
    "The frames by mean grey level: dark (< 60), 60–130, bright (> 130), as bool masks."
    light = np.array([np.asarray(Image.open(f).convert("L"), np.float32).mean() for f in files])
    masks = {"dark (< 60)": light < 60, "60–130": (light >= 60) & (light <= 130), "bright (> 130)": light > 130}
    return {k: torch.from_numpy(g) for k, g in masks.items()}


if __name__ == "__main__":
    main()
