"""Trainer behaviour: every network learns, resume continues (and refuses a changed setting), the schedule is kept, NaN stops cleanly, DDP keeps ranks identical."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from genlm.config import read_checkpoint
from genlm.predict import Landmarker
from genlm.model import NonFiniteLoss
from genlm.train import make_trainer


def images(n=6, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)


def trainer(run, checkpoint_every=500, resume=False, **settings):
    return make_trainer(images(seed=1), images(seed=2), None if resume else "face", run, preset="tiny", resume=resume,
                        device="cpu", trainer_args=dict(checkpoint_every=checkpoint_every), **settings)


@pytest.mark.parametrize("objective", ["genlm", "paper"])
def test_one_step_changes_all_four_networks(tmp_path, objective):
    tr = trainer(tmp_path, objective=objective)
    before = {k: v.clone() for k, v in tr.model.state_dict().items()}
    logs, imgs = tr.train_step()
    assert all(torch.isfinite(torch.tensor(v)) for v in logs.values()), logs
    for net in ("L", "G", "D_M", "D_U"):
        changed = [k for k, v in tr.model.state_dict().items() if k.startswith(net + ".") and not torch.equal(v, before[k])]
        assert changed, f"{net} did not change"
    assert (imgs.rec_M is not None) == (objective == "paper") and tr.history[-1]["step"] == 1


def test_checkpoint_round_trip_reproduces_predictions(tmp_path):
    tr = trainer(tmp_path / "run")
    tr.fit()
    x = images(3).float() / 127.5 - 1
    lm = Landmarker.load(tmp_path / "run", device="cpu", precision="fp32")
    live = Landmarker(tr.model.L, tr.model.template, tr.cfg.size, "cpu", precision="fp32")  # the trained net, same path
    assert torch.equal(lm.predict_tensor(x), live.predict_tensor(x))
    assert torch.allclose(lm.predict_tensor(x), tr.model.L.eval()(x), atol=1e-5)
    ck = read_checkpoint(tmp_path / "run" / "checkpoint.safetensors")
    assert ck.step == 4 and ck.config == tr.cfg and ck.template.to_dict() == tr.model.template.to_dict()
    meta = json.loads((tmp_path / "run" / "checkpoint.json").read_text())
    assert meta["format"] == "genlm-checkpoint" and "device" not in meta["config"]  # run-time choices are not saved


def test_resume_continues_step_count_and_optimiser_state(tmp_path):
    run = tmp_path / "run"
    a = trainer(run, steps=6, checkpoint_every=3)
    a.fit(steps=3)  # a run killed after its checkpoint at step 3
    b = trainer(run, checkpoint_every=3, resume=True)
    assert b.step == 3 and b.cfg.steps == 6
    sa, sb = a.optimizers["L"].state_dict(), b.optimizers["L"].state_dict()
    assert all(torch.equal(sa["state"][k]["exp_avg"], sb["state"][k]["exp_avg"]) for k in sa["state"])
    assert b.schedulers["G"].get_last_lr() == a.schedulers["G"].get_last_lr()
    b.fit()
    assert b.step == 6 and json.loads((run / "checkpoint.json").read_text())["step"] == 6


@pytest.mark.parametrize("setting, value", [("size", 48), ("ngf", 8), ("objective", "paper"), ("steps", 2)])
def test_resume_refuses_a_setting_that_differs_from_the_run(tmp_path, setting, value):
    trainer(tmp_path, steps=4).fit(2)
    with pytest.raises(ValueError, match=f"^{setting}: the run was trained with {setting}="):
        trainer(tmp_path, resume=True, **{setting: value})
    with pytest.raises(ValueError, match="template"):
        make_trainer(images(), images(), "hand", tmp_path, resume=True, device="cpu")


def test_fit_keeps_to_the_schedule_and_extend_lengthens_it(tmp_path):
    tr = trainer(tmp_path, steps=4)
    tr.fit(3)
    with pytest.raises(ValueError, match="past the schedule"): tr.fit(2)
    assert tr.step == 3
    tr.extend(6)
    tr.fit()
    assert tr.step == 6 and tr.schedulers["L"].get_last_lr()[0] == 0.0  # the extended schedule ends at lr 0
    again = trainer(tmp_path, resume=True, steps=8)  # a larger --steps on resume extends the run
    assert again.cfg.steps == 8 and again.schedulers["L"].get_last_lr()[0] > 0


def test_paint_maps_kept_at_twice_the_training_size(tmp_path):
    tr = trainer(tmp_path, paint_scale=2, steps=2)
    M = tr.sampler.sets[0]
    assert M.paint.shape[-1] == 2 * M.frames.shape[-1] == 64  # found at the frames' 32², kept at 64²
    logs, imgs = tr.train_step()
    assert all(torch.isfinite(torch.tensor(v)) for v in logs.values()), logs
    assert imgs.paint.shape[-1] == 64 and imgs.M.shape[-1] == 32
    tr.fit()  # the label-free score reads the held-out frames' larger maps
    assert "val_paint_px" in tr.history[-1] and (tmp_path / "label_free.csv").exists()


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    run = tmp_path / "run"
    tr = trainer(run, steps=8, checkpoint_every=2)
    tr.fit(steps=2)
    good = (run / "checkpoint.safetensors").read_bytes()
    with torch.no_grad(): tr.model.G[1].weight.fill_(float("nan"))
    with pytest.raises(NonFiniteLoss, match="last good"):
        tr.fit()
    assert (run / "checkpoint.safetensors").read_bytes() == good
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 2


DDP_SCRIPT = textwrap.dedent("""
    import os, sys, torch, torch.distributed as dist
    from genlm.model import leave_distributed
    from genlm.train import make_trainer
    rank = int(os.environ['RANK'])
    g = torch.Generator().manual_seed(10 + rank)
    M, U = (torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g) for _ in range(2))
    # seed=rank: different init and batches per rank; the trainer must broadcast rank 0's weights
    tr = make_trainer(M, U, 'face', sys.argv[1], preset='tiny', device='cpu', lambda_unmarked=0.5, seed=rank)
    for _ in range(3): tr.train_step()
    flat = torch.cat([p.detach().reshape(-1) for p in tr.model.parameters()])
    torch.save(flat, f"{sys.argv[1]}/rank{rank}.pt")
    leave_distributed()
    assert not dist.is_initialized()
