"""Does genlm learn? A ladder of rungs on the same synthetic data and held-out frames, each printing NME.

Rungs (issue 5): (0) the template alone; (1) free points fitted per image through the renderer to its painted
version; (2) supervised L_delta on ground truth (upper bound); (3) L_delta on marked frames from their paint
alone, without G; (4) the full unpaired method with the paper's losses only; (5) genlm's defaults; and
variants (genlm + the paper's unmarked branch). Same data, same steps, same held-out unmarked test frames.

    python bench/train_synth.py --region face --preset cpu --steps 1500 --rungs 0 2 3 4 5
"""
import argparse
import platform
import time

import numpy as np
import torch

from genlm.metrics import jitter, nme, normalizer
from genlm.nets import LandmarkNet
from genlm.predict import smooth_track
from genlm.render import Renderer
from genlm.synth import synth_frames, synth_video
from genlm.template import get_template
from genlm.train import GenLM, TensorSampler, Trainer, make_config


def tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # uint8 (n,3,H,W)


DEVICE = torch.device("cpu")  # set by --device; rungs 2 and 4–7 train there


def predict(net, images_u8) -> np.ndarray:
    dev = next(net.parameters()).device
    with torch.no_grad():
        return torch.cat([net(b.to(dev).float() / 127.5 - 1).cpu() for b in images_u8.split(256)]).numpy()


def evaluate(net, test_u8, gt, template) -> float:
    net.eval()
    pred = predict(net, test_u8)
    net.train()
    return nme(pred, gt, normalizer(gt, template))[0]


def rung_template(data, tpl, cfg):
    pred = np.broadcast_to(tpl.points, data["gt_test"].shape)
    return nme(pred, data["gt_test"], normalizer(data["gt_test"], tpl))[0], None


def rung_free_points(data, tpl, cfg, n=32, iters=300):
    "Fit points per image: R(p, U) ≈ M on paired frames (same seed), L1, from the template."
    R = Renderer(tpl)
    U = data["pair_u"][:n].float() / 127.5 - 1
    M = data["pair_m"][:n].float() / 127.5 - 1
    p = torch.tensor(tpl.points).expand(n, -1, -1).clone().requires_grad_()
    opt = torch.optim.Adam([p], 0.01)
    for _ in range(iters):
        opt.zero_grad(); (R(p, U) - M).abs().mean().backward(); opt.step()
    gt = data["gt_pair"][:n]
    return nme(p.detach().numpy(), gt, normalizer(gt, tpl))[0], None


def rung_supervised(data, tpl, cfg):
    net = LandmarkNet(torch.tensor(tpl.points), cfg.lwidth, cfg.lhidden, cfg.mode, cfg.max_residual).to(DEVICE)
    opt = torch.optim.Adam(net.parameters(), cfg.lr_landmark)
    X, Y, g = data["train_u"].to(DEVICE), torch.tensor(data["gt_train_u"]).to(DEVICE), torch.Generator().manual_seed(0)
    for _ in range(cfg.steps):
        i = torch.randint(len(X), (cfg.batch,), generator=g)
        loss = (net(X[i].float() / 127.5 - 1) - Y[i]).abs().mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return evaluate(net, data["test"], data["gt_test"], tpl), net


def rung_paint_only(data, tpl, cfg):
    "L_delta trained on marked frames from their paint (paint loss + springs), no G; tested on unmarked frames."
    from genlm.losses import paint_mask
    from genlm.train import paint_terms
    m = GenLM(tpl, cfg)
    opt = torch.optim.Adam(m.L.parameters(), cfg.lr_landmark, betas=(cfg.beta1, 0.999))
    g = torch.Generator().manual_seed(0)
    for _ in range(cfg.steps):
        M = data["train_m"][torch.randint(len(data["train_m"]), (cfg.batch,), generator=g)].float() / 127.5 - 1
        paint, spring, _ = paint_terms(m, M, paint_mask(M, m.colors, cfg.paint_tol))
        loss = paint + spring
        opt.zero_grad(); loss.backward(); opt.step()
    return evaluate(m.L, data["test"], data["gt_test"], tpl), m.L


