"""Self-training the drawn-stroke finder on its own sure pixels of marked frames: a prototype (issue 12, item 1).

    python bench/paint_refine.py [--data runs/devset] [--sure 0.2 0.8] [--rounds 2] [--steps 1000] [--seed 1]

Fits the library's drawn finder (`genlm.train.fit_finder`, `paint_finder="drawn"`, cpu128's 128²), then, per round,
labels marked frames 0–199 by its own map (P > hi: paint, P < lo: none, the rest left out; no true labels) and
fine-tunes a copy of the network (Adam 1e-3, `--steps` steps, each 8 drawn-stroke crops of the unmarked frames + 8
crops of those marked frames, 96², the two binary cross-entropies averaged apart). Scores marked frames 200–299 at
128² by bench/paint_ceiling.py's `score`. Figures: bench/PAINT.md (sixth session).
"""
from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from genlm.config import Config
from genlm.losses import _chw, draw_strokes, stroke_features, thin_residual
from genlm.model import GenLM
from genlm.template import get_template
from genlm.train import fit_finder
from paint_ceiling import features, score
from paint_check import load_split


def predict(net: torch.nn.Module, f: torch.Tensor) -> torch.Tensor:
    "P(paint) (n,H,W) of features f (n,9,H,W), 25 frames at a time."
    with torch.no_grad(): return torch.cat([torch.sigmoid(net(f[j:j + 25]))[:, 0] for j in range(0, len(f), 25)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--sure", type=float, nargs=2, default=[0.2, 0.8], help="P below: no paint; above: paint")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1, help="seed of the drawn crops and the fine-tuning (the finder's is 0)")
    a = ap.parse_args()
    lo, hi = a.sure
    t0 = time.time()
    marked, unmarked = load_split(a.data, "marked", 300), load_split(a.data, "unmarked", 300)
    alpha = np.load(a.data / "paint_truth.npz")["alpha"][200:300]
    finder = fit_finder(a.data / "marked", a.data / "unmarked", GenLM(get_template("face"), Config(size=128, paint_finder="drawn", seed=0)))
    print(f"colour found {finder.found.round().astype(int).tolist()} ({time.time() - t0:.0f} s)", flush=True)
    fm, ft = features(marked[:200]), features(marked[200:])
    print("the library's drawn finder, marked frames 200–299:"); score(predict(finder.net, ft), alpha, 128)
    rng, g = np.random.default_rng(a.seed), torch.Generator().manual_seed(a.seed)
    drawn = [draw_strokes(u[64:192, 64:192], finder.found, rng) for u in unmarked]
    fd = torch.cat([stroke_features(_chw(d[0]), thin_residual(_chw(d[0]))) for d in drawn])
    yd = torch.from_numpy(np.stack([d[1] for d in drawn]) >= 0.25).float()[:, None]
    net, s, c = finder.net, 96, fd.shape[-1]
    for r in range(a.rounds):
        p = predict(net, fm)[:, None]
        y, w = (p > hi).float(), ((p > hi) | (p < lo)).float()
        print(f"round {r}: sure paint {100 * float(y.mean()):.2f}% of pixels, left out {100 * float(1 - w.mean()):.2f}%", flush=True)
        net = copy.deepcopy(net).train().requires_grad_(True)
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        for _ in range(a.steps):
            i, j = torch.randint(0, len(fd), (8,), generator=g), torch.randint(0, len(fm), (8,), generator=g)
            (u, v), (q, z) = torch.randint(0, c - s + 1, (2,), generator=g).tolist(), torch.randint(0, fm.shape[-1] - s + 1, (2,), generator=g).tolist()
            drawn_loss = F.binary_cross_entropy_with_logits(net(fd[i, :, u:u + s, v:v + s]), yd[i, :, u:u + s, v:v + s])
            wm = w[j, :, q:q + s, z:z + s]
            bce = F.binary_cross_entropy_with_logits(net(fm[j, :, q:q + s, z:z + s]), y[j, :, q:q + s, z:z + s], reduction="none")
            loss = drawn_loss + (bce * wm).sum() / wm.sum().clamp_min(1)
            opt.zero_grad(); loss.backward(); opt.step()
        net.eval().requires_grad_(False)
        print(f"after round {r} ({time.time() - t0:.0f} s), marked frames 200–299:"); score(predict(net, ft), alpha, 128)


if __name__ == "__main__":
    main()
