"""Temporal smoothing of video landmarks: jitter against accuracy, for the predictor's Savitzky–Golay window.

Predicts a trained run on a long synthetic video of its region, then plays the same video 1×, 2× and 3× faster
(every k-th frame at 25 fps) so that true motion grows. For each smoother it prints the NME along the video,
the jitter (and its ratio to the ground truth's), and how far the smoother moves the ground truth itself (the
bias it would add to perfect predictions).

    python bench/smooth.py [--run demo_out/run] [--frames 600] [--seed 7]
"""
import argparse
import inspect
import platform

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from genlm.data import as_frames
from genlm.metrics import jitter, nme, normalizer
from genlm.predict import Landmarker, smooth_predictions, smooth_track
from genlm.synth import synth_video

FPS = 25
DEFAULT = inspect.signature(smooth_predictions).parameters["seconds"].default  # the predictor's window, seconds


def smoothers():
    "name → function of a (T,N,2) track."
    yield "none", lambda x: x
    for s in (0.3, 0.5, 0.7, 1.0):
        yield f"Savitzky–Golay {s} s" + (" (default)" if s == DEFAULT else ""), lambda x, s=s: smooth_track(x, round(s * FPS))
    for sigma in (1, 2, 3):
        yield f"Gaussian σ {sigma / FPS:.2f} s", lambda x, sigma=sigma: gaussian_filter1d(x, sigma, axis=0, mode="nearest")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="demo_out/run")
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    lm = Landmarker.load(a.run, device="cpu")
    t = lm.template
    video, gt = synth_video(t.name, a.frames, lm.size, seed=a.seed)
    pred = lm.predict_tensor(as_frames(video, lm.size).frames).numpy().astype(np.float64)
    gt = gt.astype(np.float64)
    print(f"# {a.run} ({t.name}, {lm.size}²), {a.frames}-frame synthetic video at {FPS} fps, seed {a.seed}; "
          f"{platform.processor() or platform.machine()}, torch {torch.__version__}")
    for k in (1, 2, 3):
        p, g = pred[::k], gt[::k]
        norm = normalizer(g, t)
        speed = (np.linalg.norm(np.diff(g, axis=0), axis=-1).mean(1) / norm[1:]).mean()
        jg = jitter(g, norm)
        print(f"\n## motion {k}× ({len(p)} frames; the ground truth moves {speed:.3f} of the normaliser a frame, jitter {jg:.4f})\n")
        print("| smoother | NME along the video | jitter | jitter / ground truth's | bias on the ground truth (NME) |")
        print("|---|---|---|---|---|")
        for name, f in smoothers():
            sp = f(p)
            print(f"| {name} | {nme(sp, g, norm)[0]:.4f} | {jitter(sp, norm):.4f} | {jitter(sp, norm) / jg:.1f} | "
                  f"{nme(f(g), g, norm)[0]:.4f} |")


if __name__ == "__main__":
    main()
