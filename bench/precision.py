"""Prediction arithmetic: the NME of one L_delta on the development set's test frames in float32, in bf16 autocast as
genlm predicts on a GPU or a CPU with native bf16 (the landmark geometry in float32, since 2026-12-04), and in bf16 with
the geometry rounded too (the posed template a bf16 matrix product, as before). The L_delta is supervised on the
unmarked frames' ground truth (bench/devset_train.py), so only the arithmetic differs between the rows.

    python bench/precision.py [--data runs/devset] [--steps 3000] [--preset cpu128]
"""
import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch

from genlm.data import load_frames, to_float
from genlm.metrics import evaluate
from genlm.nets import similarity
from genlm.template import to_pixels

from devset_train import train_supervised


def predict(net, frames: torch.Tensor, bf16: bool, round_geometry: bool) -> np.ndarray:
    "Landmarks (n,N,2 normalised) of uint8 frames; `round_geometry`: pose the template inside bf16 autocast, as before."
    out = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for b in frames.split(64):
            raw = net.raw(to_float(b))
            if not round_geometry: out.append(net.deform(raw)); continue
            posed = similarity(net.template, raw[:, :4], net.template.mean(0))  # a bf16 matrix product under autocast
            out.append(posed + net.max_residual * torch.tanh(raw[:, 4:].view(-1, net.n, 2)))
    return torch.cat(out).float().numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--preset", default="cpu128")
    a = ap.parse_args()
    t0 = time.time()
    net, cfg, t = train_supervised(a.data, a.steps, a.preset)
    gt = np.load(a.data / "gt.npz")
    test = load_frames(a.data / "test", cfg.size, progress=False)
    size = int(gt["size"])  # square frames: the ground truth's pixels
    fp32 = predict(net, test.frames, False, False)
    print(f"# {a.data}: supervised L_delta, preset {a.preset} ({cfg.size}²), {a.steps} steps; {platform.machine()}, "
          f"torch {torch.__version__}, {(time.time() - t0) / 60:.1f} min")
    print("| arithmetic | NME | max landmark difference to float32 (px of the training size) |\n|---|---|---|")
    for name, bf16, rnd in (("float32", False, False), ("bf16, geometry in float32 (now)", True, False),
                            ("bf16, geometry in bf16 (before)", True, True)):
        p = predict(net, test.frames, bf16, rnd)
        nme = evaluate(to_pixels(p, (size, size)), gt["test"], t)["nme"]
        print(f"| {name} | {nme:.5f} | {np.abs(p - fp32).max() * cfg.size / 2:.3f} |")


if __name__ == "__main__":
    main()
