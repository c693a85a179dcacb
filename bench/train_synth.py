"""Does genlm learn? A ladder of rungs on the same synthetic data and held-out frames, each printing NME.

Rungs (issue 5): (0) the template alone; (1) free points fitted per image through the renderer to its painted
version; (2) supervised L_delta on ground truth (upper bound); (3) L_delta on marked frames from their paint
alone, without G; (4) the full unpaired method with the paper's losses only; (5) genlm's defaults; and
variants (genlm + the paper's unmarked branch). Same data, same steps, same held-out unmarked test frames.

    python bench/train_synth.py --region face --preset cpu --steps 1500 --rungs 0 2 3 4 5 [--paint thin] [--set KEY=VALUE]

Rungs 4–7 train through `make_trainer` (the CLI's sampler and wiring); settings a rung's objective ignores are left
out of that rung (and said so).
"""
import argparse
import inspect
import platform
import time

import numpy as np
import torch

from genlm.config import PRESETS, Config, add_settings, make_config, settings_from
from genlm.data import as_frames, to_float
from genlm.losses import paint_mask
from genlm.metrics import jitter, nme, normalizer
from genlm.nets import LandmarkNet
from genlm.predict import smooth_predictions, smooth_track
from genlm.render import Renderer
from genlm.synth import synth_frames, synth_video
from genlm.template import get_template
from genlm.model import GenLM, paint_terms
from genlm.train import make_trainer

DEVICE = torch.device("cpu")  # set by --device; rungs 2 and 4–7 train there


def predict(net, images_u8) -> np.ndarray:
    dev = next(net.parameters()).device
    with torch.no_grad():
        return torch.cat([net(to_float(b.to(dev))).cpu() for b in images_u8.split(256)]).numpy()


def evaluate(net, test_u8, gt, template) -> float:
    net.eval()
    pred = predict(net, test_u8)
    net.train()
    return nme(pred, gt, normalizer(gt, template))[0]


def rung_template(data, tpl, cfg, spec):
    pred = np.broadcast_to(tpl.points, data["gt_test"].shape)
    return nme(pred, data["gt_test"], normalizer(data["gt_test"], tpl))[0], None


def rung_free_points(data, tpl, cfg, spec, n=32, iters=300):
    "Fit points per image: R(p, U) ≈ M on paired frames (same seed), L1, from the template."
    R = Renderer(tpl)
    U, M = to_float(data["pair_u"][:n]), to_float(data["pair_m"][:n])
    p = torch.tensor(tpl.points).expand(n, -1, -1).clone().requires_grad_()
    opt = torch.optim.Adam([p], 0.01)
    for _ in range(iters):
        opt.zero_grad(); (R(p, U) - M).abs().mean().backward(); opt.step()
    gt = data["gt_pair"][:n]
    return nme(p.detach().numpy(), gt, normalizer(gt, tpl))[0], None


def rung_supervised(data, tpl, cfg, spec):
    net = LandmarkNet.from_config(cfg, tpl).to(DEVICE)
    opt = torch.optim.Adam(net.parameters(), cfg.lr_landmark)
    X, Y, g = data["train_u"].to(DEVICE), torch.tensor(data["gt_train_u"]).to(DEVICE), torch.Generator().manual_seed(0)
    for _ in range(cfg.steps):
        i = torch.randint(len(X), (cfg.batch,), generator=g)
        loss = (net(to_float(X[i])) - Y[i]).abs().mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return evaluate(net, data["test"], data["gt_test"], tpl), net


def rung_paint_only(data, tpl, cfg, spec):
    "L_delta trained on marked frames from their paint (paint loss + springs), no G; tested on unmarked frames."
    m = GenLM(tpl, cfg)  # the bundle for its L_delta, paint colours and springs; no trainer (only L_delta learns)
    opt = torch.optim.Adam(m.L.parameters(), cfg.lr_landmark, betas=(cfg.beta1, 0.999))
    g = torch.Generator().manual_seed(0)
    for _ in range(cfg.steps):
        M = to_float(data["train_m"][torch.randint(len(data["train_m"]), (cfg.batch,), generator=g)])
        paint, spring, _ = paint_terms(m, M, paint_mask(M, m.colors, cfg.paint_tol))
        loss = paint + spring
        opt.zero_grad(); loss.backward(); opt.step()
    return evaluate(m.L, data["test"], data["gt_test"], tpl), m.L


def rung_unpaired(data, tpl, cfg, spec):
    "The whole method as users train it: make_trainer's sampler and bundle, `steps` training steps (no checkpoint)."
    tr = make_trainer(data["sets_m"], data["sets_u"], tpl, "/tmp/genlm-bench-run", device=DEVICE, callbacks=[], **spec)
    for _ in range(tr.cfg.steps): tr.train_step()
    return evaluate(tr.model.L, data["test"], data["gt_test"], tpl), tr.model.L


