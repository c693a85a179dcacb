"""genlm on the semi-real development set (issue 12): the template, a supervised L_delta (the reference the issue
compares against), and genlm runs trained by the CLI's path, scored on the held-out test frames.

    python bench/devset.py                                   # build runs/devset first (see bench/DEVSET.md)
    python bench/devset_train.py supervised [--data runs/devset] [--steps 3000] [--preset cpu128]
    python bench/devset_train.py run RUN [--data runs/devset]          # score a run trained with `genlm train`

NME is inter-ocular (genlm.metrics), on the 150 test frames; jitter along the test clips and the video.
"""
import argparse
import platform
import time
from pathlib import Path

import numpy as np
import torch

from genlm.config import Config, make_config
from genlm.data import load_frames, to_float
from genlm.metrics import evaluate, format_table
from genlm.nets import LandmarkNet
from genlm.predict import Landmarker
from genlm.template import Template, from_pixels, get_template


def supervised(data: Path, steps: int, preset: str = "cpu") -> dict:
    "L_delta trained on the unmarked frames' ground truth (L1 on normalised points): what labels would give."
    t0 = time.time()
    net, cfg, t = train_supervised(data, steps, preset)
    lm = Landmarker(net, t, cfg.size, "cpu", precision="fp32")
    p = lm.predict(data / "test", smooth=0)
    gt = np.load(data / "gt.npz")
    m = evaluate(p.points, gt["test"], t)
    m["template_nme"] = evaluate(p.template_points(), gt["test"], t)["nme"]
    m["minutes"] = (time.time() - t0) / 60
    return m


def train_supervised(data: Path, steps: int, preset: str = "cpu") -> tuple[LandmarkNet, Config, Template]:
    "A supervised L_delta (L1 to the unmarked frames' ground truth), its config and template."
    cfg, t = make_config(preset), get_template("face")
    gt = np.load(data / "gt.npz")
    U = load_frames(data / "unmarked", cfg.size, progress=False)
    size = int(gt["size"])
    Y = torch.tensor(from_pixels(gt["unmarked"], (size, size)), dtype=torch.float32)  # (n, N, 2) normalised
    net, g = LandmarkNet.from_config(cfg, t), torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(net.parameters(), cfg.lr_landmark)
    for _ in range(steps):
        i = torch.randint(len(U), (cfg.batch,), generator=g)
        loss = (net(to_float(U.frames[i])) - Y[i]).abs().mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return net.eval(), cfg, t


def score_run(run: Path, data: Path) -> dict:
    "A trained run's NME on the test frames, beside the template's."
    gt, lm = np.load(data / "gt.npz"), Landmarker.load(run, device="cpu")
    p = lm.predict(data / "test", smooth=0)
    m = evaluate(p.points, gt["test"], lm.template)
    m["template_nme"] = evaluate(p.template_points(), gt["test"], lm.template)["nme"]
    return m


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["supervised", "run"])
    ap.add_argument("run", nargs="?", help="with `run`: the run folder")
    ap.add_argument("--data", default="runs/devset", type=Path)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--preset", default="cpu", help="with `supervised`: the preset whose size and L_delta widths to train")
    a = ap.parse_args()
    torch.set_num_threads(1)
    m = supervised(a.data, a.steps, a.preset) if a.what == "supervised" else score_run(Path(a.run), a.data)
    print(format_table(m))
    print(f"template alone: NME {m['template_nme']:.4f}; machine {platform.machine()}, torch {torch.__version__}, 1 thread")
