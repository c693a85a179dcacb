"""The `genlm` command end to end on a tiny synthetic set: synth → train → predict → eval, and bad arguments."""
import json
import subprocess
import sys

import numpy as np
import pytest

from genlm.cli import main
from genlm.metrics import jitter
from genlm.predict import Predictions, load_predictions, save_predictions
from genlm.template import get_template


def genlm(*args, check=True):
    r = subprocess.run([sys.executable, "-m", "genlm.cli", *map(str, args)], capture_output=True, text=True, timeout=600)
    if check: assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_synth_train_predict_eval(tmp_path):
    data, run = tmp_path / "data", tmp_path / "run"
    genlm("synth", "face", data, "--marked", 8, "--unmarked", 8, "--test", 4, "--video", 6, "--size", 32)
    assert len(list((data / "marked").glob("*.png"))) == 8 and (data / "gt.npz").exists()
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--template", "face", "--out", run,
              "--preset", "tiny", "--steps", 3, "--device", "cpu")
    assert json.loads((run / "checkpoint.json").read_text())["step"] == 3
    assert (run / "log.csv").exists() and (run / "paint.png").exists() and (run / "best" / "checkpoint.json").exists()
    assert "paint " in r.stdout and "of 7 marked frames" in r.stdout  # 8 frames, one held out
    assert "label-free score on 1 held-out marked frames: best" in r.stdout
    assert "training to step 3 at 32² on the CPU, float32 (precision=auto)" in r.stdout
    r = genlm("eval", run, "--marked", data / "marked", "--device", "cpu")
    assert "label-free score on 8 marked frames" in r.stdout and "undeformed template" in r.stdout
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
    assert m["normalizer"].startswith("inter-ocular") and "inter-ocular" in r.stdout and 0 < m["template_nme"] < 1


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    "A synthetic face set (5 test frames, a 5-frame video) and a 2-step tiny run on it."
    d = tmp_path_factory.mktemp("own")
    data, run = d / "data", d / "run"
    assert main(["synth", "face", str(data), "--marked", "4", "--unmarked", "4", "--test", "5", "--video", "5", "--size", "32"]) == 0
    assert main(["train", "--marked", str(data / "marked"), "--unmarked", str(data / "unmarked"), "--template", "face",
                 "--out", str(run), "--preset", "tiny", "--steps", "2", "--device", "cpu"]) == 0
    return data, run


def _write_truth(path, ids, points):
    "Ground truth in a format genlm predict writes, by its own writer."
    p = Predictions(list(ids), np.asarray(points, np.float32), np.full((len(ids), 2), 32), get_template("face"))
    return save_predictions(p, path)


def _eval(capsys, *args):
    rc = main(["eval", *map(str, args), "--device", "cpu"])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_eval_on_own_frames(tiny_run, tmp_path, capsys):
    data, run = tiny_run
    gt = np.load(data / "gt.npz")
    frames = sorted((data / "test").glob("*.png"))
    assert main(["eval", str(run), str(data), "--json", str(tmp_path / "synth.json"), "--device", "cpu"]) == 0
    synth = json.loads((tmp_path / "synth.json").read_text())
    for fmt, ids in ((".json", [str(f) for f in frames]),  # the frames' own paths
                     (".csv", [f.name for f in frames]),  # file names only: matched by name
                     (".npz", [f"elsewhere/{f.name}" for f in frames])):  # written from another folder
        truth = _write_truth(tmp_path / f"truth{fmt}", ids[::-1], gt["test"][::-1])  # in another order
        rc, out, err = _eval(capsys, run, data / "test", "--truth", truth, "--json", tmp_path / "m.json")
        assert rc == 0, err
        m = json.loads((tmp_path / "m.json").read_text())
        assert m["nme"] == pytest.approx(synth["nme"], rel=1e-4) and m["template_nme"] == pytest.approx(synth["template_nme"], rel=1e-4)
        assert m["normalizer"] == "inter-ocular (left_eye_outer–right_eye_outer)" and "inter-ocular" in out
        assert m["frames"] == 5 and m["jitter"] is None  # a folder is no sequence unless --sequence says so
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "truth.csv", "--sequence", "--json", tmp_path / "m.json")
    m = json.loads((tmp_path / "m.json").read_text())
    assert rc == 0 and m["jitter"] > 0 and m["jitter_gt"] > 0 and m["sequence_frames"] == 5 and "jitter" in out
    # a video with ground truth on frames 0–3 of 5: a sequence of its own
    _write_truth(tmp_path / "video.json", [f"clip/video.mp4#{k}" for k in range(4)], gt["video"][:4])
    rc, out, err = _eval(capsys, run, data / "video.mp4", "--truth", tmp_path / "video.json", "--json", tmp_path / "m.json")
    m = json.loads((tmp_path / "m.json").read_text())
    assert rc == 0, err
    assert m["frames"] == 4 and m["sequence_frames"] == 4 and m["jitter_gt"] > 0 and "4 of 5 frames" in out
    # a truth file written by genlm predict itself, then shifted
    assert main(["predict", str(run), str(data / "test"), "--out", str(tmp_path / "pred.npz"), "--device", "cpu"]) == 0
    ids, pts = load_predictions(tmp_path / "pred.npz")
    _write_truth(tmp_path / "shifted.npz", ids, pts + [1.5, 0.0])
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "shifted.npz", "--json", tmp_path / "m.json")
    m = json.loads((tmp_path / "m.json").read_text())
    assert rc == 0 and m["nme"] > 0 and np.allclose(m["per_point_nme"], m["nme"], rtol=1e-3)  # every point 1.5 px off


