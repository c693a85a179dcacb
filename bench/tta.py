"""Test-time augmentation on the development set: L_delta's landmarks averaged over fixed similarity warps of each test
frame (each warp's answer mapped back), against one plain pass. Inference only; needs a trained run.

    python bench/tta.py RUN [--data runs/devset] [--deg 6] [--zoom 0.06]

Prints NME (inter-ocular, the 150 test frames) and jitter along the test clips for: plain, flip, the rotations ±deg,
the zooms 1 ± zoom, rotations and zooms together (5 passes), and those with flip.
"""
import argparse
import platform
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from genlm.data import load_frames, to_float
from genlm.metrics import evaluate
from genlm.predict import Landmarker
from genlm.template import to_pixels


def warps(deg: float, zoom: float) -> dict[str, list[tuple[float, float]]]:
    "Named sets of (angle in degrees, zoom) to average over."
    rot, zm = [(0, 1), (deg, 1), (-deg, 1)], [(0, 1), (0, 1 + zoom), (0, 1 - zoom)]
    return {"plain": [(0, 1)], "rotations": rot, "zooms": zm, "rotations+zooms": rot + zm[1:]}


def predict_warped(lm: Landmarker, x: torch.Tensor, angle: float, zoom: float, flip: bool) -> torch.Tensor:
    "Landmarks (B,N,2, normalised) of frames x (B,3,S,S in [−1,1]) predicted on the warped frames and mapped back."
    a = torch.tensor(angle * np.pi / 180)
    A = torch.stack([torch.stack([a.cos(), -a.sin()]), torch.stack([a.sin(), a.cos()])]) / zoom  # output p samples input A p
    theta = torch.cat([A, torch.zeros(2, 1)], 1)[None].expand(len(x), 2, 3)
    xw = F.grid_sample(x, F.affine_grid(theta, list(x.shape), align_corners=False), mode="bilinear",
                       padding_mode="reflection", align_corners=False)
    y = lm.predict_tensor(xw, flip=flip)
    return y @ A.T  # a point found at q in the warped frame is at A q in the frame


def main(run: Path, data: Path, deg: float, zoom: float) -> None:
    lm, gt = Landmarker.load(run, device="cpu", precision="fp32"), np.load(data / "gt.npz")
    fs = load_frames(data / "test", lm.size, progress=False)
    x, S = to_float(fs.frames), int(gt["size"])
    truth = gt["test"]
    clips = gt["test_clip"]
    for flip in (False, True):
        for name, ws in warps(deg, zoom).items():
            y = torch.stack([predict_warped(lm, x, a, z, flip) for a, z in ws]).mean(0).numpy()
            pts = to_pixels(y, (S, S))
            m = evaluate(pts, truth, lm.template, [pts[clips == c] for c in np.unique(clips)],
                         [truth[clips == c] for c in np.unique(clips)])
            print(f"{name + (' + flip' if flip else ''):24s} passes {len(ws) * (1 + flip):2d}  NME {m['nme']:.4f}  "
                  f"PCK@0.1 {m['pck']:.3f}  jitter {m['jitter']:.4f} (truth {m['jitter_gt']:.4f})")
    print(f"run {run}; machine {platform.machine()}, torch {torch.__version__}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", default="runs/devset", type=Path)
    ap.add_argument("--deg", type=float, default=6.0)
    ap.add_argument("--zoom", type=float, default=0.06)
    a = ap.parse_args()
    torch.set_num_threads(1)
    main(a.run, a.data, a.deg, a.zoom)
