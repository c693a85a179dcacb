"""Template: JSON round trip, every validation error, resampling, interchange round trips, the wheel."""
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

from genlm.template import (Line, Template, TemplateError, atomic_write, builtin_names, from_pixels, get_template,
                            spring_lengths, to_pixels)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def face() -> Template:
    return get_template("face")


def good() -> dict:
    return {"format": "genlm-template", "version": 1, "name": "t", "points": [[0, 0], [0.5, 0], [0.5, 0.5], [-0.5, 0.2]],
            "lines": [{"name": "a", "points": [0, 1, 2], "closed": True, "color": [1, 0, 0], "width": 0.02},
                      {"name": "b", "points": [3, 0]}], "springs": [[0, 1], [2, 3]], "stiffness": 2.0, "symmetry": [[1, 3]]}


def test_json_round_trip_builtins(tmp_path):
    for nm in builtin_names():
        t = get_template(nm)
        t2 = get_template(t.save(tmp_path / f"{nm}.json"))
        np.testing.assert_allclose(t2.points, t.points, atol=1e-6)
        assert t2.lines == t.lines and (t2.springs == t.springs).all() and t2.symmetry == t.symmetry
        assert t2.anchors == t.anchors and t2.stiffness == t.stiffness and t2.description == t.description


def test_default_springs_when_file_gives_none(tmp_path):
    d = good(); del d["springs"]
    p = tmp_path / "t.json"; p.write_text(json.dumps(d))
    assert get_template(p).springs.tolist() == [[0, 1], [0, 2], [0, 3], [1, 2]]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="other"), "format: expected 'genlm-template'"),
    (lambda d: d.update(version=7), "version: expected 1"),
    (lambda d: d.update(points=[]), "points: the template is empty"),
    (lambda d: d["points"].__setitem__(0, [float("nan"), 0]), "points: coordinates must be finite"),
    (lambda d: d["points"].__setitem__(0, [float("inf"), 0]), "points: coordinates must be finite"),
    (lambda d: d["points"].__setitem__(0, [1.6, 0]), "points: coordinates must lie in [-1.5, 1.5]"),
    (lambda d: d["points"].__setitem__(0, [1, 2, 3]), "points"),
    (lambda d: d["lines"][0].update(points=[0, 1, 9]), "lines[0] (a).points: index 9 is out of range for 4 points"),
    (lambda d: d["lines"][0].update(points=[0, 1, 0]), "lines[0] (a).points: a point is repeated in the line"),
    (lambda d: d["lines"][0].update(color=[2, 0, 0]), "lines[0] (a).color"),
    (lambda d: d["lines"][0].update(width=-1), "lines[0] (a).width"),
    (lambda d: d["lines"][1].pop("name"), "lines[1].name: missing"),
    (lambda d: d.update(lines=[]), "lines: the template has no lines"),
    (lambda d: d.update(springs=[[1, 1]]), "springs[0]: a spring joins point 1 to itself"),
    (lambda d: d.update(springs=[[1, 4]]), "springs[0]: index 4 is out of range"),
    (lambda d: d.update(springs=[[1, 2, 3]]), "springs[0]: expected a pair"),
    (lambda d: d.update(symmetry=[[0, 5]]), "symmetry[0]: index 5 is out of range"),
    (lambda d: d.update(stiffness=-1.0), "stiffness"),
    (lambda d: d.pop("name"), "name: missing"),
])
def test_validation_errors_name_the_field(tmp_path, mutate, message):
    d = good(); mutate(d)
    p = tmp_path / "bad.json"; p.write_text(json.dumps(d))
    with pytest.raises(TemplateError) as e: get_template(p)
    assert message in str(e.value) and str(p) in str(e.value)


def test_not_json(tmp_path):
    p = tmp_path / "bad.json"; p.write_text("{")
    with pytest.raises(TemplateError, match="not valid JSON"): get_template(p)


def test_atomic_save_keeps_old_file_on_failure(tmp_path, face):
    p = face.save(tmp_path / "f.json")
    before = p.read_text()
    bad = Template("bad", [[0, 0], [0, 9]], [Line("l", [0, 1])])
    with pytest.raises(TemplateError): bad.save(p)
    assert p.read_text() == before and [f.name for f in tmp_path.iterdir()] == ["f.json"]