def rung_unpaired(data, tpl, cfg):
    m = GenLM(tpl, cfg)
    M, U = data["train_m"].to(DEVICE), data["train_u"].to(DEVICE)  # uint8 on the device: batches never wait on the CPU
    tr = Trainer(m, TensorSampler(M, U, cfg.batch, device=DEVICE, seed=cfg.seed), "/tmp/genlm-bench-run", callbacks=[], device=DEVICE)
    tr.cfg.checkpoint_every = 10 ** 9
    for _ in range(cfg.steps): tr.train_step()
    return evaluate(m.L, data["test"], data["gt_test"], tpl), m.L


RUNGS = {
    0: ("template alone (no deformation)", rung_template, {}),
    1: ("free points fitted per image through R (paired)", rung_free_points, {}),
    2: ("supervised L_delta on ground truth (upper bound)", rung_supervised, {}),
    3: ("L_delta on marked frames, paint loss only (no G)", rung_paint_only, {}),
    4: ("unpaired, paper's losses only (offsets)", rung_unpaired, dict(losses="paper", mode="offsets")),
    5: ("genlm defaults", rung_unpaired, {}),
    6: ("genlm + paper's unmarked branch (0.3)", rung_unpaired, dict(lambda_unmarked=0.3)),
    7: ("genlm, paper parametrisation (offsets)", rung_unpaired, dict(mode="offsets")),
}


def make_data(region: str, size: int, n_train: int, n_test: int, seed: int) -> dict:
    tpl = get_template(region)
    m, _ = synth_frames(region, n_train, size, marked=True, seed=seed)
    u, gu = synth_frames(region, n_train, size, marked=False, seed=seed + 1)
    t, gt = synth_frames(region, n_test, size, marked=False, seed=seed + 2)
    pm, gp = synth_frames(region, 32, size, marked=True, seed=seed + 3)
    pu, _ = synth_frames(region, 32, size, marked=False, seed=seed + 3)
    v, gv = synth_video(region, 100, size, marked=False, seed=seed + 4)
    return dict(train_m=tensor(m), train_u=tensor(u), gt_train_u=gu, test=tensor(t), gt_test=gt,
                pair_m=tensor(pm), pair_u=tensor(pu), gt_pair=gp, video=tensor(v), gt_video=gv, template=tpl)


def video_jitter(net, data, tpl) -> str:
    "Jitter on a 100-frame synthetic video (25 fps) as 'raw / smoothed as the predictor does (0.5 s) / ground truth'."
    if net is None: return "—"
    net.eval()
    pred = predict(net, data["video"])
    net.train()
    norm = normalizer(data["gt_video"], tpl)
    return f"{jitter(pred, norm):.4f} / {jitter(smooth_track(pred, round(0.5 * 25)), norm):.4f} / {jitter(data['gt_video'], norm):.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--region", default="face")
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--rungs", type=int, nargs="*", default=[0, 1, 2, 3, 4, 5])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="cpu or cuda: where rungs 2 and 4–7 train")
    a = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(a.device)
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    base = make_config(a.preset, steps=a.steps, device=a.device, augment=False)
    data = make_data(a.region, base.size, a.train, a.test, a.seed)
    tpl = data["template"]
    print(f"# {a.region}, preset {a.preset} ({base.size}²), {a.steps} steps, batch {base.batch}, {a.train} train / {a.test} test frames")
    gpu = f", {torch.cuda.get_device_name()}" if DEVICE.type == "cuda" else ""
    print(f"# machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads{gpu}, torch {torch.__version__}")
    print(f"| rung | NME | video jitter (raw / smoothed / gt) | steps/s | minutes |\n|---|---|---|---|---|")
    for r in a.rungs:
        name, fn, over = RUNGS[r]
        cfg = make_config(a.preset, steps=a.steps, device=a.device, augment=False, **over)
        torch.manual_seed(a.seed)
        t0 = time.time()
        score, net = fn(data, tpl, cfg)
        dt = time.time() - t0
        rate = f"{a.steps / dt:.1f}" if r >= 2 else "—"
        print(f"| {r}. {name} | {score:.4f} | {video_jitter(net, data, tpl)} | {rate} | {dt / 60:.1f} |", flush=True)


if __name__ == "__main__":
    main()
