"""Data-parallel training on one machine's CPUs: images/s of `torchrun --nproc_per_node P` (gloo), P threads in all.

    python bench/ddp_cpu.py [--procs 2] [--steps 40]      # compares 1 process × P threads with P processes × 1 thread
"""
import argparse
import os
import socket
import subprocess
import sys
import time

import torch

WORKER = """
import os, sys, time, torch
from genlm.config import make_config
from genlm.train import make_trainer
torch.set_num_threads(int(sys.argv[2]))
rank = int(os.environ.get('RANK', 0))
S = make_config('cpu').size
g = torch.Generator().manual_seed(rank)
M, U = (torch.randint(0, 256, (64, 3, S, S), dtype=torch.uint8, generator=g) for _ in range(2))
tr = make_trainer(M, U, 'face', '/tmp/genlm-ddp-bench', 'cpu', device='cpu', callbacks=[], seed=rank)
cfg = tr.cfg
for _ in range(3): tr.train_step()
t0 = time.perf_counter()
for _ in range(int(sys.argv[1])): tr.train_step()
if rank == 0: print(f"{int(sys.argv[1]) * 2 * cfg.batch * tr.world / (time.perf_counter() - t0):.1f}")
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    a = ap.parse_args()
    single = subprocess.run([sys.executable, "-c", WORKER, str(a.steps), str(a.procs)], capture_output=True, text=True, check=True).stdout.split()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    script = "/tmp/genlm_ddp_worker.py"
    open(script, "w").write(WORKER)
    multi = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(a.procs), "--master_addr", "127.0.0.1",
                            "--master_port", str(port), script, str(a.steps), "1"], capture_output=True, text=True, check=True).stdout.split()[-1]
    print(f"# cpu preset, {os.cpu_count()} CPUs, torch {torch.__version__}")
    print(f"1 process × {a.procs} threads: {single} images/s; {a.procs} processes × 1 thread (gloo DDP): {multi} images/s; "
          f"scaling {float(multi) / float(single):.2f}x")


if __name__ == "__main__":
    main()
