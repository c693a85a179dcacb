"""Each export of genlm.interchange read back by the library that owns the format: pandas (DeepLabCut),
pycocotools (COCO), sleap-io (SLEAP .slp, NWB); coordinates equal to genlm's within 1e-3 px."""
import contextlib
import io
import json
import sys

import numpy as np
import pytest
from PIL import Image

from genlm.draw import write_video
from genlm.interchange import FORMATS, MissingExtra, check_output, save_predictions
from genlm.predict import Predictions
from genlm.template import get_template

TOL = 1e-3  # px


@pytest.fixture
def frames(tmp_path):
    "Predictions on real files: 4 frames of a 48×64 video and 2 images of 40×50, landmarks jittered around the template."
    write_video(tmp_path / "clip.mp4", (np.full((48, 64, 3), 40 * k, np.uint8) for k in range(4)), 25.0)
    for name in ("a.png", "b.png"): Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(tmp_path / name)
    t, rng = get_template("face"), np.random.default_rng(1)
    ids = [f"{tmp_path / 'clip.mp4'}#{k}" for k in range(4)] + [str(tmp_path / "a.png"), str(tmp_path / "b.png")]
    sizes = np.array([[48, 64]] * 4 + [[40, 50]] * 2)
    pts = np.stack([t.to_dlc(tuple(s))[1] + rng.normal(0, 3, (t.n_points, 2)) for s in sizes]).astype(np.float32)
    return Predictions(ids, pts, sizes, t)


def test_deeplabcut_h5_and_csv_read_by_pandas(frames, tmp_path):
    import pandas as pd
    names = frames.template.to_dlc()[0]["bodyparts"]
    for df in (pd.read_hdf(save_predictions(frames, tmp_path / "p.h5"), "df_with_missing"),
               pd.read_csv(save_predictions(frames, tmp_path / "p.dlc.csv"), header=[0, 1, 2], index_col=0)):
        assert df.columns.names == ["scorer", "bodyparts", "coords"]
        assert df.columns.get_level_values("bodyparts").unique().tolist() == names
        assert df.columns.get_level_values("coords").unique().tolist() == ["x", "y", "likelihood"]
        xy = np.stack([df.xs(c, level="coords", axis=1).to_numpy() for c in ("x", "y")], -1)  # (n, N, 2)
        assert np.abs(xy - frames.points).max() < TOL
        assert (df.xs("likelihood", level="coords", axis=1).to_numpy() == 1.0).all()  # no confidence estimated yet
        assert [str(i) for i in df.index] == frames.ids
    head = (tmp_path / "p.dlc.csv").read_text().splitlines()[:3]
    assert [h.split(",")[0] for h in head] == ["scorer", "bodyparts", "coords"]  # DeepLabCut's 3-row header
    video = Predictions(frames.ids[:4], frames.points[:4], frames.sizes[:4], frames.template)
    lik = np.linspace(0, 1, 4 * 72).reshape(4, 72)
    df = pd.read_hdf(save_predictions(video, tmp_path / "v.h5", likelihood=lik))
    assert df.index.tolist() == [0, 1, 2, 3]  # one video: rows are frame numbers, as DeepLabCut's analysis writes
    assert np.abs(df.xs("likelihood", level="coords", axis=1).to_numpy() - lik).max() < 1e-9


def _cocoeval(gt_path, dt_annotations, n_points, sigma=0.05):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_path))
        e = COCOeval(gt, gt.loadRes(dt_annotations), "keypoints")
        e.params.kpt_oks_sigmas = np.full(n_points, sigma)
        e.evaluate(); e.accumulate(); e.summarize()
    return gt, float(e.stats[0])


def test_coco_scored_by_pycocotools(frames, tmp_path):
    truth = save_predictions(frames, tmp_path / "truth.coco.json")
    gt, ap = _cocoeval(truth, json.loads(truth.read_text())["annotations"], frames.template.n_points)
    assert ap == pytest.approx(1.0)  # identical points: OKS 1 everywhere
    cat = gt.loadCats(gt.getCatIds())[0]
    assert cat["keypoints"] == frames.template.to_coco()["categories"][0]["keypoints"] and len(cat["skeleton"]) == len(frames.template.springs)
    kp = np.array([gt.loadAnns(gt.getAnnIds(imgIds=i))[0]["keypoints"] for i in gt.getImgIds()]).reshape(len(frames), -1, 3)
    assert np.abs(kp[..., :2] - frames.points).max() < TOL and (kp[..., 2] == 2).all()
    assert [gt.imgs[i]["file_name"] for i in gt.getImgIds()] == frames.ids
    shifted = Predictions(frames.ids, frames.points + [2.0, 1.0], frames.sizes, frames.template)
    pred = json.loads(save_predictions(shifted, tmp_path / "pred.coco.json").read_text())["annotations"]
    _, ap_shifted = _cocoeval(truth, pred, frames.template.n_points)
    assert ap_shifted < 0.9


