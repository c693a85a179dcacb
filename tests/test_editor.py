"""The template editor without a browser: its handlers get the events plotly sends for clicks, its buttons are pressed."""
import json

import numpy as np
import pytest
from plotly.callbacks import Points

from genlm.editor import EditorState, TemplateEditor, display_size
from genlm.template import from_pixels, get_template, to_pixels


def image_click(ed, x, y):
    "The event of a click on display pixel (x, y) of the image trace."
    ed._on_image_click(ed.fig.data[0], Points([[int(y), int(x)]], [x], [y], "", 0))


def point_click(ed, i):
    "The event of a click on the marker of point `i`."
    ed._on_point_click(ed.fig.data[2], Points([i], [0], [0], "", 2))


def norm(ed, x, y):
    return from_pixels(np.float32([x, y]), ed.hw)


@pytest.fixture
def ed(tmp_path):
    img = (np.random.default_rng(0).random((120, 160, 3)) * 255).astype(np.uint8)
    return TemplateEditor(img, path=tmp_path / "t.json")


def test_author_undo_move_mirror_save_reload(ed, tmp_path):
    assert max(ed.hw) >= 512 and ed.hw == display_size((120, 160))
    h, w = ed.hw
    brow = [(100, 100), (160, 80), (220, 90)]
    for p in brow: image_click(ed, *p)
    ed.line_name.value = "eye"; ed.closed.value = True; ed.buttons["new line"].click()
    eye = [(150, 200), (190, 190), (200, 230), (160, 240)]
    for p in eye: image_click(ed, *p)
    image_click(ed, w + 5, 10); image_click(ed, -3, 10)  # outside the image: ignored
    assert ed.template.n_points == 7
    image_click(ed, 300, 300)  # a stray click, undone
    ed.buttons["undo"].click()
    assert ed.template.n_points == 7 and ed.template.line("eye").points == [3, 4, 5, 6]
    ed.buttons["redo"].click(); ed.buttons["undo"].click()
    point_click(ed, 4); assert ed.state.selected == 4  # select, then click the new place: moved
    image_click(ed, 195, 185); eye[1] = (195, 185)
    assert ed.state.selected is None
    ed.line_name.value = "mouth"; ed.buttons["new line"].click()
    mouth = [(120, 300), (170, 320), (230, 305)]
    for p in mouth: image_click(ed, *p)
    point_click(ed, 0); ed.buttons["deselect"].click()  # makes line0 (the brow) current
    ed.buttons["mirror"].click()
    t = ed.template
    assert [l.name for l in t.lines] == ["line0", "eye", "mouth", "line0_mirror"]
    expected = np.array([norm(ed, *p) for p in brow + eye + mouth])
    np.testing.assert_allclose(t.points[:10], expected, atol=1e-6)
    np.testing.assert_allclose(t.points[10:], expected[:3] * [-1, 1], atol=1e-6)
    assert t.symmetry == [(0, 10), (1, 11), (2, 12)]
    assert {(3, 6), (4, 5)} <= set(map(tuple, t.springs.tolist()))  # the closed eye's springs
    ed.stiffness.value = 3.0; ed.k_cross.value = 1; ed.buttons["cross-springs"].click()
    assert t.stiffness == 1.0 and ed.template.stiffness == 3.0 and len(ed.template.springs) > len(t.springs)
    ed.template.validate()
    ed.buttons["save"].click()
    path = tmp_path / "t.json"
    back = get_template(path)
    assert back.to_dict() == ed.template.to_dict()
    assert json.loads(path.read_text())["symmetry"] == [[0, 10], [1, 11], [2, 12]]
    # a fresh editor loads it back through its button, and it round-trips through to_pixels
    ed2 = TemplateEditor(ed.image, path=path); ed2.buttons["load"].click()
    assert ed2.template.to_dict() == back.to_dict()
    np.testing.assert_allclose(to_pixels(ed2.template.points[:3], ed.hw), brow, atol=1e-3)


def test_save_asks_before_overwriting(ed, tmp_path):
    for p in [(10, 10), (200, 200)]: image_click(ed, *p)
    path = tmp_path / "t.json"; path.write_text("keep me")
    ed.buttons["save"].click()
    assert path.read_text() == "keep me" and "exists" in ed.status.value
    assert ed.buttons["overwrite"].layout.display != "none"
    ed.buttons["overwrite"].click()
    assert get_template(path).n_points == 2 and ed.buttons["overwrite"].layout.display == "none"


def test_errors_go_to_the_status_line(ed):
    ed.buttons["delete point"].click(); assert "no point selected" in ed.status.value
    ed.buttons["mirror"].click(); assert "no current line" in ed.status.value
    image_click(ed, 10, 10); ed.buttons["resample"].click(); assert "needs 2" in ed.status.value
    assert "not yet valid" in ed.status.value


def test_delete_and_resample_keep_indices_consistent(ed):
    for p in [(50, 50), (100, 60), (150, 50), (200, 60)]: image_click(ed, *p)
    ed.line_name.value = "b"; ed.buttons["new line"].click()
    for p in [(50, 300), (300, 300)]: image_click(ed, *p)
    point_click(ed, 1); ed.buttons["delete point"].click()
    t = ed.template
    assert t.lines[0].points == [0, 1, 2] and t.line("b").points == [3, 4]
    np.testing.assert_allclose(t.points[1], norm(ed, 150, 50), atol=1e-6)
    point_click(ed, 3); ed.buttons["deselect"].click()  # b is current
    ed.k_resample.value = 5; ed.buttons["resample"].click()
    t = ed.template.validate()
    assert len(t.line("b").points) == 5 and t.n_points == 8
    np.testing.assert_allclose(np.diff(t.points[t.line("b").points][:, 0]), (norm(ed, 300, 0)[0] - norm(ed, 50, 0)[0]) / 4, atol=1e-5)


def test_state_undo_restores_every_step():
    s = EditorState()
    snaps = []
    for p in [(-0.5, 0), (0, 0.2), (0.3, 0.1)]: s.add_point(p); snaps.append(s.template.to_dict() if s.template.n_points > 1 else None)
    s.mirror_line(); s.cross_springs(1); s.set_stiffness(2)
    for _ in range(3): assert s.undo()
    assert s.template.to_dict() == snaps[-1]
    while s.undo(): pass
    assert s.template.n_points == 0 and not s.undo()


@pytest.mark.parametrize("kind", ["name", "path", "dict", "template"])
def test_editor_opens_any_template_source(kind, tmp_path):
    foot = get_template("foot")
    src = {"name": "foot", "path": foot.save(tmp_path / "foot.json"), "dict": foot.to_dict(), "template": foot}[kind]
    ed = TemplateEditor(np.zeros((64, 64, 3), np.uint8), template=src)
    assert ed.template.to_dict() == foot.to_dict() and ed.template is not foot
    assert ed.state.current == len(foot.lines) - 1 and ed.status.value.endswith("· valid")
