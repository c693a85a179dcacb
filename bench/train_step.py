"""Training-step speed: genlm's full step against a standard CycleGAN step, measured in the same run.

The reference is CycleGAN's step at the same size, batch, widths and arithmetic (genlm's `precision`): two ResNet generators (G_A, G_B), two
PatchGANs, LSGAN + cycle (λ=10) + identity losses, generators then discriminators. genlm replaces the second
generator by L_delta and the renderer. Prints ms/step, images/s (2 × batch images a step) and the ratio.

    python bench/train_step.py [--preset cpu|paper] [--batch B] [--steps 30] [--device cpu|cuda] [--compile] [--finder] [--set KEY=VALUE]

genlm's step is the one users run: `make_trainer` on 64 random frames a domain (its `UnpairedSampler` included).
"""
import argparse
import itertools
import platform
import time

import numpy as np
import torch

from genlm.config import PRESETS, add_settings, make_config, settings_from
from genlm.data import to_float
from genlm.losses import l1, lsgan
from genlm.nets import init_conv_weights, patch_discriminator, resnet_generator
from genlm.train import make_trainer


class CycleGANStep:
    "The reference: one optimisation step of CycleGAN (Zhu et al.), same widths as the genlm config."
    def __init__(self, cfg, device, bf16: bool):
        mk_g = lambda: init_conv_weights(resnet_generator(cfg.ngf, cfg.n_blocks)).to(device)
        mk_d = lambda: init_conv_weights(patch_discriminator(cfg.ndf, cfg.d_layers)).to(device)
        self.G_A, self.G_B, self.D_A, self.D_B = mk_g(), mk_g(), mk_d(), mk_d()
        fused = device.type == "cuda"
        self.opt_g = torch.optim.Adam(itertools.chain(self.G_A.parameters(), self.G_B.parameters()), cfg.lr, betas=(0.5, 0.999), fused=fused)
        self.opt_d = torch.optim.Adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), cfg.lr, betas=(0.5, 0.999), fused=fused)
        self.device, self.bf16 = device, bf16

    def __call__(self, A, B):
        ac = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)  # genlm's arithmetic
        for d in (self.D_A, self.D_B): d.requires_grad_(False)
        with ac:
            fake_B, fake_A = self.G_A(A), self.G_B(B)
            rec_A, rec_B = self.G_B(fake_B), self.G_A(fake_A)
            loss = (lsgan(self.D_A(fake_B), True) + lsgan(self.D_B(fake_A), True) + 10 * (l1(rec_A, A) + l1(rec_B, B))
                    + 5 * (l1(self.G_A(B), B) + l1(self.G_B(A), A)))
        self.opt_g.zero_grad(set_to_none=True); loss.backward(); self.opt_g.step()
        for d in (self.D_A, self.D_B): d.requires_grad_(True)
        with ac:
            ld = 0.5 * (lsgan(self.D_A(B), True) + lsgan(self.D_A(fake_B.detach()), False)) + 0.5 * (lsgan(self.D_B(A), True) + lsgan(self.D_B(fake_A.detach()), False))
        self.opt_d.zero_grad(set_to_none=True); ld.backward(); self.opt_d.step()


def finder_seconds(steps: int, bf16: bool, device) -> float:
    "Seconds a step of the drawn finder's teaching takes (`genlm.losses.fit_stroke_net` itself: 16 crops of 96² a step, the 17 px field), its setup left out."
    from genlm.losses import fit_stroke_net
    crops = [np.random.default_rng(i).integers(0, 256, (256, 256, 3), dtype=np.uint8) for i in range(16)]
    def run(n: int) -> float:
        t0 = time.perf_counter()
        fit_stroke_net(crops, np.array([[26., 64, 242]]), n, crops=len(crops), device=device, bf16=bf16)
        return time.perf_counter() - t0
    run(3)  # warm-up
    return (run(3 + steps) - run(3)) / steps


def timed(fn, steps: int, device) -> float:
    for _ in range(3): fn()  # warm-up (and compilation)
    if device.type == "cuda": torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps): fn()
    if device.type == "cuda": torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu", choices=list(PRESETS))
    add_settings(ap, ["batch", "size", "lambda_unmarked"])
    ap.add_argument("--steps", dest="measured", type=int, default=30, help="steps timed (after 3 warm-up steps); the schedule is the preset's")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--compile", action="store_true", help="torch.compile every network of both steps (times the compilation)")
    ap.add_argument("--finder", action="store_true", help="also time the drawn finder's teaching step in float32 and in bf16")
    a = ap.parse_args()
    device = torch.device(a.device)
    if device.type == "cuda": torch.backends.cudnn.benchmark = True
    settings = settings_from(a)
    cfg = make_config(a.preset, **settings)
    S, B = cfg.size, cfg.batch
    g = torch.Generator().manual_seed(0)
    M, U = (torch.randint(0, 256, (64, 3, S, S), dtype=torch.uint8, generator=g) for _ in range(2))
    quick = dict(finder_steps=1) if cfg.paint_finder == "drawn" else {}  # the drawn finder is taught once before training: not the step
    tr = make_trainer(M, U, "face", "/tmp/genlm-bench-step", a.preset, device=device, callbacks=[], **quick, **settings)
    ref = CycleGANStep(cfg, device, tr.bf16)
    A, Bb = (to_float(x[:B]).to(device) for x in (M, U))
    if device.type == "cuda":
        A, Bb = A.contiguous(memory_format=torch.channels_last), Bb.contiguous(memory_format=torch.channels_last)
        for n in (ref.G_A, ref.G_B, ref.D_A, ref.D_B): n.to(memory_format=torch.channels_last)
    if a.compile:
        for n in (ref.G_A, ref.G_B, ref.D_A, ref.D_B, tr.model.G, tr.model.L, tr.model.D_M, tr.model.D_U): n.compile()
        t0 = time.perf_counter(); ref(A, Bb); tr.train_step()
        if device.type == "cuda": torch.cuda.synchronize()
        print(f"# torch.compile: first step of both {time.perf_counter() - t0:.1f} s (compilation)")
    t_ref = timed(lambda: ref(A, Bb), a.measured, device)
    t_gen = timed(tr.train_step, a.measured, device)
    mem = f", peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB" if device.type == "cuda" else ""
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    print(f"# preset {a.preset}: {S}², batch {B}, ngf {cfg.ngf}, {cfg.n_blocks} blocks, ndf {cfg.ndf}; {name}; torch {torch.__version__}; {'bf16 autocast' if tr.bf16 else 'float32'} (precision={cfg.precision}){mem}")
    print("| step | ms/step | images/s |\n|---|---|---|")
    print(f"| CycleGAN (reference) | {t_ref * 1e3:.1f} | {2 * B / t_ref:.0f} |")
    print(f"| genlm | {t_gen * 1e3:.1f} | {2 * B / t_gen:.0f} |")
    print(f"genlm / CycleGAN speed-up: {t_ref / t_gen:.2f}x")
    if a.finder:
        t32, t16 = (finder_seconds(a.measured, b, device) for b in (False, True))
        print(f"the drawn finder's step: {t32 * 1e3:.1f} ms float32, {t16 * 1e3:.1f} ms bf16 autocast ({t32 / t16:.2f}x); "
              f"the run uses {'bf16' if tr.bf16 else 'float32'}")


if __name__ == "__main__":
    main()
