"""genlm on the semi-real development set (issue 12): the template, a supervised L_delta (the reference the issue
compares against), and genlm runs trained by the CLI's path, scored on the held-out test frames.

    python bench/devset.py                                   # build runs/devset first (see bench/DEVSET.md)
    python bench/devset_train.py supervised [--data runs/devset] [--steps 3000] [--preset cpu128] [--warp 12] [--seed 0]
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
from genlm.data import augment, load_frames, to_float
from genlm.metrics import evaluate, format_table
from genlm.nets import LandmarkNet
from genlm.predict import Landmarker
from genlm.template import Template, from_pixels, get_template


def supervised(data: Path, steps: int, preset: str = "cpu", warp: float = 0, seed: int = 0) -> dict:
    "L_delta trained on the unmarked frames' ground truth (L1 on normalised points): what labels would give."
    t0 = time.time()
    net, cfg, t = train_supervised(data, steps, preset, warp, seed)
    lm = Landmarker(net, t, cfg.size, "cpu", precision="fp32")
    p = lm.predict(data / "test", smooth=0)
    gt = np.load(data / "gt.npz")
    m = evaluate(p.points, gt["test"], t)
    m["template_nme"] = evaluate(p.template_points(), gt["test"], t)["nme"]
    m["minutes"] = (time.time() - t0) / 60
    return m


def warped_labels(y: torch.Tensor, g: torch.Generator, warp: float) -> torch.Tensor:
    """Points y (B, N, 2) moved by the affine warp `augment` is about to draw from g (a clone of its generator):
    the same draws in the same order (colour factors, angle, zoom, shift x, shift y)."""
    B = len(y)
    u = lambda *s: torch.rand(*s, generator=g) * 2 - 1
    u(3, B, 1, 1, 1)
    a, s = u(B) * warp * torch.pi / 180, 1 + warp / 100 * u(B)
    tx, ty = warp / 100 * u(B), warp / 100 * u(B)
    A = torch.stack([torch.stack([torch.cos(a), -torch.sin(a)], -1), torch.stack([torch.sin(a), torch.cos(a)], -1)], 1) / s[:, None, None]
    p = y - torch.stack([tx, ty], -1)[:, None]  # the warp samples output p at input A p + t: a point moves to A⁻¹(p − t)
    return torch.linalg.solve(A[:, None], p[..., None])[..., 0]


def check_warped_labels(warp: float = 12.0) -> None:
    "Refuse to train if `warped_labels` no longer follows `augment`'s draws: a dot must land where its point goes."
    x, pt = -torch.ones(1, 3, 64, 64), torch.tensor([[[20.0, 30.0]]])
    x[..., 29:32, 19:22] = 1
    g = torch.Generator().manual_seed(3)
    y, m = warped_labels(from_pixels(pt, (64, 64)), _clone(g), warp), (augment(x, g, jitter=0, warp=warp)[0, 0] + 1).clamp_min(0)
    r, c = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    dot = torch.stack([(m * c).sum(), (m * r).sum()]) / m.sum()
    if (dot - ((y[0, 0] + 1) * 32 - 0.5)).norm() > 0.5: raise RuntimeError("warped_labels no longer matches genlm.data.augment")


def train_supervised(data: Path, steps: int, preset: str = "cpu", warp: float = 0, seed: int = 0) -> tuple[LandmarkNet, Config, Template]:
    """A supervised L_delta (L1 to the unmarked frames' ground truth), its config and template; warp > 0: augmented as training is;
    `seed` draws the weights and the batches (before the twenty-third session the weights were unseeded)."""
    if warp > 0: check_warped_labels(warp)
    cfg, t = make_config(preset), get_template("face")
    gt = np.load(data / "gt.npz")
    U = load_frames(data / "unmarked", cfg.size, progress=False)
    size = int(gt["size"])
    Y = torch.tensor(from_pixels(gt["unmarked"], (size, size)), dtype=torch.float32)  # (n, N, 2) normalised
    torch.manual_seed(seed)
    net, g = LandmarkNet.from_config(cfg, t), torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), cfg.lr_landmark)
    for _ in range(steps):
        i = torch.randint(len(U), (cfg.batch,), generator=g)
        x, y = to_float(U.frames[i]), Y[i]
        if warp > 0: y, x = warped_labels(y, _clone(g), warp), augment(x, g, warp=warp)
        loss = (net(x) - y).abs().mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return net.eval(), cfg, t


def _clone(g: torch.Generator) -> torch.Generator:
    "A generator in g's state."
    c = torch.Generator(); c.set_state(g.get_state()); return c


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
    ap.add_argument("--warp", type=float, default=0, help="with `supervised`: augment as training does, with this warp (0: none)")
    ap.add_argument("--seed", type=int, default=0, help="with `supervised`: the weights' and batches' seed")
    ap.add_argument("--preset", default="cpu", help="with `supervised`: the preset whose size and L_delta widths to train")
    a = ap.parse_args()
    torch.set_num_threads(1)
    m = supervised(a.data, a.steps, a.preset, a.warp, a.seed) if a.what == "supervised" else score_run(Path(a.run), a.data)
    print(format_table(m))
    print(f"template alone: NME {m['template_nme']:.4f}; machine {platform.machine()}, torch {torch.__version__}, 1 thread")