def test_eval_refuses_bad_truth_before_predicting(tiny_run, tmp_path, capsys):
    data, run = tiny_run
    gt = np.load(data / "gt.npz")
    names = [f.name for f in sorted((data / "test").glob("*.png"))]
    _write_truth(tmp_path / "odd.json", names[:3] + ["999999.png", "no.png"], gt["test"])
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "odd.json")
    assert rc == 2 and "frame 999999.png is not among the 5 files of SRC" in err and "2 of 5 ground-truth frames" in err and not out
    _write_truth(tmp_path / "late.json", [f"video.mp4#{k}" for k in range(5)] + ["video.mp4#7"], np.concatenate([gt["video"], gt["video"][:1]]))
    rc, out, err = _eval(capsys, run, data / "video.mp4", "--truth", tmp_path / "late.json")  # the video has 5 frames
    assert rc == 2 and "frame video.mp4#7 is not among the 5 frames read" in err
    np.savez(tmp_path / "ten.npz", ids=np.array(names), landmarks=np.zeros((5, 10, 2)))
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "ten.npz")
    assert rc == 2 and "10 points per frame, but the run's template 'face' has 72" in err
    rc, out, err = _eval(capsys, run, data / "test")
    assert rc == 2 and "no gt.npz there; pass --truth FILE" in err and "genlm synth" in err
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "truth.txt")
    assert rc == 2 and "unknown format '.txt'" in err
    (tmp_path / "broken.json").write_text('{"frames": [{"landmarks": []}]}')
    rc, out, err = _eval(capsys, run, data / "test", "--truth", tmp_path / "broken.json")
    assert rc == 2 and "not a landmarks file" in err


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
    (["eval", "{tmp}"], "nothing to score"),
    (["predict", "{tmp}/missing-run", "{tmp}", "--out", "{tmp}/p.coco.jsn"], "unknown format '.jsn'"),
    (["export", "{tmp}/missing-run", "{tmp}/m.pt"], "expected FILE.onnx"),
    (["export", "{tmp}/missing-run", "{tmp}/m.onnx"], "missing-run"),
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
    for cmd in ("synth", "train", "predict", "eval", "templates", "export"):
        r = genlm(cmd, "--help")
        assert "usage: genlm " + cmd in r.stdout


def test_train_with_the_residual_paint_finder(tmp_path):
    data, run = tmp_path / "data", tmp_path / "run"
    genlm("synth", "face", data, "--marked", 10, "--unmarked", 10, "--test", 2, "--size", 64, "--paint", "thin")
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--template", "face", "--out", run,
              "--preset", "tiny", "--steps", 2, "--device", "cpu", "--set", "paint_finder=residual")
    assert "residual finder fitted to the frames" in r.stdout and "label-free score on 2 held-out" in r.stdout
    r = genlm("eval", run, "--marked", data / "marked", "--device", "cpu")
    assert "label-free score on 10 marked frames" in r.stdout
    r = genlm("train", "--marked", data / "marked", "--unmarked", data / "unmarked", "--template", "face", "--out", tmp_path / "r2",
              "--preset", "tiny", "--steps", 2, "--set", "paint_finder=residual", "--paint-tol", "0.3", check=False)
    assert r.returncode == 2 and "paint_tol: not used" in r.stderr  # the residual finder has no colour tolerance
