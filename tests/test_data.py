"Frame sources, decoding, crops, the memmap cache and unpaired sampling (genlm.data)."
import warnings
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image

import genlm.data as D
from genlm.data import Crop, UnpairedSampler, augment, iter_frames, list_sources, load_frames, to_float, to_square


def write_image(path: Path, h: int = 24, w: int = 40, value: int = 128) -> None:
    Image.fromarray(np.full((h, w, 3), value, np.uint8)).save(path)


def write_video(path: Path, n: int = 5, h: int = 32, w: int = 48) -> None:
    "A tiny H.264 video whose frame i has a white bar at x = 8i … 8i+8."
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(n):
            a = np.zeros((h, w, 3), np.uint8)
            a[:, 8 * i:8 * i + 8] = 255
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")): c.mux(p)
        for p in s.encode(): c.mux(p)


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "imgs"
    d.mkdir()
    for i in range(3): write_image(d / f"{i}.png", value=40 * i)
    (d / "readme.txt").write_text("not an image")
    return d


@pytest.fixture
def video(tmp_path):
    p = tmp_path / "clip.mp4"
    write_video(p)
    return p


def test_sources_folder_video_glob(folder, video):
    assert [p.name for p in list_sources(folder)] == ["0.png", "1.png", "2.png"]
    assert list_sources(video) == [video]
    assert len(list_sources(str(folder / "*.png"))) == 3
    assert len(list_sources([folder, video])) == 4


def test_empty_or_missing_source_names_it(tmp_path):
    (tmp_path / "nothing_here").mkdir()
    with pytest.raises(ValueError, match="nothing_here"): list_sources(tmp_path / "nothing_here")
    with pytest.raises(ValueError, match="missing.mp4"): list_sources(tmp_path / "missing.mp4")
    with pytest.raises(ValueError, match=r"\*\.jpg"): list_sources(str(tmp_path / "*.jpg"))


def test_video_frames(video):
    frames = list(iter_frames(video))
    assert [i for i, _ in frames] == [f"{video}#{k}" for k in range(5)]
    a = frames[3][1]
    assert a.shape == (32, 48, 3) and a.dtype == np.uint8
    assert a[:, 24:32].mean() > 200 and a[:, :16].mean() < 30


def test_corrupt_and_truncated_files_are_skipped_and_counted(tmp_path, folder, video):
    (folder / "corrupt.png").write_bytes(b"\x89PNG garbage")
    (folder / "truncated.png").write_bytes((folder / "0.png").read_bytes()[:50])
    (folder / "truncated.mp4").write_bytes(video.read_bytes()[:400])
    with pytest.warns(UserWarning, match="skipped 3") as rec:
        fs = load_frames(folder, 16, progress=False)
    assert len(fs) == 3 and fs.skipped == 3
    assert "corrupt.png" in str(rec[0].message)


@pytest.mark.parametrize("h,w", [(60, 100), (100, 60)])
@pytest.mark.parametrize("crop", ["center", "pad"])
def test_crop_round_trip(h, w, crop):
    "A bright pixel of the frame is found in the square, and maps back to where it was."
    size = 50
    for x, y in [(40, 30), (int(w * 0.7), int(h * 0.4))]:
        frame = np.zeros((h, w, 3), np.uint8)
        frame[y - 1:y + 2, x - 1:x + 2] = 255
        sq, used = to_square(frame, size, crop)
        r, c = np.unravel_index(sq[..., 0].argmax(), sq.shape[:2])
        back = used.to_frame_pixels(np.array([(c + 0.5) / size * 2 - 1, (r + 0.5) / size * 2 - 1]))
        assert np.abs(back - (x, y)).max() <= max(h, w) / size, (back, x, y)
        np.testing.assert_allclose(used.to_normalised(back), [(c + 0.5) / size * 2 - 1, (r + 0.5) / size * 2 - 1])


