"""Does the paint have the template's colours? The residual finder's test (`genlm.losses.PaintFinder.fit`), on the
development sets and on synthetic frames: of the paint found in excess over the unmarked frames and pointing clearly
(cosine > 0.9) toward a template colour, each colour's share divided by its lines' share of the template's length.
The finder keeps one map per colour when every ratio is at least ¼, else one map for all lines.

    python bench/paint_colours.py [--dev runs/devset runs/devset_template] [--synth 200]
"""
import argparse
from pathlib import Path

import torch

from genlm.config import make_config
from genlm.model import GenLM
from genlm.synth import synth_frames
from genlm.template import get_template
from genlm.train import fit_finder


def report(name: str, m: GenLM, marked, unmarked) -> str:
    "One table row: the share ratios and whether the finder tells colours apart."
    pts = torch.as_tensor(m.template.points)
    length = torch.bincount(m.segment_color, (pts[m.segments[:, 0]] - pts[m.segments[:, 1]]).norm(dim=-1), len(m.colors))
    f = fit_finder(marked, unmarked, m)
    ratio = f.share / (length / length.sum())
    return f"| {name} | {' '.join(f'{r:.2f}' for r in ratio)} | {ratio.min():.2f} | {'yes' if f.colors is not None else 'no'} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, nargs="*", default=[Path("runs/devset"), Path("runs/devset_template")])
    ap.add_argument("--synth", type=int, default=200, help="synthetic frames a side (64²)")
    a = ap.parse_args()
    print("| data | share ÷ expected, per template colour | least | one map per colour |\n|---|---|---|---|")
    face = GenLM(get_template("face"), make_config())
    for d in a.dev:
        if (d / "marked").exists(): print(report(f"development set {d.name}", face, d / "marked", d / "unmarked"))
    for region in ("face", "hand", "foot"):
        m = GenLM(get_template(region), make_config())
        u, _ = synth_frames(region, a.synth, 64, marked=False, seed=1)
        for paint in ("template", "thin"):
            mk, _ = synth_frames(region, a.synth, 64, marked=True, seed=0, paint=paint)
            print(report(f"synthetic {region}, {paint} paint", m, mk, u))


if __name__ == "__main__":
    main()
