"""How well a run's L_delta generalises (issue 12): NME of L_delta(G(M)) and L_delta(M) on the marked frames it trained on
and on the ones held out for the label-free score, and of L_delta on the unpainted test frames, beside the template's.

    python bench/seen_unseen.py RUN [--data runs/devset] [--last]   # --last: the final checkpoint, not the best

A run trained by `genlm train` (or make_trainer) on DATA/marked holds out the last `holdout` marked frames (at most a fifth).
"""
import argparse
from pathlib import Path

import numpy as np
import torch

from genlm.config import read_best, read_checkpoint
from genlm.data import load_frames, to_float
from genlm.model import GenLM
from genlm.template import to_pixels


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path); ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--last", action="store_true")
    a = ap.parse_args()
    ck = read_checkpoint(a.run) if a.last else read_best(a.run)
    m, S = GenLM.from_checkpoint(ck).eval(), ck.config.size
    gt, src = np.load(a.data / "gt.npz"), None
    src = int(gt["size"])
    print(f"# {a.run} ({'last' if a.last else 'best'} checkpoint, step {ck.step}), NME (inter-ocular)")
    print("| frames | n | L_delta(G(x)) | L_delta(x) | template |\n|---|---|---|---|---|")
    for name in ("marked", "test"):
        files = sorted((a.data / name).glob("*.png"))
        X = to_float(load_frames(files, S, progress=False).frames)
        on_g = torch.cat([m.L(m.G(x)) for x in X.split(32)]).numpy()
        on_x = torch.cat([m.L(x) for x in X.split(32)]).numpy()
        truth, norm = gt[name][:len(files)], gt[f"{name}_norm"][:len(files)]
        err = lambda p: np.linalg.norm(to_pixels(p, (src, src)) - truth, axis=-1).mean(1) / norm  # noqa: E731
        e_g, e_x, e_t = err(on_g), err(on_x), err(np.broadcast_to(np.asarray(m.template.points, np.float32), on_x.shape))
        k = len(files) - min(ck.config.holdout, len(files) // 5)
        parts = ({"marked, trained on": slice(0, k), "marked, held out": slice(k, len(files))} if name == "marked"
                 else {"test (unpainted)": slice(0, len(files))})
        for label, sl in parts.items():
            print(f"| {label} | {len(e_g[sl])} | {e_g[sl].mean():.4f} | {e_x[sl].mean():.4f} | {e_t[sl].mean():.4f} |")


if __name__ == "__main__":
    main()
