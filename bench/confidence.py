"""Mirror-agreement confidence against the true error: Spearman rank correlation per frame and per point, on
synthetic frames with ground truth (templates with symmetry pairs), for the plain and the --flip prediction.

    python bench/confidence.py RUN [--region face] [--frames 1000] [--seed 11]
    python bench/confidence.py RUN --data runs/devset        # the semi-real development set's test frames
"""
from pathlib import Path
import argparse

import numpy as np
import torch
from scipy.stats import spearmanr

from genlm.interchange import mirror_disagreement
from genlm.predict import Landmarker
from genlm.synth import synth_frames
from genlm.data import load_frames
from genlm.template import from_pixels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--region", default="face")
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--data", type=Path, help="a folder in genlm synth's layout (test/ and gt.npz), e.g. runs/devset, instead of synthetic frames")
    a = ap.parse_args()
    lm = Landmarker.load(a.run, device="cpu")
    if a.data:  # square frames: the normalised ground truth is the pixels' mapped through the frame size
        g = np.load(a.data / "gt.npz")
        x, size = load_frames(a.data / "test", lm.size, progress=False).frames, int(g["size"])
        gt, a.region, a.frames = from_pixels(g["test"], (size, size)), str(a.data), len(x)
    else:
        im, gt = synth_frames(a.region, a.frames, lm.size, seed=a.seed, stream=(6,))  # a stream no training set uses
        x = torch.from_numpy(im).permute(0, 3, 1, 2).contiguous()
    d = mirror_disagreement(lm, x).numpy()  # (n, N)
    for name, flip in (("plain", False), ("--flip", True)):
        e = np.linalg.norm(lm.predict_tensor(x, flip=flip).numpy() - gt, axis=-1)  # (n, N) true error, normalised
        frame = spearmanr(d.mean(1), e.mean(1))[0]
        point = np.nanmean([spearmanr(d[:, j], e[:, j])[0] for j in range(d.shape[1])])
        print(f"{a.region}, {a.frames} frames, {name}: Spearman rho per frame {frame:.3f}, per point (mean over points) {point:.3f}; "
              f"mean error {e.mean():.4f}, mean disagreement {d.mean():.4f}")


if __name__ == "__main__":
    main()
