"""The drawn finder made indifferent to how brightly a frame is lit (issue 12, item 1). The nineteenth session found the
paint the finder misses whole on dark frames (share of line length found 0.61 below 60/255, 0.84 above 130), where the
residual paint leaves is a few levels. Two changes, either or both:

- `--feats`: `genlm.losses.stroke_features` gains the residual divided by the background's local brightness,
  d / (mean(bg) + 16), and its 5×5 mean magnitude (6 more channels): the paint's residual relative to its light;
- `--lit`: the strokes the finder is taught on are drawn lit like the frame: their colour × the crop's mean brightness /
  the unmarked frames' median of it, clipped 0.3–1.6.

The library's `fit_finder` (both teachings) runs with them; the copy of RUN it writes has the new finder, for
bench/finder_rp.py and bench/loss_check.py (bench/paint_check.run_paint loads it as built).

    python bench/finder_lum.py RUN OUT [--feats] [--lit] [--data runs/devset]
"""
import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from finder_field import proto_net

import genlm.losses as L
import genlm.model as GM
import genlm.train as GT
from genlm.config import read_best, save_checkpoint
from genlm.model import GenLM

LIBRARY = L.stroke_features, L.stroke_net, L.draw_strokes, GT.fit_stroke_net
MEDIAN: list[float] = [128.0]  # the unmarked frames' median brightness (0–255), set by `fit_lit`


def lum_features(x: Tensor, d: Tensor) -> Tensor:
    "The library's 9 channels, and the residual over the background's local brightness and its 5×5 mean magnitude."
    bg = F.avg_pool2d((x - d).mean(1, keepdim=True), 5, 1, 2, count_include_pad=False)
    dn = d / (bg.clamp_min(0) + 16) * 4
    return torch.cat([LIBRARY[0](x, d), dn, F.avg_pool2d(dn.abs(), 5, 1, 2)], 1)


def lum_net(field: str = "wide", hidden: int = 32, outputs: int = 1):
    "`genlm.losses.stroke_net` on 15 channels."
    return proto_net(field, hidden, inputs=15, outputs=outputs)


def brightness(img: np.ndarray) -> float:
    "Mean grey level (0–255) of an H×W×3 uint8 frame."
    return float(np.asarray(Image.fromarray(img).convert("L"), np.float32).mean())


def lit_strokes(img: np.ndarray, colors: np.ndarray, rng: np.random.Generator, ss: int = 4, where=None):
    "`genlm.losses.draw_strokes` with the colours scaled by the crop's brightness over the unmarked frames' median."
    scale = float(np.clip(brightness(img) / MEDIAN[0], 0.3, 1.6))
    return LIBRARY[2](img, np.clip(np.asarray(colors, np.float32) * scale, 0, 255), rng, ss, where)


def fit_lit(unmarked, colors, *args, **kw):
    "The library's `fit_stroke_net` with the strokes drawn lit like the frame (`lit_strokes`)."
    MEDIAN[0] = float(np.median([brightness(f) for f in unmarked]))
    L.draw_strokes = lit_strokes
    try: return LIBRARY[3](unmarked, colors, *args, **kw)
    finally: L.draw_strokes = LIBRARY[2]


def install(feats: bool, lit: bool) -> None:
    "Route the library's finder through the brightness features and/or lit strokes; with neither, restore what this patched."
    if L.stroke_features is lum_features: L.stroke_features = LIBRARY[0]
    if L.stroke_net is lum_net: L.stroke_net = GM.stroke_net = LIBRARY[1]
    if GT.fit_stroke_net is fit_lit: GT.fit_stroke_net = LIBRARY[3]
    if feats: L.stroke_features, L.stroke_net, GM.stroke_net = lum_features, lum_net, lum_net
    if lit: GT.fit_stroke_net = fit_lit


def patch(run: Path) -> None:
    "Build finders as RUN's was built (its finder_lum.txt, written by this script), so bench scripts can load its copy."
    f = Path(run) / "finder_lum.txt"
    words = f.read_text().split() if f.exists() else []
    install("feats" in words, "lit" in words)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--feats", action="store_true", help="brightness-relative residual channels")
    ap.add_argument("--lit", action="store_true", help="strokes drawn lit like the frame")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--steps", type=int, help="each teaching's steps (default: the run's finder_steps)")
    a = ap.parse_args()
    if not (a.feats or a.lit): raise SystemExit("give --feats, --lit or both")
    ck = read_best(a.run)
    if a.steps: ck.config.finder_steps = a.steps
    install(a.feats, a.lit)
    m = GenLM(ck.template, ck.config)
    state = {k: v for k, v in ck.state("model.").items() if not k.startswith("paint_net.")}
    m.load_state_dict(state, strict=False)
    t0 = time.time()
    GT.set_finder(m, GT.fit_finder(a.data / "marked", a.data / "unmarked", m))
    print(f"finder (feats {a.feats}, lit {a.lit}) taught in {time.time() - t0:.0f} s")
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, ck.config, ck.template, {"model." + k: v for k, v in m.state_dict().items()}, ck.step)
    (a.out / "finder_lum.txt").write_text(" ".join(w for w, on in (("feats", a.feats), ("lit", a.lit)) if on) + "\n")


if __name__ == "__main__":
    main()
