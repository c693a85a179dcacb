"""The `genlm` command end to end on a tiny synthetic set: synth → train → predict → eval, and bad arguments."""
import json
import subprocess
import sys

import numpy as np
import pytest

from genlm.cli import main
from genlm.metrics import jitter


def genlm(*args, check=True):
    r = subprocess.run([sys.executable, "-m", "genlm.cli", *map(str, args)], capture_output=True, text=True, timeout=600)
    if check: assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_synth_train_predict_eval(tmp_path):
    data, run = tmp_path / "data", tmp_path / "run"
    genlm("synth", "face", data, "--marked", 8, "--unmarked", 8, "--test", 4, "--video", 6, "--size", 32)
    assert len(list((data / "marked").glob("*.png"))) == 8 and (data / "gt.npz").exists()
    genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--template", "face", "--out", run,
          "--preset", "tiny", "--steps", 3, "--device", "cpu")
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 3
    assert (run / "log.csv").exists()
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--template", "face", "--out", run,
              "--preset", "tiny", "--steps", 5, "--device", "cpu", "--resume")
    assert "resuming" in r.stdout and json.loads((run / "checkpoint.json").read_text())["step"] == 5
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--out", run, "--size", 48,
              "--resume", "--device", "cpu", check=False)  # the run trained at 32²: refused by name, not "resumed" at 48²
    assert r.returncode == 2 and "size: the run was trained with size=32, not 48" in r.stderr
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--out", run, "--set", "ngf=8",
              "--resume", "--device", "cpu", check=False)
    assert r.returncode == 2 and "ngf: the run was trained with ngf=4" in r.stderr
    genlm("predict", run, data / "test", "--out", tmp_path / "pred.csv", "--overlay", tmp_path / "overlay", "--device", "cpu")
    rows = (tmp_path / "pred.csv").read_text().splitlines()
    assert rows[0] == "frame,point,line,x,y" and len(rows) == 1 + 4 * 72
    assert len(list((tmp_path / "overlay").glob("*.png"))) >= 4
    genlm("predict", run, data / "video.mp4", "--out", tmp_path / "pred.npz", "--overlay", tmp_path / "ov.mp4", "--device", "cpu")
    z = np.load(tmp_path / "pred.npz")
    assert z["landmarks"].shape == (6, 72, 2) and (tmp_path / "ov.mp4").stat().st_size > 0
    genlm("predict", run, data / "video.mp4", "--out", tmp_path / "raw.npz", "--smooth", 0, "--device", "cpu")
    raw, smooth = np.load(tmp_path / "raw.npz")["landmarks"], z["landmarks"]
    assert not np.allclose(raw, smooth) and jitter(smooth, 1.0) < jitter(raw, 1.0)  # videos are smoothed by default
    genlm("predict", run, data / "video.mp4", "--out", tmp_path / "flip.npz", "--smooth", 0, "--flip", "--device", "cpu")
    flipped = np.load(tmp_path / "flip.npz")["landmarks"]
    assert flipped.shape == raw.shape and not np.allclose(flipped, raw)
    r = genlm("eval", run, data, "--json", tmp_path / "m.json", "--device", "cpu")
    m = json.loads((tmp_path / "m.json").read_text())
    assert {"nme", "pck", "jitter", "jitter_gt", "video_nme", "per_point_nme"} <= set(m) and len(m["per_point_nme"]) == 72
    assert 0 < m["nme"] < 1 and "nme" in r.stdout.lower()


@pytest.mark.parametrize("args, message", [
    (["train", "--marked", "nowhere", "--unmarked", "nowhere", "--template", "face", "--out", "{tmp}/r", "--preset", "tiny"], "nowhere"),
    (["train", "--marked", "{tmp}", "--unmarked", "{tmp}", "--template", "elbow", "--out", "{tmp}/r"], "elbow"),
    (["train", "--marked", "{tmp}", "--unmarked", "{tmp}", "--template", "face", "--out", "{tmp}/r", "--steps", "0"], "steps: expected at least 1"),
    (["train", "--marked", "{tmp}", "--unmarked", "{tmp}", "--template", "face", "--out", "{tmp}/r", "--set", "colour=red"], "unknown setting 'colour'"),
    (["train", "--marked", "{tmp}", "--unmarked", "{tmp}", "--template", "face", "--out", "{tmp}/r", "--objective", "paper", "--paint-tol", "0.5"], "paint_tol: not used"),
    (["train", "--marked", "{tmp}", "--unmarked", "{tmp}", "--out", "{tmp}/r"], "--template is required"),
    (["predict", "{tmp}/missing-run", "{tmp}", "--out", "{tmp}/p.txt"], "unknown format '.txt'"),
    (["synth", "face", "{tmp}/d", "--marked", "0"], "--marked"),
    (["predict", "{tmp}/missing-run", "{tmp}", "--out", "{tmp}/p.json"], "missing-run"),
    (["eval", "{tmp}", "{tmp}"], "gt.npz"),
])
def test_bad_arguments_say_what_to_do(tmp_path, capsys, args, message):
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert "error" in err and message in err


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_bad_smoothing_window_is_refused(capsys, value):
    with pytest.raises(SystemExit) as e: main(["predict", "run", "video.mp4", "--out", "p.json", "--smooth", value])
    assert e.value.code == 2 and "--smooth" in capsys.readouterr().err


def test_help_for_every_command():
    for cmd in ("synth", "train", "predict", "eval", "templates"):
        r = genlm(cmd, "--help")
        assert "usage: genlm " + cmd in r.stdout