def _by_frame(labels):
    "{(file name, frame index): (N, 3) x, y, score} of sleap-io Labels (an image's video is a list of one file in .slp)."
    name = lambda f: str(f[0] if isinstance(f, list) and len(f) == 1 else f)
    return {(name(lf.video.filename), lf.frame_idx): lf.instances[0].numpy(scores=True) for lf in labels.labeled_frames}


@pytest.mark.parametrize("suffix", [".slp", ".nwb"])
def test_sleap_and_nwb_read_by_sleap_io(frames, tmp_path, suffix):
    import sleap_io as sio
    from genlm.interchange import frame_source
    path = save_predictions(frames, tmp_path / f"p{suffix}")
    labels = (sio.load_slp(str(path), open_videos=False) if suffix == ".slp" else sio.load_nwb(str(path)))
    got = _by_frame(labels)
    assert len(got) == len(frames)
    for fid, xy in zip(frames.ids, frames.points):
        pts = got[frame_source(fid)]
        assert np.abs(pts[:, :2] - xy).max() < TOL and np.allclose(pts[:, 2], 1.0)
    t, names = frames.template, frames.template.to_dlc()[0]["bodyparts"]
    sk = labels.skeletons[0]
    assert sk.node_names == names
    assert {(e.source.name, e.destination.name) for e in sk.edges} == {(names[i], names[j]) for i, j in t.segments()}  # the lines
    if suffix == ".slp":
        assert {frozenset(n.name for n in s.nodes) for s in sk.symmetries} == {frozenset((names[i], names[j])) for i, j in t.symmetry}
        assert all(type(i).__name__ == "PredictedInstance" for lf in labels.labeled_frames for i in lf.instances)


def test_double_suffixes_and_missing_extra(frames, tmp_path, monkeypatch):
    assert {".json", ".csv", ".npz", ".h5", ".dlc.csv", ".coco.json", ".slp", ".nwb"} == set(FORMATS)
    assert json.loads(save_predictions(frames, tmp_path / "own.json").read_text())["template"] == "face"  # genlm's own JSON
    assert (tmp_path / "own.csv").exists() is False and save_predictions(frames, tmp_path / "own.csv").read_text().startswith("frame,point")
    with pytest.raises(ValueError, match=r"unknown format '\.txt'.*\.coco\.json"): check_output(tmp_path / "p.txt")
    monkeypatch.setitem(sys.modules, "sleap_io", None)  # as if sleap-io were not installed
    with pytest.raises(MissingExtra, match=r"sleap_io.*pip install 'genlm\[interchange\]'"): check_output(tmp_path / "p.slp")
    check_output(tmp_path / "p.h5")  # other formats are unaffected


def test_predict_cli_writes_each_format_and_refuses_missing_extra(tmp_path, capsys, monkeypatch):
    from genlm.cli import main
    data, run = tmp_path / "data", tmp_path / "run"
    assert main(["synth", "face", str(data), "--marked", "3", "--unmarked", "3", "--test", "3", "--size", "32"]) == 0
    assert main(["train", "--marked", str(data / "marked"), "--unmarked", str(data / "unmarked"), "--template", "face",
                 "--out", str(run), "--preset", "tiny", "--steps", "1", "--device", "cpu"]) == 0
    assert main(["predict", str(run), str(data / "test"), "--out", str(tmp_path / "p.npz"), "--device", "cpu"]) == 0
    own = np.load(tmp_path / "p.npz")["landmarks"]
    import pandas as pd
    for suffix in (".h5", ".coco.json", ".slp"):
        assert main(["predict", str(run), str(data / "test"), "--out", str(tmp_path / f"p{suffix}"), "--device", "cpu"]) == 0
    df = pd.read_hdf(tmp_path / "p.h5")
    assert np.abs(np.stack([df.xs(c, level="coords", axis=1).to_numpy() for c in "xy"], -1) - own).max() < TOL
    lik = df.xs("likelihood", level="coords", axis=1).to_numpy()  # test-time spread, any template
    assert lik.shape == (3, 72) and ((lik > 0) & (lik <= 1)).all() and (lik < 1).any()
    assert "lowest likelihood (test-time spread), to review first" in capsys.readouterr().out
    assert main(["predict", str(run), str(data / "test"), "--out", str(tmp_path / "f.h5"), "--flip", "--device", "cpu"]) == 0
    np.testing.assert_allclose(pd.read_hdf(tmp_path / "f.h5").xs("likelihood", level="coords", axis=1).to_numpy(), lik, atol=1e-9)  # of the raw prediction
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "tables", None)
    assert main(["predict", str(tmp_path / "missing-run"), str(data / "test"), "--out", str(tmp_path / "q.h5")]) == 2
    err = capsys.readouterr().err
    assert "pip install 'genlm[interchange]'" in err and "missing-run" not in err  # refused before the run is read


