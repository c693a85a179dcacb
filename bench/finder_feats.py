"""The drawn finder told the paint's colours (issue 12, item 1): `genlm.losses.stroke_features` gains, for each found
colour c, the stroke's opacity if the residual were paint of c over the pixel's background, a = ⟨d, c − bg⟩ / |c − bg|²,
and how far the residual is from that, |d − a (c − bg)| / 32. The library's `fit_finder` (both teachings) runs with it;
the copy of RUN it writes has the new finder, for bench/finder_rp.py and bench/loss_check.py.

    python bench/finder_feats.py RUN OUT [--data runs/devset]
"""
import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from finder_field import proto_net

import genlm.losses as L
import genlm.model as GM
import genlm.train as GT
from genlm.config import read_best, save_checkpoint
from genlm.model import GenLM

LIBRARY = L.stroke_features, L.stroke_net, GT.fit_stroke_net
COLOURS: list[Tensor] = []  # the found colours (C,3, 0–255) the features are built from


def colour_features(x: Tensor, d: Tensor) -> Tensor:
    "The library's 9 channels and, per colour, the opacity the residual implies (clamped −1..2) and what is left of it."
    base = LIBRARY[0](x, d)
    bg, out = x - d, [base]
    for c in COLOURS[0].to(x.device):
        v = c[None, :, None, None] - bg  # the residual full paint of c would leave
        a = (d * v).sum(1, keepdim=True) / (v * v).sum(1, keepdim=True).clamp_min(64)
        out += [a.clamp(-1, 2), (d - a * v).norm(dim=1, keepdim=True) / 32]
    return torch.cat(out, 1)


def told_net(field: str = "wide", hidden: int = 32, outputs: int = 1) -> nn.Module:
    "`genlm.losses.stroke_net` on 9 + 2C channels."
    return proto_net(field, hidden, inputs=9 + 2 * len(COLOURS[0]), outputs=outputs)


def fit_told(unmarked, colors, *args, **kw):
    "The library's `fit_stroke_net`, its features told `colors`."
    COLOURS[:] = [torch.as_tensor(colors, dtype=torch.float32)]
    return LIBRARY[2](unmarked, colors, *args, **kw)


def install(colours: Tensor | None) -> None:
    "Route the library's finder through the colour features (colours known now, or set by `fit_told`), or restore it (None)."
    if colours is None:
        L.stroke_features, GT.fit_stroke_net = LIBRARY[0], LIBRARY[2]
        if L.stroke_net is told_net: L.stroke_net = GM.stroke_net = LIBRARY[1]  # other prototypes' networks stay
        return
    COLOURS[:] = [colours]
    L.stroke_features, L.stroke_net, GM.stroke_net, GT.fit_stroke_net = colour_features, told_net, told_net, fit_told


def patch(run: Path) -> None:
    "Build finders as RUN's was built (its finder_feats.txt, written by this script), so bench scripts can load its copy."
    f = Path(run) / "finder_feats.txt"
    if not f.exists(): return install(None)
    found = read_best(run).state("model.")["paint_found"]
    install(255 * found[found[:, 0] >= 0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    a = ap.parse_args()
    ck = read_best(a.run)
    found = ck.state("model.")["paint_found"]
    install(255 * found[found[:, 0] >= 0])  # the count of colours (the net's inputs) as the run found them
    m = GenLM(ck.template, ck.config)
    state = {k: v for k, v in ck.state("model.").items() if not k.startswith("paint_net.")}
    m.load_state_dict(state, strict=False)
    t0 = time.time()
    f = GT.fit_finder(a.data / "marked", a.data / "unmarked", m)
    if len(f.found) != len(COLOURS[0]): raise SystemExit(f"{len(f.found)} colours found, the run had {len(COLOURS[0])}")
    GT.set_finder(m, f)
    print(f"finder told {len(f.found)} colours taught in {time.time() - t0:.0f} s")
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, ck.config, ck.template, {"model." + k: v for k, v in m.state_dict().items()}, ck.step)
    (a.out / "finder_feats.txt").write_text("colours\n")


if __name__ == "__main__":
    main()