RUNGS = {
    0: ("template alone (no deformation)", rung_template, {}),
    1: ("free points fitted per image through R (paired)", rung_free_points, {}),
    2: ("supervised L_delta on ground truth (upper bound)", rung_supervised, {}),
    3: ("L_delta on marked frames, paint loss only (no G)", rung_paint_only, {}),
    4: ("unpaired, paper's losses only (offsets)", rung_unpaired, dict(objective="paper", output="offsets")),
    5: ("genlm defaults", rung_unpaired, {}),
    6: ("genlm + paper's unmarked branch (0.3)", rung_unpaired, dict(lambda_unmarked=0.3)),
    7: ("genlm, paper parametrisation (offsets)", rung_unpaired, dict(output="offsets")),
}


def make_data(region: str, size: int, n_train: int, n_test: int, seed: int, paint: str = "template") -> dict:
    "Training, test, paired and video frames; `sets_*` as FrameSets, the rest uint8 (n,3,H,W) tensors."
    tpl = get_template(region)
    m, _ = synth_frames(region, n_train, size, marked=True, seed=seed, paint=paint)
    u, gu = synth_frames(region, n_train, size, marked=False, seed=seed + 1)
    t, gt = synth_frames(region, n_test, size, marked=False, seed=seed + 2)
    pm, gp = synth_frames(region, 32, size, marked=True, seed=seed + 3, paint=paint)
    pu, _ = synth_frames(region, 32, size, marked=False, seed=seed + 3)
    v, gv = synth_video(region, 100, size, marked=False, seed=seed + 4)
    sets = {k: as_frames(x, size) for k, x in dict(m=m, u=u, t=t, pm=pm, pu=pu, v=v).items()}
    return dict(sets_m=sets["m"], sets_u=sets["u"], train_m=sets["m"].frames, train_u=sets["u"].frames, gt_train_u=gu,
                test=sets["t"].frames, gt_test=gt, pair_m=sets["pm"].frames, pair_u=sets["pu"].frames, gt_pair=gp,
                video=sets["v"].frames, gt_video=gv, template=tpl)


def rung_spec(preset: str, settings: dict, over: dict) -> tuple[dict, list[str]]:
    "make_trainer's preset and settings for a rung (its own settings win), and the given settings its objective ignores."
    ignored = set(Config(**{**PRESETS[preset], **settings, **over}).ignored())
    left = sorted(k for k in settings if k in ignored and k not in over)
    return {"preset": preset, **{k: v for k, v in settings.items() if k not in left}, **over}, left


def video_jitter(net, data, tpl) -> str:
    "Jitter on a 100-frame synthetic video (25 fps) as 'raw / smoothed as the predictor does (0.5 s) / ground truth'."
    if net is None: return "—"
    net.eval()
    pred = predict(net, data["video"])
    net.train()
    norm = normalizer(data["gt_video"], tpl)
    smoothed = smooth_track(pred, round(inspect.signature(smooth_predictions).parameters["seconds"].default * 25))
    return f"{jitter(pred, norm):.4f} / {jitter(smoothed, norm):.4f} / {jitter(data['gt_video'], norm):.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--region", default="face")
    ap.add_argument("--preset", default="cpu", choices=list(PRESETS))
    add_settings(ap, ["steps", "batch", "size", "seed"])
    ap.set_defaults(steps=1500)
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--rungs", type=int, nargs="*", default=[0, 1, 2, 3, 4, 5])
    ap.add_argument("--paint", default="template", choices=["template", "thin"], help="paint style of the marked frames")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where rungs 2 and 4–7 train")
    a = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(a.device)
    settings = settings_from(a)
    base = make_config(a.preset, **settings)
    torch.set_num_threads(a.threads); torch.manual_seed(base.seed)
    data = make_data(a.region, base.size, a.train, a.test, base.seed, a.paint)
    tpl = data["template"]
    print(f"# {a.region}, preset {a.preset} ({base.size}²), {base.steps} steps, batch {base.batch}, {a.train} train / {a.test} test frames, "
          f"{a.paint} paint" + "".join(f", {k}={v}" for k, v in settings.items() if k not in ("steps", "batch", "size")))
    gpu = f", {torch.cuda.get_device_name()}" if DEVICE.type == "cuda" else ""
    print(f"# machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads{gpu}, torch {torch.__version__}")
    print(f"| rung | NME | video jitter (raw / smoothed / gt) | steps/s | minutes |\n|---|---|---|---|---|")
    for r in a.rungs:
        name, fn, over = RUNGS[r]
        spec, left = rung_spec(a.preset, settings, over)
        if left: print(f"# rung {r} leaves out {', '.join(left)} (not used by its objective)")
        cfg = make_config(**spec)
        torch.manual_seed(cfg.seed)
        t0 = time.time()
        score, net = fn(data, tpl, cfg, spec)
        dt = time.time() - t0
        rate = f"{cfg.steps / dt:.1f}" if r >= 2 else "—"
        print(f"| {r}. {name} | {score:.4f} | {video_jitter(net, data, tpl)} | {rate} | {dt / 60:.1f} |", flush=True)


if __name__ == "__main__":
    main()
