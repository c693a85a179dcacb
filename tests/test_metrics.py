"Metrics against values computed by hand."
import json

import numpy as np
import pytest

from genlm.metrics import evaluate, format_table, jitter, jitter_tracks, match_frames, nme, normalizer, normalizer_name, pck
from genlm.template import get_template


def test_nme_and_pck_by_hand():
    gt = np.array([[[2.0, 1.0], [7.0, -3.0], [0.0, 0.0]], [[1.0, 1.0], [4.0, 4.0], [9.0, 2.0]]])
    err = np.array([[[0.6, 0.8], [-1.2, 0.5], [0.0, 0.0]], [[0.0, -2.4], [3.0, 0.0], [0.3, 0.4]]])
    norm = np.array([2.5, 6.0])
    # distances 1.0, 1.3, 0 | 2.4, 3.0, 0.5 → normalised 0.4, 0.52, 0 | 0.4, 0.5, 0.08333…
    m, per = nme(gt + err, gt, norm)
    assert m == pytest.approx((0.4 + 0.52 + 0 + 0.4 + 0.5 + 0.5 / 6) / 6)
    np.testing.assert_allclose(per, [0.4, 0.51, (0 + 0.5 / 6) / 2])
    assert pck(gt + err, gt, norm, threshold=0.45) == pytest.approx(4 / 6)
    assert pck(gt + err, gt, norm, threshold=0.05) == pytest.approx(1 / 6)


def test_normalizer():
    face = get_template("face")
    g = np.tile(face.points[None] * 50 + 64, (2, 1, 1))
    g[1, face.anchors["right_eye_outer"]] += [6.0, 8.0]
    iod = np.linalg.norm(face.points[27] - face.points[35]) * 50
    np.testing.assert_allclose(normalizer(g, face)[0], iod)
    np.testing.assert_allclose(normalizer(g, "face")[1], np.linalg.norm((face.points[35] - face.points[27]) * 50 + [6, 8]))
    h = np.array([[[1.0, 2.0], [9.0, 4.0], [3.0, 20.0]]])  # bbox 8 × 18
    np.testing.assert_allclose(normalizer(h, "foot"), [12.0])


def test_normalizer_says_which():
    assert normalizer_name("face") == "inter-ocular (left_eye_outer–right_eye_outer)"
    assert normalizer_name("hand") == normalizer_name("foot") == "sqrt(box area)"
    face = get_template("face")
    assert evaluate(np.stack([face.points] * 2) * 40 + 64, np.stack([face.points] * 2) * 40 + 64, face)["normalizer"].startswith("inter-ocular")
    assert "sqrt(box area)" in format_table(evaluate(np.ones((1, 3, 2)), np.array([[[0, 0], [3, 1], [1, 12.0]]]), "hand"))


def test_match_frames_by_id_then_name():
    have = ["/x/a/000.png", "/x/a/001.png", "/v/clip.mp4#0", "/v/clip.mp4#1"]
    assert match_frames(["001.png", "/x/a/000.png", "elsewhere/clip.mp4#1", "clip.mp4#9"], have).tolist() == [1, 0, 3, -1]
    with pytest.raises(ValueError, match="2 frames are named"):
        match_frames(["000.png"], ["a/000.png", "b/000.png"])


def test_jitter_pooled_over_tracks():
    a, b = np.zeros((4, 1, 2)), np.zeros((6, 1, 2))
    a[1, 0] = [0.0, 2.0]  # second differences 4, 2 → jitter 3 over 2; b: 0 over 4
    assert jitter_tracks([a, b, a[:2]], [1.0, 1.0, 1.0]) == pytest.approx(3 * 2 / 6)
    assert jitter_tracks([a[:2]], [1.0]) is None


def test_jitter_constant_velocity_is_zero():
    t = np.arange(12.0)[:, None, None]
    track = np.array([[3.0, -1.0], [0.5, 2.5], [10.0, 10.0]])[None] + t * np.array([[0.7, 0.2], [-1.1, 0.0], [2.0, 3.0]])
    assert jitter(track, 5.0) == pytest.approx(0.0, abs=1e-12)


def test_jitter_by_hand():
    track = np.zeros((5, 2, 2))
    track[2, 0] = [3.0, 4.0]  # one point jumps 5 px in frame 2 and back
    # second differences of point 0: frames 1, 2, 3 → 5, 10, 5; point 1: 0
    norm = np.array([1.0, 5.0, 2.0, 10.0, 1.0])
    assert jitter(track, norm) == pytest.approx((5 / 5 + 10 / 2 + 5 / 10 + 0 + 0 + 0) / 6)
    with pytest.raises(ValueError, match="at least 3"):
        jitter(track[:2], 1.0)


def test_evaluate_and_table():
    foot = get_template("foot")
    gt = np.stack([foot.points * 40 + 64] * 4)
    pred = gt + np.array([3.0, 4.0])
    norm = normalizer(gt, foot)[0]
    t = np.arange(8.0)[:, None, None]
    vgt = gt[0][None] + t * [1.0, 0.5] + np.cos(t) * [0.5, 0]
    vpred = vgt + (t % 2) * [0.0, 1.0]
    r = evaluate(pred, gt, foot, vpred, vgt)
    assert r["nme"] == pytest.approx(5 / norm)
    assert r["pck"] == (1.0 if 5 / norm < 0.1 else 0.0)
    assert len(r["per_point_nme"]) == foot.n_points
    assert r["jitter"] > r["jitter_gt"] > 0 and r["jitter_ratio"] == pytest.approx(r["jitter"] / r["jitter_gt"])
    assert r["video_nme"] == pytest.approx(0.5 / norm)  # 1 px off on every other frame
    json.dumps(r)
    table = format_table(r)
    assert "NME" in table and "jitter ratio" in table
    assert evaluate(pred, gt, "foot")["jitter"] is None
    with pytest.raises(ValueError, match="differ in shape"):
        evaluate(pred[:, :3], gt, foot)
