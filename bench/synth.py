"""Frames per second of genlm.synth on one CPU core (unmarked, marked in template and thin paint, video): `python bench/synth.py [--size 128] [--n 500]`."""
import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

from genlm.synth import REGIONS, synth_frames, synth_video  # noqa: E402

torch.set_num_threads(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--n", type=int, default=500)
    a = ap.parse_args()
    synth_frames("face", 8, size=a.size)  # warm up
    print(f"synth at {a.size}², {a.n} frames per run, 1 thread")
    print(f"{'region':6} {'unmarked':>10} {'marked':>10} {'thin':>10} {'video':>10}   (frames/s)")
    for r in REGIONS:
        row = []
        for f in (lambda: synth_frames(r, a.n, a.size), lambda: synth_frames(r, a.n, a.size, marked=True),
                  lambda: synth_frames(r, a.n, a.size, marked=True, paint="thin"), lambda: synth_video(r, a.n, a.size)):
            t = time.perf_counter(); f(); row.append(a.n / (time.perf_counter() - t))
        print(f"{r:6} {row[0]:10.0f} {row[1]:10.0f} {row[2]:10.0f} {row[3]:10.0f}")


if __name__ == "__main__":
    main()
