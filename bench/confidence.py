"""Confidence candidates against the true error: Spearman rank correlation per frame and per point, on synthetic
frames with ground truth or on a folder in genlm synth's layout (e.g. the semi-real development set).

Candidates (each an uncertainty, higher = less sure; see genlm.interchange, *Confidence*):
  mirror   distance between the frame's landmarks and its mirror image's mapped back (templates with symmetry pairs)
  tta      spread of the landmarks under small test-time shifts and scales (genlm.interchange.TTA)
  dm       minus D_M's score of the frame with its predicted paint rendered on (per frame: mean of the patch map;
           per point: the patch map read at the landmark)
The true error is the distance of the plain prediction (or, with --flip, of the --flip prediction) to the truth.

    python bench/confidence.py RUN [--region face] [--frames 1000] [--seed 11] [--flip]
    python bench/confidence.py RUN --data runs/devset        # the development set's test frames
"""
from pathlib import Path
import argparse

import numpy as np
import torch
from scipy.stats import spearmanr

from genlm.interchange import dm_score, load_genlm, mirror_disagreement, tta_spread
from genlm.predict import Landmarker
from genlm.synth import synth_frames
from genlm.data import load_frames
from genlm.template import from_pixels


def rho(u: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    "Spearman ρ of uncertainty against error per frame (frame means), and per point (across frames, mean over points)."
    frame = spearmanr(u.mean(1), e.mean(1))[0]
    point = np.nanmean([spearmanr(u[:, j], e[:, j])[0] for j in range(u.shape[1])]) if u.shape[1] > 1 else float("nan")
    return frame, point


def frame_ci(u: np.ndarray, e: np.ndarray, n: int = 1000) -> tuple[float, float]:
    "A 95% bootstrap interval (over frames) of the per-frame ρ of frame scores `u` (n,) against frame errors `e` (n,)."
    rng = np.random.default_rng(0)
    r = [spearmanr(u[k], e[k])[0] for k in (rng.integers(0, len(u), len(u)) for _ in range(n))]
    return tuple(np.nanpercentile(r, [2.5, 97.5]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--region", default="face")
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--flip", action="store_true", help="score against the error of the --flip prediction")
    ap.add_argument("--data", type=Path, help="a folder in genlm synth's layout (test/ and gt.npz), e.g. runs/devset, instead of synthetic frames")
    a = ap.parse_args()
    torch.manual_seed(0)
    lm = Landmarker.load(a.run, device="cpu", precision="fp32")
    m = load_genlm(a.run)
    if a.data:  # square frames: the normalised ground truth is the pixels' mapped through the frame size
        g = np.load(a.data / "gt.npz")
        x, size = load_frames(a.data / "test", lm.size, progress=False).frames, int(g["size"])
        gt, a.region, a.frames = from_pixels(g["test"], (size, size)), str(a.data), len(x)
    else:
        im, gt = synth_frames(a.region, a.frames, lm.size, seed=a.seed, stream=(6,))  # a stream no training set uses
        x = torch.from_numpy(im).permute(0, 3, 1, 2).contiguous()
    e = np.linalg.norm(lm.predict_tensor(x, flip=a.flip).numpy() - gt, axis=-1)  # (n, N) true error, normalised
    cands = {}
    if lm.template.symmetry: cands["mirror"] = mirror_disagreement(lm, x).numpy()
    cands["tta"] = tta_spread(lm, x).numpy()
    cands["dm"] = -dm_score(m, x, per_point=True).numpy()
    dm_frame = -dm_score(m, x).numpy()
    print(f"{a.region}, {a.frames} frames, {'--flip' if a.flip else 'plain'} prediction, run {a.run}: mean error {e.mean():.4f}")
    print(f"{'candidate':10s} {'rho/frame':>10s} {'95% CI':>15s} {'rho/point':>10s} {'mean':>9s}")
    for name, u in cands.items():
        frame, point = rho(u, e)
        uf = dm_frame if name == "dm" else u.mean(1)  # D_M per frame: the patch map's mean, not the points'
        frame, (lo, hi) = spearmanr(uf, e.mean(1))[0], frame_ci(uf, e.mean(1))
        print(f"{name:10s} {frame:10.3f} {f'[{lo:.2f}, {hi:.2f}]':>15s} {point:10.3f} {u.mean():9.4f}")


if __name__ == "__main__":
    main()
