"""Renderer speed and memory: forward + backward at B=32, N≈100 and 300, 128² and 256², torch vs PyTorch3D backends.

    python bench/render.py [--batch 32] [--repeats 3] [--devices cpu,cuda] [--sizes 128,256] [--points 100,300]
"""
import argparse
import resource
import time

import torch

from genlm.render import Renderer
from genlm.template import get_template

try:
    import pytorch3d  # noqa: F401
    BACKENDS = ("torch", "pytorch3d")
except ImportError:
    BACKENDS = ("torch",)


def face(n: int):
    "The face template resampled to about `n` points (the same number on each of its lines)."
    t = get_template("face")
    return t.resample(max(2, n // len(t.lines)))


def run(t, backend: str, batch: int, size: int, device: str, repeats: int) -> tuple[float, float]:
    "Median seconds of one forward + backward, and peak memory in MB (CUDA: allocator peak; CPU: saved-for-backward bytes)."
    R = Renderer(t, backend=backend).to(device)
    g = torch.Generator().manual_seed(0)
    pts = (torch.tensor(t.points)[None].repeat(batch, 1, 1) + torch.randn(batch, t.n_points, 2, generator=g) * 0.01).to(device)
    img = (torch.rand(batch, 3, size, size, generator=g) * 2 - 1).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times, saved = [], 0
    for i in range(repeats + 1):  # the first is a warm-up
        p = pts.clone().requires_grad_()
        if device == "cuda": torch.cuda.reset_peak_memory_stats()
        sync(); t0 = time.perf_counter()
        acc = []
        with torch.autograd.graph.saved_tensors_hooks(lambda x: (acc.append(x.numel() * x.element_size()), x)[1], lambda x: x):
            out = R(p, img)
        out.square().mean().backward()
        sync(); times.append(time.perf_counter() - t0)
        saved = max(saved, sum(acc))
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else saved
    return sorted(times[1:])[len(times[1:]) // 2], peak / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--devices", default="cpu,cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--sizes", default="128,256")
    ap.add_argument("--points", default="100,300")
    ap.add_argument("--backends", default=",".join(BACKENDS))
    a = ap.parse_args()
    backends = [b for b in a.backends.split(",") if b in BACKENDS]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, backends {backends}, B={a.batch}")
    print(f"{'device':6} {'N':>4} {'size':>5} " + " ".join(f"{b + ' ms':>13} {b + ' MB':>13}" for b in backends) + "  torch/p3d")
    for dev in a.devices.split(","):
        for n in map(int, a.points.split(",")):
            t = face(n)
            for size in map(int, a.sizes.split(",")):
                res = {b: run(t, b, a.batch, size, dev, a.repeats) for b in backends}
                ratio = f"{res['torch'][0] / res['pytorch3d'][0]:9.2f}" if "pytorch3d" in res else "        -"
                print(f"{dev:6} {t.n_points:4d} {size:5d} " + " ".join(f"{res[b][0] * 1e3:13.1f} {res[b][1]:13.1f}" for b in backends)
                      + "  " + ratio, flush=True)
    if "cpu" in a.devices: print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MB (CPU MB column: bytes saved for backward)")


if __name__ == "__main__":
    main()
