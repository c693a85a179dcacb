"""The drawn finder taught with hard negatives (issue 12): beside the mean binary cross-entropy over all pixels, the mean
over the batch's hardest unpainted pixels, as many as it has painted ones, weighed by `--hard`. Aimed at the finder's
false paint on unmarked frames (glasses rims, wrinkles, blue backgrounds), which ties the loss check's per-line shifts.
Writes a copy of RUN whose finder is the new one (the rest of the model unchanged), for bench/finder_rp.py and
bench/loss_check.py.

    python bench/finder_hard.py RUN OUT [--hard 1.0] [--band] [--decay] [--features 0.5] [--self 0.7] [--go-on] [--bf16]
                                [--data runs/devset] [--steps RUN's finder_steps]
"""
import argparse
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from genlm.config import read_best, save_checkpoint
from PIL import Image

from genlm.losses import STROKE_CROP, STROKE_FRAMES, _chw, draw_strokes, random_crop, self_labels, stroke_features, stroke_net, thin_residual
from genlm.model import GenLM
from genlm.train import _spread


def on_features(img: np.ndarray, share: float = 0.5):
    """A `where` for `genlm.losses.draw_strokes`: a `share` of the curves are short (20–60 px) and start where `img` has
    structure (a point drawn ∝ its 5²-blurred gradient magnitude): brows, eyes, lips, hair, as painted lines are."""
    h, w = img.shape[:2]
    grey = img.astype(np.float32).mean(2)
    g = np.abs(np.diff(grey, axis=0, append=0)) + np.abs(np.diff(grey, axis=1, append=0))
    g = np.asarray(Image.fromarray(g).resize((w // 5 or 1, h // 5 or 1), Image.BOX).resize((w, h), Image.BILINEAR), np.float64).ravel() + 1e-3
    g /= g.sum()
    def where(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
        if rng.uniform() >= share: return rng.uniform(0.1, 0.9, (3, 2)) * (w, h)
        i = rng.choice(h * w, p=g); p0 = np.array([i % w, i // w], np.float64)
        ang, L = rng.uniform(0, 2 * np.pi), rng.uniform(20, 60)
        p2 = p0 + L * np.array([np.cos(ang), np.sin(ang)]); p1 = (p0 + p2) / 2 + rng.normal(0, L / 4, 2)
        return np.clip(np.stack([p0, p1, p2]), 0, [w - 1, h - 1])
    return where


def fit_hard(cuts: list[np.ndarray], colors: np.ndarray, steps: int, seed: int, field: str, hard: float, band: bool = False,
             decay: bool = False, features: float = 0.0, extra: tuple | None = None, bf16: bool = False,
             init: dict | None = None) -> torch.nn.Module:
    """`genlm.losses.fit_stroke_net` with the hard-negative term added (hard = 0, band False: the library's); band: the strokes'
    faint edges (alpha > 0.02 within 1 px of a stroke, but under the label's 0.25) count neither as paint nor as unpainted;
    decay: the learning rate falls to 0 along a cosine instead of staying at 3e-3; features: the share of strokes drawn
    on the image's structure (`on_features`); extra: more (features, labels) to learn from, labels 0.5 ignored (`genlm.losses.self_labels`);
    bf16: under bf16 autocast, as the library teaches on a CPU with native bf16; init: weights to start from."""
    rng, g = np.random.default_rng(seed), torch.Generator().manual_seed(seed)
    feats, labels = [], []
    for f in cuts:
        img, a = draw_strokes(f, colors, rng, where=on_features(f, features) if features > 0 else None)
        x = _chw(img)
        feats.append(stroke_features(x, thin_residual(x)).half())
        t = torch.from_numpy(a)[None, None]
        edge = (F.max_pool2d((t > 0.02).float(), 3, 1, 1) > 0) & (t < 0.25)
        labels.append(torch.where(edge & band, torch.tensor(0.5), (t >= 0.25).float()))  # 0.5: ignored
    if extra is not None: feats.append(extra[0]); labels.append(extra[1])
    feats, labels, c = torch.cat(feats), torch.cat(labels).float(), min(f.shape[0] for f in cuts)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = stroke_net(field).to(memory_format=torch.channels_last)
    if init is not None: net.load_state_dict(init)
    opt, s = torch.optim.Adam(net.parameters(), 3e-3), min(96, c)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if decay else None
    for _ in tqdm(range(steps), desc="learning the paint", unit="step"):
        i = torch.randint(0, len(feats), (16,), generator=g)
        r, q = torch.randint(0, c - s + 1, (2,), generator=g).tolist()
        y = labels[i, :, r:r + s, q:q + s]
        keep = (y != 0.5).float()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = net(feats[i, :, r:r + s, q:q + s].float().contiguous(memory_format=torch.channels_last))
        bce = F.binary_cross_entropy_with_logits(logits.float(), y.round(), reduction="none")
        loss = (bce * keep).sum() / keep.sum().clamp_min(1)
        if hard > 0:
            neg = bce[y == 0]
            k = max(1, min(len(neg), int((y == 1).sum())))
            loss = loss + hard * neg.topk(k).values.mean()
        opt.zero_grad(); loss.backward(); opt.step()
        if sched: sched.step()
    return net.eval().requires_grad_(False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--hard", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--band", action="store_true", help="leave the strokes' faint edges out of the loss")
    ap.add_argument("--decay", action="store_true", help="cosine decay of the learning rate to 0")
    ap.add_argument("--features", type=float, default=0.0, help="share of strokes drawn on the image's structure")
    ap.add_argument("--self", type=float, default=None, metavar="SURE", dest="self_",
                    help="also learn from the marked frames, labelled by the run's finder (genlm.losses.self_labels): paint where P ≥ SURE")
    ap.add_argument("--bf16", action="store_true", help="teach under bf16 autocast")
    ap.add_argument("--go-on", action="store_true", help="start from the run's finder instead of afresh")
    a = ap.parse_args()
    ck = read_best(a.run)
    m = GenLM.from_checkpoint(ck).eval()
    cfg = ck.config
    rng = np.random.default_rng(cfg.seed)
    cuts = _spread(a.data / "unmarked", STROKE_FRAMES, lambda f: random_crop(f, STROKE_CROP, rng))
    colors = m.finder().found
    extra = None
    if a.self_:
        marked = _spread(a.data / "marked", STROKE_FRAMES, lambda f: random_crop(f, STROKE_CROP, rng))
        extra = self_labels(m.paint_net.eval(), marked, a.self_)
        print(f"self-labelled {len(marked)} marked frames: paint {float((extra[1] == 1).float().mean()):.2%}, ignored {float((extra[1] == 0.5).float().mean()):.2%}")
    net = fit_hard(cuts, colors, a.steps or cfg.finder_steps, cfg.seed, cfg.finder_net, a.hard, a.band, a.decay, a.features, extra, a.bf16,
                   m.paint_net.state_dict() if a.go_on else None)
    m.paint_net.load_state_dict(net.state_dict())
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, cfg, ck.template, {"model." + k: v for k, v in m.state_dict().items()}, ck.step)
    print(f"{a.out}: the run's model with a finder taught with hard negatives × {a.hard} ({a.steps or cfg.finder_steps} steps{', decayed' if a.decay else ''}{f', {a.features:.0%} on features' if a.features else ''})")


if __name__ == "__main__":
    main()
