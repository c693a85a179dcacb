"Synthetic body regions: determinism, ground truth inside the frame, paint on the lines (both styles), template checks, data set layout."
import numpy as np
import pytest

from genlm.dataset import write_dataset
from genlm.draw import montage, write_video
from genlm.scene import Kit
from genlm.synth import FACE, REGIONS, synth_frames, synth_video
from genlm.template import Line, Template, TemplateError, get_template, to_pixels


def _seg_dist(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    "Distance from points q (P, 2) to the nearest of segments a→b (S, 2)."
    ab = b - a
    t = np.clip(((q[:, None] - a[None]) * ab[None]).sum(-1) / np.maximum((ab ** 2).sum(-1), 1e-12)[None], 0, 1)
    return np.linalg.norm(q[:, None] - (a[None] + t[..., None] * ab[None]), axis=-1).min(1)


@pytest.mark.parametrize("region", REGIONS)
def test_deterministic_and_shapes(region):
    im, gt = synth_frames(region, 3, size=48, seed=7)
    im2, gt2 = synth_frames(region, 3, size=48, seed=7)
    assert im.shape == (3, 48, 48, 3) and im.dtype == np.uint8
    assert gt.shape == (3, get_template(region).n_points, 2) and gt.dtype == np.float32
    np.testing.assert_array_equal(im, im2); np.testing.assert_array_equal(gt, gt2)
    assert not np.array_equal(synth_frames(region, 3, size=48, seed=8)[1], gt)


@pytest.mark.parametrize("region", REGIONS)
def test_ground_truth_inside_image(region):
    _, gt = synth_frames(region, 200, size=32, seed=1)
    assert np.abs(gt).max() < 1
    _, v = synth_video(region, 50, size=32, seed=1)
    assert np.abs(v).max() < 1


@pytest.mark.parametrize("region", REGIONS)
def test_paint_lies_on_the_lines(region):
    size, t = 96, get_template(region)
    plain, gt = synth_frames(region, 6, size=size, seed=3)
    painted, gt2 = synth_frames(region, 6, size=size, seed=3, marked=True)
    np.testing.assert_array_equal(gt, gt2)
    # widest stroke: template width × largest pose scale (1.2 × base ≤ 1.04) × width jitter 1.3, in pixels, halved;
    # plus the smudge (≤ 1.5 px), the lens blur (≤ 1 px) and a pixel of rounding
    reach = 0.5 * max(l.width for l in t.lines) * 1.04 * 1.3 * size / 2 + 1.5 + 1 + 1
    seg = t.segments()
    ys, xs = np.mgrid[:size, :size]
    for a, b, g in zip(plain, painted, gt):
        moved = np.abs(a.astype(int) - b.astype(int)).max(-1) > 30
        assert moved.sum() > 50  # paint is there
        q = np.stack([xs[moved], ys[moved]], 1).astype(float)
        px = to_pixels(g, (size, size))
        d = _seg_dist(q, px[seg[:, 0]], px[seg[:, 1]])
        assert d.max() <= reach, (d.max(), reach)
        # and every line got paint near it
        for l in t.lines:
            s = np.array(l.segments())
            assert _seg_dist(px[l.points], px[s[:, 0]], px[s[:, 1]]).max() < 1e-6
            near = _seg_dist(q, px[s[:, 0]], px[s[:, 1]]) < 2
            assert near.any(), l.name


@pytest.mark.parametrize("region", REGIONS)
def test_thin_paint(region):
    size, t = 64, get_template(region)
    plain, gt, a0 = synth_frames(region, 4, size=size, seed=3, alpha=True)
    thin, gt2, a = synth_frames(region, 4, size=size, seed=3, marked=True, paint="thin", alpha=True)
    _, _, at = synth_frames(region, 4, size=size, seed=3, marked=True, alpha=True)
    np.testing.assert_array_equal(gt, gt2)
    assert a0.max() == 0 and a.dtype == np.uint8 and a.shape == (4, size, size)
    assert 0 < a.sum() < at.sum()  # less paint than the template style
    seg = t.segments()
    ys, xs = np.mgrid[:size, :size]
    for im, g, al in zip(thin, gt, a):
        q = np.stack([xs[al > 0], ys[al > 0]], 1).astype(float)
        px = to_pixels(g, (size, size))
        assert _seg_dist(q, px[seg[:, 0]], px[seg[:, 1]]).max() <= 2.5  # ~1 px strokes on the (spline-bent) lines
    dense = thin[a > 150].astype(int)
    assert len(dense) > 20 and (dense[:, 2] > dense[:, 0]).mean() > 0.9  # one blue colour for every line


def test_bad_paint():
    with pytest.raises(ValueError, match="paint must be one of"):
        synth_frames("face", 1, size=32, marked=True, paint="pastel")


def test_template_lines_are_checked():
    t = get_template("face")
    renamed = Template("face", t.points, [Line("brow_l" if l.name == "left_brow" else l.name, l.points, l.closed) for l in t.lines])
    with pytest.raises(TemplateError, match="'left_brow', which is missing"):
        Kit.of(FACE, renamed)
    short = Template("face", t.points, [Line(l.name, l.points[:6] if l.name == "left_eye" else l.points, l.closed) for l in t.lines])
    with pytest.raises(TemplateError, match="'left_eye' has 6 points; the face program needs 8"):
        Kit.of(FACE, short)


def test_montage_and_video(tmp_path):
    im, gt = synth_frames("foot", 3, size=32, seed=1)
    by_path = montage(im, gt, get_template("foot").save(tmp_path / "foot.json"), cols=3)
    np.testing.assert_array_equal(by_path, montage(im, gt, "foot", cols=3))
    import av
    p = write_video(tmp_path / "v.mp4", [f[:31] for f in im], fps=12.5)
    with av.open(str(p)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert c.streams.video[0].average_rate == 12.5
    assert len(frames) == 3 and frames[0].shape == (30, 32, 3)


def test_video_is_smooth():
    _, v = synth_video("face", 60, size=32, seed=4)
    step = np.linalg.norm(np.diff(v, axis=0), axis=-1).mean()
    acc = np.linalg.norm(np.diff(v, 2, axis=0), axis=-1).mean()
    assert 0 < acc < step / 3 and step < 0.03


def test_bad_region():
    with pytest.raises(ValueError, match="unknown region"):
        synth_frames("tail", 1)


def test_write_dataset(tmp_path):
    out = write_dataset("face", tmp_path / "ds", marked=4, unmarked=4, test=3, video=5, size=64, seed=2)
    for name, n in (("marked", 4), ("unmarked", 4), ("test", 3)):
        assert sorted(p.name for p in (out / name).glob("*.png")) == [f"{i:06d}.png" for i in range(n)]
    assert (out / "video.mp4").stat().st_size > 0
    z = np.load(out / "gt.npz")
    assert set(z.files) == {"marked", "unmarked", "test", "marked_norm", "unmarked_norm", "test_norm", "video",
                            "video_norm", "template", "size"}
    assert str(z["template"]) == "face" and int(z["size"]) == 64
    assert z["test"].shape == (3, 72, 2) and z["test_norm"].shape == (3,) and z["video"].shape == (5, 72, 2)
    assert ((z["test"] >= -0.5) & (z["test"] < 63.5)).all()
    # the inter-ocular normaliser, in pixels
    np.testing.assert_allclose(z["test_norm"], np.linalg.norm(z["test"][:, 27] - z["test"][:, 35], axis=-1), rtol=1e-5)
    # marked and unmarked are independent draws: no frame shares its ground truth
    d = np.abs(z["marked"][:, None] - z["unmarked"][None]).max(axis=(-1, -2))
    assert d.min() > 1.0
    # the PNGs are the frames (PIL reads them back)
    from PIL import Image
    assert np.asarray(Image.open(out / "test" / "000000.png")).shape == (64, 64, 3)


def test_write_dataset_thin(tmp_path):
    z = np.load(write_dataset("hand", tmp_path / "t", 3, 2, 2, size=32, seed=5, paint="thin") / "gt.npz")
    assert z["marked_paint"].shape == (3, 32, 32) and z["marked_paint"].max() > 0
    plain = np.load(write_dataset("hand", tmp_path / "p", 3, 2, 2, size=32, seed=5) / "gt.npz")
    assert "marked_paint" not in plain.files
    np.testing.assert_array_equal(z["marked"], plain["marked"])  # same scenes, another paint


def test_write_dataset_is_reproducible(tmp_path):
    a = np.load(write_dataset("hand", tmp_path / "a", 2, 2, 2, size=32, seed=5) / "gt.npz")
    b = np.load(write_dataset("hand", tmp_path / "b", 2, 2, 2, size=32, seed=5) / "gt.npz")
    for k in ("marked", "unmarked", "test"): np.testing.assert_array_equal(a[k], b[k])
