"""Prediction speed: frames/s of L_delta at the training size (after the resize), batch 64, and one frame's latency.

    python bench/predict.py [--preset cpu|paper] [--device cpu|cuda] [--batch 64] [--size S] [--set KEY=VALUE]   # also times flip=True
"""
import argparse
import platform
import time

import torch

from genlm.config import PRESETS, add_settings, make_config, settings_from
from genlm.nets import LandmarkNet
from genlm.predict import Landmarker
from genlm.template import get_template


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper", choices=list(PRESETS))
    add_settings(ap, ["size", "lwidth", "lhidden", "output"])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--batch", dest="predict_batch", type=int, default=64, help="frames per prediction batch")
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args()
    cfg, t = make_config(a.preset, **settings_from(a)), get_template("face")
    net = LandmarkNet.from_config(cfg, t)
    lm = Landmarker(net, t, cfg.size, torch.device(a.device))
    x = torch.randint(0, 256, (a.predict_batch, 3, cfg.size, cfg.size), dtype=torch.uint8)
    one = x[:1]
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    for _ in range(3): lm.predict_tensor(x, a.predict_batch); lm.predict_tensor(one)
    sync(); t0 = time.perf_counter()
    for _ in range(a.repeats): lm.predict_tensor(x, a.predict_batch)
    sync(); batch_s = (time.perf_counter() - t0) / a.repeats
    lat = []
    for _ in range(a.repeats):
        t0 = time.perf_counter(); lm.predict_tensor(one); sync(); lat.append(time.perf_counter() - t0)
    lat.sort()
    dev = torch.cuda.get_device_name() if a.device == "cuda" else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    print(f"# preset {a.preset} ({cfg.size}², L_delta width {cfg.lwidth}), batch {a.predict_batch}, {dev}")
    print(f"throughput: {a.predict_batch / batch_s:.0f} frames/s; one-frame latency (median): {lat[len(lat) // 2] * 1e3:.2f} ms")
    for _ in range(2): lm.predict_tensor(x, a.predict_batch, flip=True)
    sync(); t0 = time.perf_counter()
    for _ in range(a.repeats): lm.predict_tensor(x, a.predict_batch, flip=True)
    sync(); flip_s = (time.perf_counter() - t0) / a.repeats
    print(f"with flip=True (mirror averaging): {a.predict_batch / flip_s:.0f} frames/s ({batch_s / flip_s:.2f}x)")


if __name__ == "__main__":
    main()
