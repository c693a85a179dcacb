"""ONNX speed (not named onnx.py: the script's folder is on sys.path and would shadow the onnx package): onnxruntime CPU frames/s of the exported L_delta beside genlm's own `Landmarker.predict_tensor`,
same network, same uint8 batch at the training size, same thread count.

    python bench/onnx_speed.py [--preset cpu|paper|tiny] [--batch 64] [--threads 1] [--repeats 20]
"""
import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from genlm.config import PRESETS, make_config
from genlm.interchange import to_onnx
from genlm.nets import LandmarkNet
from genlm.predict import Landmarker
from genlm.template import get_template


def rate(f, x, batch: int, repeats: int) -> float:
    "Frames/s of f(x) on a batch, after warm-up."
    for _ in range(3): f(x)
    t0 = time.perf_counter()
    for _ in range(repeats): f(x)
    return batch * repeats / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu", choices=list(PRESETS))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 1)))
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args()
    import onnxruntime as ort
    torch.set_num_threads(a.threads)
    cfg, t = make_config(a.preset), get_template("face")
    net = LandmarkNet.from_config(cfg, t).eval()  # speed does not depend on the weights
    x = torch.randint(0, 256, (a.batch, 3, cfg.size, cfg.size), dtype=torch.uint8)
    with tempfile.TemporaryDirectory() as d:
        path = to_onnx(net, t, cfg.size, Path(d) / "l_delta.onnx")
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = a.threads, 1
        s = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    xn = x.numpy()
    onnx_fps = rate(lambda b: s.run(None, {"images": b}), xn, a.batch, a.repeats)
    rows = [("onnxruntime " + ort.__version__ + ", float32", onnx_fps)]
    for precision in ("fp32", "auto"):
        lm = Landmarker(LandmarkNet.from_config(cfg, t).eval(), t, cfg.size, "cpu", precision)
        lm.net.load_state_dict(net.state_dict())
        label = f"genlm Landmarker.predict_tensor, {'bf16 autocast' if lm.bf16 else 'float32'} ({precision})"
        rows.append((label, rate(lambda b: lm.predict_tensor(b, a.batch), x, a.batch, a.repeats)))
    lm32 = Landmarker(net, t, cfg.size, "cpu", "fp32")
    diff = float(np.abs(s.run(None, {"images": xn})[0] - lm32.predict_tensor(x, a.batch).numpy()).max())
    print(f"# preset {a.preset} ({cfg.size}², L_delta width {cfg.lwidth}), batch {a.batch}, {a.threads} thread(s), "
          f"{platform.processor() or platform.machine()}, torch {torch.__version__}")
    for label, fps in rows: print(f"{label}: {fps:.0f} frames/s ({fps / onnx_fps:.2f}x onnxruntime)")
    print(f"onnxruntime / genlm float32: {onnx_fps / rows[1][1]:.2f}x; onnxruntime / genlm default: {onnx_fps / rows[2][1]:.2f}x; "
          f"max |difference| (float32): {diff:.1e}")


if __name__ == "__main__":
    main()
