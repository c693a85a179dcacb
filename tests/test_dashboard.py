"""The dashboard drives a tiny run: images and curves fill, Stop ends training with a checkpoint, text mode prints lines; the Learner."""
import json
import time

import numpy as np
import pytest
import torch

from genlm.config import CKPT_META
from genlm.dashboard import Dashboard, has_frontend, loss_panel, robust_range, step_grid
from genlm.learner import Learner
from genlm.train import Callback, make_trainer


def trainer(run, checkpoint_every=500, **settings):
    g = torch.Generator().manual_seed(1)
    x = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8, generator=g)
    return make_trainer(x, x.flip(0), "face", run, preset="tiny", device="cpu", trainer_args=dict(checkpoint_every=checkpoint_every), **settings)


class PressStop(Callback):
    "Clicks the dashboard's Stop button at step `at`, as a user would."
    def __init__(self, dash, at): self.dash, self.at = dash, at
    def on_step_end(self, tr, logs, images):
        if tr.step == self.at: self.dash.stop_button.click()


def test_no_frontend_outside_a_kernel():
    assert not has_frontend()
    assert not Dashboard().widgets  # the default falls back to text here


@pytest.mark.parametrize("objective", ["genlm", "paper"])
def test_widgets_show_images_and_curves(tmp_path, objective):
    tr = trainer(tmp_path, steps=2, objective=objective)
    dash = Dashboard(every=0, widgets=True)
    tr.callbacks = [dash]
    tr.fit()
    assert bytes(dash.image.value[:8]) == b"\x89PNG\r\n\x1a\n" and len(dash.image.value) > 100
    names = {d.name for d in dash.figure.data}
    assert names == {k for k in tr.history[-1] if k != "step"} and {"d_U", "d_M", "g_gan_U"} <= names
    assert all(len(d.x) == 2 and len(d.y) == 2 for d in dash.figure.data)
    assert "step 2/2" in dash.status.value and dash.stop_button.disabled
    dash.log_box.value = False
    assert dash.figure.layout.yaxis.type == "linear" and dash.figure.layout.yaxis4.type == "linear"
    # the grid is shown at its own pixel size (never stretched to the cell), the caption names its tiles
    g = step_grid(tr.model, dash.images, 2, 3)  # 32 px frames → 96 px tiles
    assert (dash.image.layout.width, dash.image.layout.height) == (f"{g.shape[1]}px", f"{g.shape[0]}px")
    assert "paint found on M" in dash.caption.value and ("rec M" in dash.caption.value) == (objective == "paper")
    assert {loss_panel(d.name) for d in dash.figure.data} == {0, 1, 2, 3}


def test_stop_button_ends_training_and_writes_checkpoint(tmp_path):
    tr = trainer(tmp_path, steps=100, checkpoint_every=1000)
    dash = Dashboard(every=0, widgets=True)
    tr.callbacks = [dash, PressStop(dash, 3)]
    tr.fit()
    assert tr.step == 3
    assert json.loads((tmp_path / CKPT_META).read_text())["step"] == 3
    assert dash.stop_button.description == "stopped"
    assert dash.status.value.startswith("stopped: step 3/100") and f"checkpoint in {tmp_path}" in dash.status.value
    assert "left" not in dash.status.value


def test_each_panel_range_ignores_a_few_tiny_values():
    spring = np.r_[1e-12, 1e-10, np.geomspace(1e-3, 1e-2, 50)]
    lo, hi = robust_range([spring])
    assert -3.3 < lo < -2.9 and -2.1 < hi < -1.9  # log10 units: 1e-12 does not stretch the axis
    assert loss_panel("g_spring") != loss_panel("g_gan_U") != loss_panel("d_U")


def test_refreshes_are_throttled(tmp_path):
    tr = trainer(tmp_path, steps=5)
    dash = Dashboard(every=3600, widgets=True)
    tr.callbacks = [dash]
    tr.fit()
    assert dash.refreshes == 2  # after the first step, and at the end
    assert 0 <= dash.overhead < time.monotonic() - dash.begin


def test_text_fallback_prints_lines(tmp_path, capsys):
    tr = trainer(tmp_path, steps=3)
    tr.callbacks = [Dashboard(every=0, widgets=False)]
    tr.fit()
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("step 1/3") and lines[-1].startswith("done: step 3/3")
    assert "g_paint" in lines[-1] and "img/s" in lines[-1]


def frames(seed, n=6):
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


def test_learner_steps_weights_and_resume(tmp_path):
    learn = Learner(frames(0), frames(1), "face", preset="tiny", run=tmp_path, device="cpu", steps=8)
    assert "g_paint" in learn.step(2) and learn.trainer.step == 2
    learn.set_weights(lambda_unmarked=1.0)
    assert "g_cyc_U" in learn.step() and learn.images.rec_U is not None
    with pytest.raises(ValueError, match="unknown loss weights"): learn.set_weights(lambda_nope=1)
    learn.fit(2, dashboard=False)
    assert json.loads((tmp_path / CKPT_META).read_text())["config"]["lambda_unmarked"] == 1.0
    with pytest.warns(UserWarning, match="resume"):
        Learner(frames(0), frames(1), "face", preset="tiny", run=tmp_path, device="cpu", steps=8)
    again = Learner(frames(0), frames(1), run=tmp_path, device="cpu", resume=True)
    assert again.trainer.step == 5 and again.cfg.lambda_unmarked == 1.0
    assert len(learn.show_batch(2).axes) == 6
    assert len(learn.show_predictions(frames(2), n=3, cols=2).axes) == 4
    assert learn.landmarker().predict_tensor(learn.U.frames[:2]).shape == (2, learn.template.n_points, 2)


def test_learner_background_fit_stops_from_the_button(tmp_path):
    learn = Learner(frames(0), frames(1), "face", preset="tiny", run=tmp_path, device="cpu", steps=10_000,
                    trainer_args=dict(checkpoint_every=1000))
    dash = Dashboard(every=0, widgets=True)
    learn.fit(10_000, dashboard=dash, background=True)
    deadline = time.monotonic() + 60
    while learn.trainer.step < 2 and time.monotonic() < deadline: time.sleep(0.02)
    dash.stop_button.click()
    learn.wait()
    assert 2 <= learn.trainer.step < 10_000
    assert json.loads((tmp_path / CKPT_META).read_text())["step"] == learn.trainer.step


def test_interrupting_the_kernel_stops_a_background_fit(tmp_path):
    import signal
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own handler, as a kernel's main thread has
    try:
        learn = Learner(frames(0), frames(1), "face", preset="tiny", run=tmp_path, device="cpu", steps=10_000)
        learn.fit(10_000, dashboard=Dashboard(every=3600), background=True)
        deadline = time.monotonic() + 60
        while learn.trainer.step < 2 and time.monotonic() < deadline: time.sleep(0.02)
        with pytest.raises(KeyboardInterrupt):  # Kernel → Interrupt: the running cell is interrupted as before …
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        learn.wait()  # … and the background fit stops after its step, with a checkpoint
        assert 2 <= learn.trainer.step < 10_000
        assert json.loads((tmp_path / CKPT_META).read_text())["step"] == learn.trainer.step
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the hook is gone
    finally:
        signal.signal(signal.SIGINT, outer)