def test_export_onnx_runs_at_parity_in_onnxruntime(tmp_path, capsys):
    import onnxruntime as ort
    import torch
    from genlm.cli import main
    from genlm.interchange import CROP
    from genlm.predict import Landmarker
    from genlm.template import Template
    data, run = tmp_path / "data", tmp_path / "run"
    assert main(["synth", "face", str(data), "--marked", "3", "--unmarked", "3", "--test", "2", "--size", "32"]) == 0
    assert main(["train", "--marked", str(data / "marked"), "--unmarked", str(data / "unmarked"), "--template", "face",
                 "--out", str(run), "--preset", "tiny", "--steps", "2", "--device", "cpu"]) == 0
    assert main(["export", str(run), str(tmp_path / "m.onnx")]) == 0 and "wrote" in capsys.readouterr().out
    s = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    lm = Landmarker.load(run, device="cpu", precision="fp32")
    with torch.no_grad():  # weights away from the template's start, so that parity is not parity of zeros
        last = [m for m in lm.net.modules() if isinstance(m, torch.nn.Linear)][-1]
        assert last.weight.abs().max() > 0
    x = torch.randint(0, 256, (7, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    for b in (1, 7):  # the batch is dynamic
        y = s.run(None, {"images": x[:b].numpy()})[0]
        assert y.shape == (b, 72, 2) and np.abs(y - lm.predict_tensor(x[:b]).numpy()).max() <= 1e-4
    meta = s.get_modelmeta().custom_metadata_map
    assert meta["genlm.size"] == "32" and meta["genlm.crop"] == CROP
    assert np.allclose(Template.from_dict(json.loads(meta["genlm.template"])).points, lm.template.points)


def test_confidence_candidates_on_a_trained_hand_run(tmp_path):
    "A run without symmetry pairs: the test-time spread and D_M's score come from its checkpoint, frame by frame."
    import torch
    from genlm.cli import main
    from genlm.interchange import TAU_SPREAD, dm_score, likelihood_of, load_genlm, tta_likelihood, tta_spread
    from genlm.predict import Landmarker
    data, run = tmp_path / "data", tmp_path / "run"
    assert main(["synth", "hand", str(data), "--marked", "3", "--unmarked", "3", "--test", "4", "--size", "32"]) == 0
    assert main(["train", "--marked", str(data / "marked"), "--unmarked", str(data / "unmarked"), "--template", "hand",
                 "--out", str(run), "--preset", "tiny", "--steps", "2", "--device", "cpu"]) == 0
    lm, m = Landmarker.load(run, device="cpu", precision="fp32"), load_genlm(run)
    frames = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in sorted((data / "test").glob("*.png"))])
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous()
    torch.testing.assert_close(m.L(x.float() / 127.5 - 1), lm.predict_tensor(x), atol=1e-5, rtol=0)  # the same L_delta
    lik = tta_likelihood(lm, data / "test", batch=3)
    assert lik.shape == (4, lm.template.n_points) and ((lik > 0) & (lik <= 1)).all()
    np.testing.assert_allclose(lik, likelihood_of(tta_spread(lm, x), TAU_SPREAD), atol=1e-6)  # in predict's frame order
    s = dm_score(m, x)
    assert s.shape == (4,) and torch.isfinite(s).all()
    p = lm.predict(data / "test")
    import pandas as pd
    df = pd.read_hdf(save_predictions(p, tmp_path / "h.h5", likelihood=lik))
    assert np.abs(df.xs("likelihood", level="coords", axis=1).to_numpy() - lik).max() < 1e-9
