"""Profile of one genlm training step (torch.profiler): where the time goes, top operators by self CPU time.

    python bench/profile_step.py [--preset cpu] [--steps 10] [--device cpu] [--batch B] [--size S] [--set KEY=VALUE]
"""
import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from genlm.config import PRESETS, add_settings, make_config, settings_from
from genlm.train import make_trainer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu", choices=list(PRESETS))
    add_settings(ap, ["batch", "size"])
    ap.add_argument("--steps", dest="profiled", type=int, default=10, help="steps profiled (after 3 warm-up steps); the schedule is the preset's")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = ap.parse_args()
    settings = settings_from(a)
    S = make_config(a.preset, **settings).size
    g = torch.Generator().manual_seed(0)
    M, U = (torch.randint(0, 256, (64, 3, S, S), dtype=torch.uint8, generator=g) for _ in range(2))
    tr = make_trainer(M, U, "face", "/tmp/genlm-profile", a.preset, device=a.device, callbacks=[], **settings)
    for _ in range(3): tr.train_step()
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if a.device == "cuda" else [])
    with profile(activities=acts) as prof:
        for _ in range(a.profiled): tr.train_step()
    key = "self_cuda_time_total" if a.device == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=key, row_limit=15, max_name_column_width=40))


if __name__ == "__main__":
    main()
