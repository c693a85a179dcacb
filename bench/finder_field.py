"""The drawn finder with a wider field or more channels (issue 12, item 1): the library's `fit_finder` (both teachings,
bf16 where the run used it) with `genlm.losses.stroke_net` replaced by a prototype. Writes a copy of RUN whose finder is
the new one (the rest of the model unchanged), for bench/finder_rp.py and bench/loss_check.py.

    python bench/finder_field.py RUN OUT [--field wider] [--hidden 32] [--data runs/devset] [--steps N]

Fields: "wide" (the library's 17 px: 5×5, then 3×3 dilated 2 and 4), "wider" (33 px: one more 3×3 dilated 8),
"widest" (65 px: and one dilated 16).
"""
import argparse
import time
from pathlib import Path

from torch import nn

import genlm.losses as L
import genlm.model as GM
from genlm.config import read_best, save_checkpoint
from genlm.model import GenLM
from genlm.train import fit_finder, set_finder

LIBRARY = L.stroke_net
DILATIONS = {**L.STROKE_DILATIONS, "widest": (2, 4, 8, 16)}  # the library's fields, and one more


def proto_net(field: str = "wide", hidden: int = 32, inputs: int = 9, outputs: int = 1) -> nn.Module:
    "`genlm.losses.stroke_net` with any of `DILATIONS`, `hidden` channels, and `inputs` features and `outputs` maps (the other prototypes)."
    layers = [nn.Conv2d(inputs, hidden, 5, padding=2), nn.ReLU()]
    for d in DILATIONS[field]: layers += [nn.Conv2d(hidden, hidden, 3, padding=d, dilation=d), nn.ReLU()]
    return nn.Sequential(*layers, nn.Conv2d(hidden, outputs, 1))


def patch(run: Path) -> None:
    "Build finders as RUN's was built (its finder_net.txt, written by this script), so bench scripts can load its copy."
    f = Path(run) / "finder_net.txt"
    L.stroke_net = GM.stroke_net = LIBRARY
    if not f.exists(): return
    field, hidden = f.read_text().split()
    L.stroke_net = GM.stroke_net = lambda *_, outputs=1, **__: proto_net(field, int(hidden), outputs=outputs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--field", default="wider", choices=list(DILATIONS))
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--steps", type=int, help="each teaching's steps (default: the run's finder_steps)")
    ap.add_argument("--precision", choices=["auto", "fp32", "bf16"], help="the teaching's arithmetic (default: the run's)")
    a = ap.parse_args()
    ck = read_best(a.run)
    if a.steps: ck.config.finder_steps = a.steps
    if a.precision: ck.config.precision = a.precision
    net = lambda *_, outputs=1, **__: proto_net(a.field, a.hidden, outputs=outputs)  # noqa: E731
    L.stroke_net = GM.stroke_net = net  # the library builds its finder's network by this name
    m = GenLM(ck.template, ck.config)
    state = {k: v for k, v in ck.state("model.").items() if not k.startswith("paint_net.")}
    m.load_state_dict(state, strict=False)
    t0 = time.time()
    set_finder(m, fit_finder(a.data / "marked", a.data / "unmarked", m))
    print(f"finder ({a.field}, {a.hidden} channels) taught in {time.time() - t0:.0f} s")
    a.out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(a.out, ck.config, ck.template, {"model." + k: v for k, v in m.state_dict().items()}, ck.step)
    (a.out / "finder_net.txt").write_text(f"{a.field} {a.hidden}\n")


if __name__ == "__main__":
    main()
