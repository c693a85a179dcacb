"""How far G moves frames outside the paint (issue 12, item 6: does G memorise a small unmarked set?): mean |G(x) − x|
in grey levels outside the dilated paint (found at the training size by the run's finder), on marked frames it
trained on, its held-out marked frames and unmarked test frames.

    python bench/g_memory.py RUN [RUN ...] [--data runs/devset]
"""
import argparse

import torch

from genlm.config import read_checkpoint
from genlm.data import load_frames, to_float
from genlm.losses import dilate
from genlm.model import GenLM


@torch.no_grad()
def moved(m: GenLM, frames: torch.Tensor) -> float:
    "Mean |G(x) − x| outside the paint, in grey levels, of uint8 frames (n, 3, S, S)."
    x = to_float(frames)
    P = m.find_paint(x)
    keep = ~dilate(P if P.dtype == torch.bool else P > 0.1, 2)
    return float(((m.G(x) - x).abs().mean(1, keepdim=True) * keep).sum() / keep.sum() * 127.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--data", default="runs/devset")
    a = ap.parse_args()
    print("| run | training marked | held-out marked | test unmarked |\n|---|---|---|---|")
    for run in a.runs:
        ck = read_checkpoint(run)
        m, S = GenLM.from_checkpoint(ck).eval(), ck.config.size
        M = load_frames(f"{a.data}/marked", S, progress=False).frames
        T = load_frames(f"{a.data}/test", S, progress=False).frames
        n = min(ck.config.holdout, len(M) // 5)  # make_trainer holds out the last n marked frames
        print(f"| {run} | {moved(m, M[:-n][:64]):.1f} | {moved(m, M[-n:]):.1f} | {moved(m, T[:64]):.1f} |")


if __name__ == "__main__":
    main()