def test_crop_geometry():
    assert Crop.of("center", 100, 60) == Crop(0, 20, 60, 80)
    assert Crop.of("pad", 100, 60) == Crop(-20, 0, 80, 100)
    c = Crop(10, 20, 30, 40)
    np.testing.assert_allclose(c.to_frame_pixels(np.array([[-1, -1], [0, 0], [1, 1]])), [[9.5, 19.5], [19.5, 29.5], [29.5, 39.5]])
    pts = torch.tensor([[0.25, -0.5]], dtype=torch.float64)
    assert torch.allclose(c.to_normalised(c.to_frame_pixels(pts)), pts)
    with pytest.raises(ValueError, match="crop"): Crop.of("middle", 10, 10)


def test_box_crop_matches_pixels():
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[40:50, 100:110] = 255  # inside the box (80, 20) … (140, 80)
    fs_sq, used = to_square(frame, 30, (80, 20, 140, 80))
    r, c = np.unravel_index(fs_sq[..., 0].argmax(), fs_sq.shape[:2])
    back = used.to_frame_pixels(np.array([(c + 0.5) / 15 - 1, (r + 0.5) / 15 - 1]))
    assert 98 <= back[0] <= 111 and 38 <= back[1] <= 51


def test_load_frames_in_memory(folder, video):
    fs = load_frames([video, folder], 16, progress=False)
    assert fs.frames.shape == (8, 3, 16, 16) and fs.frames.dtype == torch.uint8
    assert fs.sizes.tolist() == [[32, 48]] * 5 + [[24, 40]] * 3
    assert len(fs.crops) == 8 and fs[0].shape == (3, 16, 16)
    assert load_frames(video, 16, max_frames=2, progress=False).frames.shape[0] == 2


def test_cache_reused_and_invalidated(tmp_path, video, monkeypatch):
    calls = []
    decode = D._decode_into
    monkeypatch.setattr(D, "_decode_into", lambda *a: calls.append(1) or decode(*a))
    cache = tmp_path / "cache"
    a = load_frames(video, 16, cache=cache, progress=False)
    b = load_frames(video, 16, cache=cache, progress=False)
    assert len(calls) == 1, "the second load decoded again"
    assert torch.equal(a.frames, b.frames) and a.ids == b.ids and a.crops == b.crops
    c = load_frames(video, 24, cache=cache, progress=False)
    assert len(calls) == 2 and c.frames.shape[-1] == 24
    assert len(list(cache.glob("*.u8"))) == 1, "the old size was not removed"
    assert torch.equal(load_frames(video, 16, progress=False).frames, a.frames)
    c.frames[0].zero_()  # copy-on-write: the file keeps its frames
    assert load_frames(video, 24, cache=cache, progress=False).frames[0].any()


def test_to_float_range():
    x = torch.tensor([0, 128, 255], dtype=torch.uint8)
    assert torch.allclose(to_float(x), torch.tensor([-1.0, 0.00392, 1.0]), atol=1e-4)


def test_sampler_shapes_range_determinism(folder, video):
    m, u = load_frames(video, 16, progress=False), load_frames(folder, 16, progress=False)
    a, b = UnpairedSampler(m, u, batch=4, seed=1), UnpairedSampler(m, u, batch=4, seed=1)
    for _ in range(3):
        (m1, u1, _), (m2, u2, _) = a.sample(), b.sample()
        assert m1.shape == u1.shape == (4, 3, 16, 16) and m1.dtype == torch.float32
        assert m1.min() >= -1 and m1.max() <= 1 and u1.min() >= -1 and u1.max() <= 1
        assert torch.equal(m1, m2) and torch.equal(u1, u2)
    assert not torch.equal(UnpairedSampler(m, u, batch=4, seed=2).sample()[0], UnpairedSampler(m, u, batch=4, seed=1).sample()[0])


def test_augment_keeps_shape_and_range():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 3, 20, 20) * 2 - 1
    y = augment(x, g)
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    assert not torch.equal(y, x)