def test_get_template_takes_name_path_dict_and_template(tmp_path, face):
    p = face.save(tmp_path / "f.json")
    for src in ("face", p, str(p), face.to_dict(), face):
        assert get_template(src).to_dict() == face.to_dict()
    assert get_template(face) is face
    with pytest.raises(ValueError, match="neither a built-in template"): get_template(tmp_path / "missing.json")
    with pytest.raises(TemplateError, match="format"): get_template({**face.to_dict(), "format": "x"})


def test_atomic_write_text_bytes_and_writer(tmp_path):
    assert atomic_write(tmp_path / "new" / "a.txt", "héllo").read_text(encoding="utf-8") == "héllo"
    assert atomic_write(tmp_path / "b.bin", bytes(range(256))).read_bytes() == bytes(range(256))
    p = atomic_write(tmp_path / "c.npz", lambda tmp: np.savez(tmp, a=np.eye(2)))
    np.testing.assert_array_equal(np.load(p)["a"], np.eye(2))
    with pytest.raises(TypeError, match="content"): atomic_write(tmp_path / "d.txt", 3)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["b.bin", "c.npz", "new"]


def test_atomic_write_failing_writer_keeps_old_file(tmp_path):
    p = atomic_write(tmp_path / "w.npz", lambda tmp: np.savez(tmp, a=np.zeros(3)))
    before = p.read_bytes()
    def broken(tmp):
        np.savez(tmp, a=np.ones(3)); raise RuntimeError("writer failed")
    with pytest.raises(RuntimeError, match="writer failed"): atomic_write(p, broken)
    assert p.read_bytes() == before and [f.name for f in tmp_path.iterdir()] == ["w.npz"]


def test_mirror_axis_and_index():
    t = Template("m", [[-0.1, 0], [0.5, 0], [0.2, 0.3]], [Line("l", [0, 2, 1])], symmetry=[(0, 1)])
    assert t.mirror_axis() == pytest.approx(0.2)
    assert t.mirror_index().tolist() == [1, 0, 2]
    t.points[2, 0] = 0.4  # off the axis, with no partner
    with pytest.raises(ValueError, match="not mirror-symmetric about x = 0.200: point 2"): t.mirror_index()
    with pytest.raises(ValueError, match="no symmetry pairs: flipping needs them"): get_template("hand").mirror_index()