""")


def test_ddp_two_gloo_processes_keep_weights_identical(tmp_path):
    script = tmp_path / "ddp.py"; script.write_text(DDP_SCRIPT)
    # --standalone: torchrun's own store binds a free port itself (a port picked here and released raced other tests)
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        str(script), str(tmp_path)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONFAULTHANDLER": "1"})  # a crash prints each rank's Python stack
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    assert torch.equal(w0, w1)


def test_the_paint_loss_is_lowest_at_the_truth():
    "On thin, single-colour synthetic paint (its true soft map), the truth beats the template, scaled, shrunk and shifted answers."
    from genlm.config import make_config
    from genlm.model import GenLM, paint_distance
    from genlm.synth import synth_frames
    from genlm.template import get_template
    torch.manual_seed(0)
    t = get_template("face")
    _, gt, alpha = synth_frames("face", 8, 64, marked=True, seed=3, paint="thin", alpha=True)
    m = GenLM(t, make_config("tiny", size=64, paint_finder="residual"))
    gt = torch.tensor(gt, dtype=torch.float32)
    c = gt.mean(1, keepdim=True)
    candidates = [gt, torch.tensor(t.points)[None].expand_as(gt), c + 0.81 * (gt - c), c + 1.1 * (gt - c), gt + torch.tensor([0.06, 0.0])]
    P = torch.tensor(alpha, dtype=torch.float32)[:, None] / 255  # (8, 1, 64, 64) the paint as drawn
    scores = torch.stack([paint_distance(m, x, P, per_frame=True) for x in candidates])  # (candidates, frames)
    assert (scores.argmin(0) == 0).all(), scores
