"""Data loading speed: decode + resize a 1080p H.264 video into the cache, and sample batches from it.

Targets (issue 8): ≥ 300 frames/s decoding 1080p into the cache on 2 CPU cores; ≥ 20,000 images/s sampling.
Run: python bench/data.py [--frames 300] [--size 128] [--batch 32] [--video PATH] [--set seed=N]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import torch

from genlm.config import Config, add_settings, make_config, settings_from
from genlm.data import UnpairedSampler, load_frames


def make_video(path: Path, frames: int, w: int = 1920, h: int = 1080, seed: int = 0) -> None:
    "A 1080p H.264 test video: a gradient, a drifting texture, moving squares and sensor-like noise."
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = (np.stack([xx / w * 180, yy / h * 180, np.full_like(xx, 90)], -1)).astype(np.uint8)
    tex = rng.integers(0, 60, (h // 4, w // 4, 1), dtype=np.uint8).repeat(4, 0).repeat(4, 1)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "veryfast", "crf": "23"}
        for i in range(frames):
            img = base + np.roll(tex, 4 * i, axis=1)
            for k in range(5):
                cx = int(w / 2 + (600 - 100 * k) * np.cos(i / 30 + k)); cy = int(h / 2 + (300 - 40 * k) * np.sin(i / 25 + 2 * k))
                img[max(cy - 80, 0):cy + 80, max(cx - 80, 0):cx + 80] = (50 * k, 255 - 40 * k, 100 + 30 * k)
            noise = rng.integers(-6, 6, (h, w, 1), dtype=np.int16)
            img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")): c.mux(p)
        for p in s.encode(): c.mux(p)


def best_of(fn, repeats: int) -> tuple[float, float]:
    "Shortest wall time and shortest process CPU time (all threads) of `repeats` calls."
    wall, cpu = [], []
    for _ in range(repeats):
        c, t = time.process_time(), time.perf_counter(); fn()
        wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main(cfg: Config, frames: int = 300, video: str | None = None, repeats: int = 3):
    size, batch = cfg.size, cfg.batch
    tmp = Path(tempfile.mkdtemp())
    if video is None:
        video = tmp / "test1080p.mp4"
        t = time.perf_counter(); make_video(video, frames); made = time.perf_counter() - t
        print(f"test video: {frames} frames 1920×1080 H.264, {video.stat().st_size / 1e6:.1f} MB, written in {made:.1f} s")
    video = Path(video)
    with av.open(str(video)) as c:
        st = c.streams.video[0]
        n, w, h = st.frames, st.codec_context.width, st.codec_context.height
        kbps = video.stat().st_size * 8 / 1e3 / float(st.duration * st.time_base) if st.duration else float("nan")
    print(f"video: {video.name} {w}×{h}, {n} frames, {kbps:.0f} kbit/s")

    def decode_only():
        with av.open(str(video)) as c:
            st = c.streams.video[0]; st.thread_type = "AUTO"
            return sum(1 for _ in c.decode(st))
    dt0, cpu0 = best_of(decode_only, repeats)
    print(f"decode only (PyAV, threaded, no conversion): {n / dt0:.0f} frames/s, {cpu0 / n * 1e3:.2f} ms CPU a frame — the ceiling")

    def decode():
        for f in (tmp / "cache").glob("*"): f.unlink()
        return load_frames(video, size, cache=tmp / "cache", progress=False)
    dt, cpu = best_of(decode, repeats)
    fs = load_frames(video, size, cache=tmp / "cache", progress=False)
    reuse, _ = best_of(lambda: load_frames(video, size, cache=tmp / "cache", progress=False), repeats)
    print(f"decode + resize into the cache at {size}²: {len(fs) / dt:.0f} frames/s ({len(fs)} frames in {dt:.2f} s; target ≥ 300); "
          f"{cpu / len(fs) * 1e3:.2f} ms CPU a frame → {2 * len(fs) / cpu:.0f} frames/s on 2 idle cores")
    print(f"reopening the cache: {reuse * 1e3:.1f} ms")

    for aug in (False, True):
        s = UnpairedSampler(fs, fs, batch=batch, seed=cfg.seed, augment=aug)
        s.sample()
        k = 50 if not aug else 10
        dt, cpu = best_of(lambda: [s.sample() for _ in range(k)], repeats)
        print(f"sampling batches of {batch} (M and U), augment={aug}: {2 * batch * k / dt:,.0f} images/s, "
              f"{2 * batch * k / cpu:,.0f} images per CPU second" + ("  (target ≥ 20,000/s)" if not aug else ""))
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine slows every figure)")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, os.cpu_count()={os.cpu_count()}, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads), PyAV {av.__version__}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="frames in the synthetic test video")
    add_settings(ap, ["size", "batch"])
    ap.set_defaults(size=128, batch=32)
    ap.add_argument("--video", default=None, help="use this video instead of the synthetic one")
    ap.add_argument("--repeats", type=int, default=3, help="timings take the best of this many runs")
    a = ap.parse_args()
    main(make_config(**settings_from(a)), a.frames, a.video, a.repeats)
