"""Profile of one genlm training step (torch.profiler): where the time goes, top operators by self CPU time.

    python bench/profile_step.py [--preset cpu] [--steps 10] [--device cpu]
"""
import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from genlm.template import get_template
from genlm.train import GenLM, TensorSampler, Trainer, make_config


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    cfg = make_config(a.preset, device=a.device)
    g = torch.Generator().manual_seed(0)
    M, U = (torch.randint(0, 256, (64, 3, cfg.size, cfg.size), dtype=torch.uint8, generator=g) for _ in range(2))
    tr = Trainer(GenLM(get_template("face"), cfg), TensorSampler(M, U, cfg.batch, device=a.device), "/tmp/genlm-profile", callbacks=[])
    for _ in range(3): tr.train_step()
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if a.device == "cuda" else [])
    with profile(activities=acts) as prof:
        for _ in range(a.steps): tr.train_step()
    key = "self_cuda_time_total" if a.device == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=key, row_limit=15, max_name_column_width=40))


if __name__ == "__main__":
    main()
