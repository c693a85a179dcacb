"""Several colours: one output of the drawn finder per paint colour (issue 12, item 1). The library's finder is one
network for all colours, each pixel's colour then told by the direction of its residual (`assign_colors`). Here the
network has one output per found colour, each taught on strokes of its own colour (the others' strokes are its
negatives), and again on the real paint it is sure of, as the library does. Writes a copy of RUN (a several-colour run)
whose finder is the new one, for bench/finder_rp.py and bench/loss_check.py (they load it through `patch`).

    python bench/finder_heads.py RUN OUT [--data runs/devset_template] [--steps RUN's finder_steps] [--field wide]
"""
import argparse
import io
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from torch import nn
from tqdm.auto import tqdm

import genlm.losses as L
import genlm.model as GM
from genlm.config import read_best, save_checkpoint
from genlm.losses import (STROKE_ALPHA, STROKE_CROP, STROKE_FRAMES, STROKE_SHADE, STROKE_WIDTHS, _chw, random_crop,
                          stroke_features, thin_residual)
from genlm.model import GenLM
from genlm.train import _spread
from finder_field import DILATIONS, proto_net

LIBRARY_MAPS = L.PaintFinder.maps


def heads_net(field: str = "wide", hidden: int = 32, out: int = 1) -> nn.Module:
    "`genlm.losses.stroke_net` with `out` outputs, one per paint colour."
    return proto_net(field, hidden, outputs=out)


def heads_maps(self, x):
    "`PaintFinder.maps` for a network with one output per colour: its outputs are the maps (no colour told by direction)."
    if self.net is None or self.net[-1].out_channels == 1: return LIBRARY_MAPS(self, x)
    with torch.no_grad(): return torch.sigmoid(self.net(stroke_features(x, thin_residual(x, self.k))))


def patch(run: Path) -> None:
    "Load RUN's copy as this script wrote it (its finder_heads.txt)."
    f = Path(run) / "finder_heads.txt"
    L.PaintFinder.maps = LIBRARY_MAPS
    if not f.exists(): return
    field, out = f.read_text().split()
    L.stroke_net = GM.stroke_net = lambda *_, **__: heads_net(field, 32, int(out))
    L.PaintFinder.maps = heads_maps


def draw_coloured(img: np.ndarray, colors: np.ndarray, rng: np.random.Generator, ss: int = 4) -> tuple[np.ndarray, np.ndarray]:
    "`genlm.losses.draw_strokes`, with the alpha of each colour apart → (frame, alpha H×W×C)."
    h, w = img.shape[:2]
    out, alpha = img.astype(np.float32), np.zeros((h, w, len(colors)), np.float32)
    t = np.linspace(0, 1, 40)[:, None]
    for _ in range(rng.integers(3, 9)):
        canvas = Image.new("L", (w * ss, h * ss), 0)
        p0, p1, p2 = rng.uniform(0.1, 0.9, (3, 2)) * (w, h) * ss
        curve = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * p1 + t ** 2 * p2
        ImageDraw.Draw(canvas).line([tuple(q) for q in curve], fill=int(255 * rng.uniform(*STROKE_ALPHA)),
                                    width=max(1, round(rng.uniform(*STROKE_WIDTHS) * ss)))
        a = np.asarray(canvas.resize((w, h), Image.BOX), np.float32)[..., None] / 255
        k = rng.integers(len(colors))
        c = np.clip(colors[k] * rng.uniform(*STROKE_SHADE) + rng.normal(0, 12, 3), 0, 255)
        out = out * (1 - a) + c * a
        alpha[..., k:k + 1] = 1 - (1 - alpha[..., k:k + 1]) * (1 - a)
    buf = io.BytesIO()
    Image.fromarray(out.round().astype(np.uint8)).save(buf, "JPEG", quality=int(rng.integers(35, 96)))
    return np.asarray(Image.open(buf).convert("RGB")), alpha


def teach(feats, labels, steps: int, field: str, seed: int) -> nn.Module:
    "`genlm.losses._teach` with C outputs: labels (N,C,H,W) of 0, 1 and 0.5 (left out)."
    g, c = torch.Generator().manual_seed(seed), feats.shape[-1]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = heads_net(field, 32, labels.shape[1]).to(memory_format=torch.channels_last)
    opt, s = torch.optim.Adam(net.parameters(), 3e-3), min(96, c)
    for _ in tqdm(range(steps), desc="learning the paint (heads)", unit="step", leave=False):
        i = torch.randint(0, len(feats), (16,), generator=g)
        r, q = torch.randint(0, c - s + 1, (2,), generator=g).tolist()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = net(feats[i, :, r:r + s, q:q + s].float().contiguous(memory_format=torch.channels_last))
        y = labels[i, :, r:r + s, q:q + s].float(); keep = (y != 0.5).float()
        loss = (F.binary_cross_entropy_with_logits(logits.float(), y, reduction="none") * keep).sum() / keep.sum().clamp_min(1)
        opt.zero_grad(); loss.backward(); opt.step()
    return net.eval().requires_grad_(False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=Path("runs/devset_template"))
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--field", default="wide", choices=list(DILATIONS))
    ap.add_argument("--sure", type=float, default=0.7)
    a = ap.parse_args()
    ck = read_best(a.run)
    cfg = ck.config
    m = GenLM.from_checkpoint(ck).eval()
    colors = m.finder().found  # (C', 3) 0–255, one per map
    assert bool(m.paint_by_color) and len(colors) > 1, "a run with one map per colour"
    t0, rng = time.time(), np.random.default_rng(cfg.seed)
    cuts = _spread(a.data / "unmarked", STROKE_FRAMES, lambda f: random_crop(f, STROKE_CROP, rng))
    real = _spread(a.data / "marked", STROKE_FRAMES, lambda f: random_crop(f, STROKE_CROP, rng))
    feats, labels = [], []
    for f in cuts:
        img, al = draw_coloured(f, colors, rng)
        x = _chw(img); feats.append(stroke_features(x, thin_residual(x)).half())
        labels.append(torch.from_numpy(al >= 0.25).permute(2, 0, 1)[None].half())
    feats, labels = torch.cat(feats), torch.cat(labels)
    steps = a.steps or cfg.finder_steps
    net = teach(feats, labels, steps, a.field, cfg.seed)
    more, sure = [], []
    for f in real:
        x = _chw(f); ft = stroke_features(x, thin_residual(x))
        with torch.no_grad(): p = torch.sigmoid(net(ft))
        more.append(ft.half()); sure.append(torch.where(p >= a.sure, 1.0, 0.5).half())
    print(f"sure paint per colour: " + ", ".join(f"{float((torch.cat(sure)[:, c] == 1).float().mean()):.2%}" for c in range(len(colors))))
    net = teach(torch.cat([feats, torch.cat(more)]), torch.cat([labels, torch.cat(sure)]), steps, a.field, cfg.seed)
    print(f"finder with {len(colors)} heads taught in {time.time() - t0:.0f} s")
    state = {k: v for k, v in m.state_dict().items() if not k.startswith("paint_net.")}
    state.update({"paint_net." + k: v for k, v in net.state_dict().items()})
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, cfg, ck.template, {"model." + k: v for k, v in state.items()}, ck.step)
    (a.out / "finder_heads.txt").write_text(f"{a.field} {len(colors)}\n")


if __name__ == "__main__":
    main()
