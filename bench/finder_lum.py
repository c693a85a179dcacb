"""The drawn finder made indifferent to how brightly a frame is lit (issue 12, item 1). The nineteenth session found the
paint the finder misses whole on dark frames (share of line length found 0.61 below 60/255, 0.84 above 130), where the
residual paint leaves is a few levels. Two changes, either or both:

- `--feats`: `genlm.losses.stroke_features` gains the residual divided by the background's local brightness,
  d / (mean(bg) + 16), and its 5×5 mean magnitude (6 more channels): the paint's residual relative to its light;
- `--lit`: the strokes the finder is taught on are drawn lit like the frame: their colour × the crop's mean brightness /
  the unmarked frames' median of it, clipped 0.3–1.6;
- `--pigment` (twenty-sixth session): each stroke's paint partly multiplies the frame beneath it (a share drawn from
  0–0.7 per stroke: dark on dark hair, as pigment on skin is) and its opacity varies along it (faint stretches).

The library's `fit_finder` (both teachings) runs with them; the copy of RUN it writes has the new finder, for
bench/finder_rp.py and bench/loss_check.py (bench/paint_check.run_paint loads it as built).

    python bench/finder_lum.py RUN OUT [--feats] [--lit] [--pigment] [--data runs/devset]
"""
import argparse
import io
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
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


def pigment_strokes(img: np.ndarray, colors: np.ndarray, rng: np.random.Generator, ss: int = 4, where=None,
                    by_colour: bool = False):
    "`genlm.losses.draw_strokes` with paint that partly multiplies the frame and an opacity that varies along each stroke."
    h, w = img.shape[:2]
    out, alpha = img.astype(np.float32), np.zeros((h, w, len(colors) if by_colour else 1), np.float32)
    t = np.linspace(0, 1, 40)[:, None]
    for _ in range(rng.integers(3, 9)):
        canvas = Image.new("L", (w * ss, h * ss), 0)
        p0, p1, p2 = (rng.uniform(0.1, 0.9, (3, 2)) * (w, h) if where is None else where(rng, w, h)) * ss
        curve = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * p1 + t ** 2 * p2
        op = rng.uniform(*L.STROKE_ALPHA) * np.clip(1 - rng.uniform(0, 0.7) * np.abs(np.sin(np.pi * (t[:, 0] * rng.uniform(0.5, 2) + rng.uniform()))), 0, 1)
        width, draw = max(1, round(rng.uniform(*L.STROKE_WIDTHS) * ss)), ImageDraw.Draw(canvas)
        for i in range(len(curve) - 1): draw.line([tuple(curve[i]), tuple(curve[i + 1])], fill=int(255 * op[i]), width=width)
        a = np.asarray(canvas.resize((w, h), Image.BOX), np.float32)[..., None] / 255
        k = rng.integers(len(colors)); c = np.clip(colors[k] * rng.uniform(*L.STROKE_SHADE) + rng.normal(0, 12, 3), 0, 255)
        m = rng.uniform(0, 0.7)  # the share of the paint that multiplies what is beneath it
        paint = (1 - m) * c + m * c * out / 255
        ch = slice(k, k + 1) if by_colour else slice(0, 1)
        out, alpha[..., ch] = out * (1 - a) + paint * a, 1 - (1 - alpha[..., ch]) * (1 - a)
    buf = io.BytesIO()
    Image.fromarray(out.round().clip(0, 255).astype(np.uint8)).save(buf, "JPEG", quality=int(rng.integers(35, 96)))
    return np.asarray(Image.open(buf).convert("RGB")), alpha if by_colour else alpha[..., 0]


def fit_pigment(unmarked, colors, *args, **kw):
    "The library's `fit_stroke_net` with the strokes drawn as `pigment_strokes`."
    L.draw_strokes = pigment_strokes
    try: return LIBRARY[3](unmarked, colors, *args, **kw)
    finally: L.draw_strokes = LIBRARY[2]


def fit_lit(unmarked, colors, *args, **kw):
    "The library's `fit_stroke_net` with the strokes drawn lit like the frame (`lit_strokes`)."
    MEDIAN[0] = float(np.median([brightness(f) for f in unmarked]))
    L.draw_strokes = lit_strokes
    try: return LIBRARY[3](unmarked, colors, *args, **kw)
    finally: L.draw_strokes = LIBRARY[2]


def install(feats: bool, lit: bool, pigment: bool = False) -> None:
    "Route the library's finder through the brightness features and/or lit (or pigment) strokes; with none, restore what this patched."
    if L.stroke_features is lum_features: L.stroke_features = LIBRARY[0]
    if L.stroke_net is lum_net: L.stroke_net = GM.stroke_net = LIBRARY[1]
    if GT.fit_stroke_net in (fit_lit, fit_pigment): GT.fit_stroke_net = LIBRARY[3]
    if feats: L.stroke_features, L.stroke_net, GM.stroke_net = lum_features, lum_net, lum_net
    if lit and pigment: raise SystemExit("--lit and --pigment are two ways of drawing the strokes: give one")
    if lit: GT.fit_stroke_net = fit_lit
    if pigment: GT.fit_stroke_net = fit_pigment


def patch(run: Path) -> None:
    "Build finders as RUN's was built (its finder_lum.txt, written by this script), so bench scripts can load its copy."
    f = Path(run) / "finder_lum.txt"
    words = f.read_text().split() if f.exists() else []
    install("feats" in words, "lit" in words, "pigment" in words)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--feats", action="store_true", help="brightness-relative residual channels")
    ap.add_argument("--lit", action="store_true", help="strokes drawn lit like the frame")
    ap.add_argument("--pigment", action="store_true", help="strokes whose paint partly multiplies the frame, opacity varying along them")
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--steps", type=int, help="each teaching's steps (default: the run's finder_steps)")
    a = ap.parse_args()
    if not (a.feats or a.lit or a.pigment): raise SystemExit("give --feats, --lit or --pigment")
    ck = read_best(a.run)
    if a.steps: ck.config.finder_steps = a.steps
    install(a.feats, a.lit, a.pigment)
    m = GenLM(ck.template, ck.config)
    state = {k: v for k, v in ck.state("model.").items() if not k.startswith("paint_net.")}
    m.load_state_dict(state, strict=False)
    t0 = time.time()
    GT.set_finder(m, GT.fit_finder(a.data / "marked", a.data / "unmarked", m))
    print(f"finder (feats {a.feats}, lit {a.lit}, pigment {a.pigment}) taught in {time.time() - t0:.0f} s")
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, ck.config, ck.template, {"model." + k: v for k, v in m.state_dict().items()}, ck.step)
    (a.out / "finder_lum.txt").write_text(" ".join(w for w, on in (("feats", a.feats), ("lit", a.lit), ("pigment", a.pigment)) if on) + "\n")


if __name__ == "__main__":
    main()