def arc_positions(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    "Arc-length position of each point along a polyline (points lie on it)."
    seg = np.diff(poly, axis=0); L = np.linalg.norm(seg, axis=1); cum = np.r_[0, np.cumsum(L)]
    out = []
    for p in pts:
        t = np.clip(((p - poly[:-1]) * seg).sum(1) / np.maximum(L ** 2, 1e-12), 0, 1)
        d = np.linalg.norm(poly[:-1] + t[:, None] * seg - p, axis=1); k = np.argmin(d)
        out.append(cum[k] + t[k] * L[k])
    return np.array(out)


@pytest.mark.parametrize("name", ["face", "hand", "foot"])
def test_resample_even_spacing_by_arc_length(name):
    t = get_template(name)
    r = t.resample(spacing=0.04)
    for old, new in zip(t.lines, r.lines):
        assert new.name == old.name and new.color == old.color and new.closed == old.closed
        poly = t.points[old.points + old.points[:1]] if old.closed else t.points[old.points]
        s = arc_positions(poly.astype(float), r.points[new.points].astype(float))
        total = np.linalg.norm(np.diff(poly, axis=0), axis=1).sum()
        gaps = np.diff(np.r_[s, total] if old.closed else s)
        assert np.abs(gaps / gaps.mean() - 1).max() < 0.01, (old.name, gaps)
    assert set(r.anchors) == set(t.anchors)


def test_resample_keeps_symmetry_and_springs(face):
    r = face.resample(n=9)
    assert r.n_points == 9 * len(face.lines)
    m = r.points * [-1, 1]
    owner = {i: l for l in r.lines for i in l.points}
    assert r.symmetry
    for i, j in r.symmetry:
        l = owner[i]
        if l is owner[j]:  # a self-symmetric line (jaw, lips): its partner is the nearest of its own points
            pts = r.points[l.points]
            spacing = np.linalg.norm(np.diff(pts, axis=0), axis=1).mean()
            assert np.linalg.norm(m[i] - r.points[j]) <= spacing
        else:  # mirror lines (brows, eyes) resample to exact mirror images
            assert np.linalg.norm(m[i] - r.points[j]) < 1e-4
    crossed = face.add_cross_springs(2)
    rc = crossed.resample(n=9)
    assert len(rc.springs) > len(face.resample(n=9).springs)
    assert (rc.springs[:, 0] != rc.springs[:, 1]).all()


def test_spring_lengths_torch_and_numpy(face):
    import torch
    p = torch.tensor(face.points * 1.5)
    np.testing.assert_allclose(spring_lengths(p, torch.tensor(face.springs)).numpy(), face.rest_lengths() * 1.5, rtol=1e-5)


def test_pixels_round_trip():
    p = np.random.default_rng(0).uniform(-1, 1, (10, 2)).astype(np.float32)
    np.testing.assert_allclose(from_pixels(to_pixels(p, (37, 91)), (37, 91)), p, atol=1e-5)
    np.testing.assert_allclose(to_pixels(np.array([[-1, 1]]), (10, 20)), [[-0.5, 9.5]])


@pytest.mark.parametrize("name", ["face", "hand", "foot"])
def test_coco_round_trip(name, tmp_path):
    t = get_template(name)
    d = json.loads(json.dumps(t.to_coco((120, 160))))
    c = Template.from_coco(d)
    np.testing.assert_allclose(c.points, t.points, atol=1e-4)
    assert (c.springs == t.springs).all()
    assert [(l.name, l.points, l.closed) for l in c.lines] == [(l.name, l.points, l.closed) for l in t.lines]
    assert d["categories"][0]["skeleton"][0] == (t.springs[0] + 1).tolist()  # 1-based


@pytest.mark.parametrize("name", ["face", "hand", "foot"])
def test_deeplabcut_round_trip(name, tmp_path):
    import yaml
    t = get_template(name)
    cfg, px = t.to_dlc((200, 200))
    p = tmp_path / "config.yaml"; p.write_text(yaml.safe_dump(cfg))
    c = Template.from_dlc(p, px, (200, 200))
    np.testing.assert_allclose(c.points, t.points, atol=1e-5)
    assert (c.springs == t.springs).all()
    assert [(l.name, l.points, l.closed) for l in c.lines] == [(l.name, l.points, l.closed) for l in t.lines]


@pytest.mark.parametrize("name", ["face", "hand", "foot"])
def test_labelme_round_trip(name, tmp_path):
    t = get_template(name)
    p = tmp_path / "a.json"; p.write_text(json.dumps(t.to_labelme((300, 240), "img.png")))
    c = Template.from_labelme(p)
    np.testing.assert_allclose(c.points, t.points, atol=1e-4)
    assert [(l.name, l.points, l.closed) for l in c.lines] == [(l.name, l.points, l.closed) for l in t.lines]


def test_labelme_without_lines_is_refused():
    with pytest.raises(TemplateError, match="shapes"):
        Template.from_labelme({"imageHeight": 10, "imageWidth": 10, "shapes": [{"label": "p", "shape_type": "point", "points": [[1, 1]]}]})


def test_show_draws(face):
    import matplotlib; matplotlib.use("Agg")
    ax = face.show(image=np.zeros((64, 64, 3), np.uint8), indices=True)
    assert len(ax.lines) == len(face.springs) + len(face.lines)


def test_cli_templates(capsys):
    from genlm.cli import main
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    assert all(n in out for n in ("face", "hand", "foot"))
    assert main(["templates", "nope"]) == 2
    assert "neither a built-in template" in capsys.readouterr().err


def test_wheel_installs_with_templates(tmp_path):
    """Build a wheel, install it (no deps) into a fresh venv that sees the system site, load a built-in elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("genlm-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    code = ("import genlm, genlm.template as t; from pathlib import Path; "
            "f = t.get_template('face'); assert 'site-packages' in str(t.builtin_dir()), t.builtin_dir(); "
            "print(f.n_points, sorted(t.builtin_names()))")
    work = tmp_path / "elsewhere"; work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(py), "-c", code], cwd=work, check=True, capture_output=True, text=True, env=env).stdout
    assert out.split()[0] == "72" and "foot" in out
