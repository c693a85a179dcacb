"""How well can per-pixel features tell paint from skin on the development set, given the answer? (issue 12, item 1)

    python bench/paint_ceiling.py [--data runs/devset] [--size 128] [--steps 2000] [--net wide|narrow] [--modes library drawn supervised pu]

A small per-pixel network (the library's `stroke_net`: a 17 px field, or `--net narrow` a 7×7 one; 32 hidden) on the features its finder reads (the
thin-structure residual, its 5×5 magnitude as context, the local background colour), at source resolution:
- **supervised** (`supervised`): trained on the true opacity (alpha ≥ 0.25) of 200 marked frames: an upper bound for finders of
  this kind, which no label-free finder should be expected to beat;
- **positive-unlabelled** (`pu`): trained to tell 200 marked from 300 unmarked frames, P(paint) = 1 − (1 − g)/g (the
  label-free version, item 1's "frequent in marked, rare in unmarked" learnt instead of histogrammed);
- **drawn** (`drawn`): trained on strokes the library's `genlm.losses.draw_strokes` draws onto the unmarked frames, labelled
  by what it drew: label-free on the user's frames, given the paint's colour (`--color`, default the devset's blue, the
  template's brow colour); the library's `paint_finder="drawn"` is this with the colour found from the frames.
- **library** (`library`): the library's own finder (`genlm.train.fit_finder`), for comparison on the same frames.
All are scored on marked frames 200–299 by bench/paint_check.py's rules, brought to the training size by a max-pool
of 2s+1 at stride s, s = source size ÷ training size (the reach `genlm.data.paint_maps` gave each stroke before the
eighth session, then an s× subsample) and by a plain s×s one (its block max since then). Figures: bench/PAINT.md, bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from genlm.config import Config
from genlm.losses import draw_strokes, stroke_features, stroke_net, thin_residual
from genlm.model import GenLM
from genlm.template import get_template
from genlm.train import fit_finder
from paint_check import BLUE, load_split, recall_precision, true_paint

CROP, BATCH, TRAIN, TEST = 96, 16, 200, 100


def features(imgs: np.ndarray) -> torch.Tensor:
    "uint8 (n,H,W,3) → (n,9,H,W): the library's `stroke_features`, 50 frames at a time."
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float()
    return torch.cat([stroke_features(v, thin_residual(v, 7)) for v in x.split(50)])


def crops(f: torch.Tensor, y: torch.Tensor | None, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    "n random CROP² crops of random frames (and of their labels)."
    i = torch.randint(0, len(f), (n,))
    r, c = torch.randint(0, f.shape[-2] - CROP + 1, (2,))
    cut = lambda t: t[i, :, r:r + CROP, c:c + CROP]
    return cut(f), None if y is None else cut(y)


def fit(net: nn.Module, batch, steps: int) -> nn.Module:
    "Adam on binary cross-entropy over `batch()` → (features, labels)."
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    for _ in range(steps):
        f, y = batch()
        loss = F.binary_cross_entropy_with_logits(net(f), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return net


def score(p: torch.Tensor, alpha: np.ndarray, size: int) -> None:
    "Print recall R and precision at the training size for several thresholds of the source-size map p (n,H,W)."
    truth = true_paint(alpha, size)
    for th in (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99):
        m = (p > th).float()[:, None]
        s = p.shape[-1] // size
        spread = F.max_pool2d(m, 2 * s + 1, s, s)[:, 0] > 0
        plain = F.max_pool2d(m, s)[:, 0] > 0
        (r, _, pr), (r2, _, p2) = recall_precision(spread, *truth), recall_precision(plain, *truth)
        print(f"  P > {th:.2f}: 2s+1 pool R {r:.3f} P {pr:.3f} | plain max-pool R {r2:.3f} P {p2:.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--modes", nargs="+", default=["library", "drawn", "supervised", "pu"], choices=["library", "drawn", "supervised", "pu"])
    ap.add_argument("--template", default="face", help="the template whose colours the library's finder is fitted with")
    ap.add_argument("--color", type=float, nargs=3, default=[255 * v for v in BLUE], help="paint colour (0–255) for the drawn strokes")
    ap.add_argument("--seed", type=int, default=0, help="seed of the drawn strokes, the crops and the networks")
    ap.add_argument("--finder", default="residual", choices=["residual", "drawn"], help="the library's finder (`--modes library`)")
    ap.add_argument("--net", default="wide", choices=["wide", "narrow"], help="the field of the library's `stroke_net`: 17 px or 7×7")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    marked = load_split(a.data, "marked", TRAIN + TEST)
    fm = features(marked)
    alpha = np.load(a.data / "paint_truth.npz")["alpha"][:TRAIN + TEST]
    label = (torch.from_numpy(alpha).float()[:, None] / 255 >= 0.25).float()
    unmarked = load_split(a.data, "unmarked", 300) if {"drawn", "pu"} & set(a.modes) else None
    fu = features(unmarked) if "pu" in a.modes else None
    if "drawn" in a.modes:
        drawn = [draw_strokes(u, np.array([a.color]), rng) for u in unmarked]
        fd = features(np.stack([d[0] for d in drawn]))
        drawn_label = torch.from_numpy(np.stack([d[1] for d in drawn]) >= 0.25).float()[:, None]
    print(f"features of the frames the modes need at {fm.shape[-1]}²: {time.time() - t0:.0f} s")

    def marked_vs_unmarked():
        (f1, _), (f0, _) = crops(fm[:TRAIN], None, BATCH // 2), crops(fu, None, BATCH // 2)
        return torch.cat([f1, f0]), torch.cat([torch.ones_like(f1[:, :1]), torch.zeros_like(f0[:, :1])])

    modes = {"drawn": (lambda: crops(fd, drawn_label, BATCH), lambda g: g),
             "supervised": (lambda: crops(fm[:TRAIN], label[:TRAIN], BATCH), lambda g: g),
             "pu": (marked_vs_unmarked, lambda g: (1 - (1 - g) / g.clamp_min(1e-6)).clamp(0, 1))}
    for name in a.modes:
        t = time.time()
        if name == "library":
            cfg = Config(size=a.size, paint_finder=a.finder, seed=a.seed, finder_net=a.net)
            finder = fit_finder(a.data / "marked", a.data / "unmarked", GenLM(get_template(a.template), cfg))
            p = torch.stack([torch.from_numpy(finder(f)).amax(0) for f in marked[TRAIN:]])  # one map: any colour counts
            taught = "" if finder.found is None else f", taught strokes of {np.round(finder.found).astype(int).tolist()}"
            print(f"the library's {a.finder} finder (fit_finder, one map per colour: {finder.colors is not None}{taught}; {time.time() - t:.0f} s), "
                  f"marked frames {TRAIN}–{TRAIN + TEST - 1}:")
            score(p, alpha[TRAIN:], a.size)
            continue
        batch, to_paint = modes[name]
        net = fit(stroke_net(a.net), batch, a.steps)
        with torch.no_grad():
            g = torch.cat([torch.sigmoid(net(fm[j:j + 25]))[:, 0] for j in range(TRAIN, TRAIN + TEST, 25)])
        print(f"{name}, {a.net} field, {a.steps} steps ({time.time() - t:.0f} s), marked frames {TRAIN}–{TRAIN + TEST - 1}:")
        score(to_paint(g), alpha[TRAIN:], a.size)

if __name__ == "__main__":
    main()
