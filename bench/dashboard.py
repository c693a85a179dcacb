"""Dashboard overhead: training steps/s with and without the live dashboard, in the "cpu" configuration.

Blocks of steps with and without the dashboard alternate on one trainer (so warm-up and machine load fall on
both alike); the script prints steps/s of each, their ratio, the dashboard's own measured time share, and the
cost of one refresh (grid PNG + curves + status). The widgets are built without a front end: the work per
refresh is the same, only nothing is sent to a browser.

    python bench/dashboard.py [--preset cpu] [--blocks 4] [--steps 10] [--every 5] [--batch B] [--size S] [--set KEY=VALUE]
"""
import argparse
import platform
import statistics
import time

import torch

from genlm.config import PRESETS, add_settings, make_config, settings_from
from genlm.dashboard import Dashboard
from genlm.synth import synth_frames
from genlm.train import Trainer, make_trainer


def block(tr: Trainer, steps: int, dash: Dashboard | None) -> list[float]:
    "Seconds of each of `steps` training steps, the dashboard's hook included (as in Trainer.fit)."
    out = []
    for _ in range(steps):
        t = time.perf_counter()
        logs, images = tr.train_step()
        if dash is not None: dash.on_step_end(tr, logs, images)
        out.append(time.perf_counter() - t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="cpu", choices=list(PRESETS))
    add_settings(ap, ["batch", "size"])
    ap.add_argument("--blocks", type=int, default=8, help="pairs of blocks (without, with)")
    ap.add_argument("--steps", dest="per_block", type=int, default=8, help="steps per block")
    ap.add_argument("--every", type=float, default=5.0, help="dashboard refresh interval, seconds")
    ap.add_argument("--widgets", type=int, default=1, help="1: widgets (the heavier mode), 0: text lines")
    a = ap.parse_args()

    settings = settings_from(a)
    S = make_config(a.preset, **settings).size
    M, U = (synth_frames("face", 64, S, marked=marked, seed=seed)[0] for marked, seed in ((True, 0), (False, 1)))
    tr = make_trainer(M, U, "face", "/tmp/genlm-bench-dashboard", a.preset, device="cpu", callbacks=[], **settings)
    cfg = tr.cfg
    block(tr, 2, None)  # warm-up
    dash = Dashboard(every=a.every, widgets=bool(a.widgets), total=tr.step + 2 * a.blocks * a.per_block)
    dash.on_train_begin(tr)
    block(tr, 1, dash)  # the first refresh builds the traces (once per run); reported apart
    first = dash.overhead
    dash.overhead, dash.refreshes = 0.0, 0
    t_dash, without, with_ = 0.0, [], []
    for _ in range(a.blocks):
        without += block(tr, a.per_block, None)
        t = time.perf_counter(); with_ += block(tr, a.per_block, dash); t_dash += time.perf_counter() - t
    probe = Dashboard(every=0, widgets=bool(a.widgets)); probe.on_train_begin(tr); probe.images = dash.images
    costs = []
    for _ in range(5):
        t = time.perf_counter(); probe.refresh(); costs.append(time.perf_counter() - t)

    sps0, sps1 = len(without) / sum(without), len(with_) / sum(with_)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"preset {a.preset} ({cfg.size}², batch {cfg.batch}), {a.blocks}×{a.per_block} steps each, refresh every {a.every:g} s, "
          f"{'widgets' if a.widgets else 'text'}")
    m0, m1 = statistics.median(without), statistics.median(with_)
    print(f"step time median: without {m0 * 1e3:.0f} ms, with {m1 * 1e3:.0f} ms (ratio of medians, with/without: {m1 / m0:.3f})")
    print(f"steps/s (means, sensitive to load spikes): without {sps0:.3f}, with {sps1:.3f}, ratio with/without {sps1 / sps0:.3f}")
    print(f"dashboard's own time: {dash.overhead:.2f} s in {dash.refreshes} refreshes = {100 * dash.overhead / t_dash:.2f}% of the time with it")
    print(f"first refresh (builds the plot's traces, once per run): {first * 1e3:.0f} ms")
    print(f"one refresh: median {statistics.median(costs) * 1e3:.0f} ms "
          f"(= {100 * statistics.median(costs) / (a.every + statistics.median(costs)):.2f}% at most, refreshing every {a.every:g} s)")


if __name__ == "__main__":
    main()
