"""The template editor without a browser: the state model's operations, and the handlers fed the events the canvas sends."""
import json

import numpy as np
import pytest

from genlm.editing import EditorState
from genlm.editor import PICK_PX, SHORTCUTS, TemplateEditor, click, display_size, drag, key_name
from genlm.template import Line, Template, from_pixels, get_template, to_pixels


@pytest.fixture
def ed(tmp_path):
    img = (np.random.default_rng(0).random((120, 160, 3)) * 255).astype(np.uint8)
    return TemplateEditor(img, path=tmp_path / "t.json", paint=False)  # the paint is checked in the notebook


def px(ed, i):
    "Point `i` of the editor's template in image pixels."
    return to_pixels(ed.template.points[i], ed.size)


def two_lines() -> EditorState:
    s = EditorState()
    for x in np.linspace(-0.9, 0.9, 7): s.add_point((x, 0.0))
    s.new_line("b")
    for x in np.linspace(-0.8, 0.8, 5): s.add_point((x, 0.4))
    return s


def cross(t: Template) -> dict:
    "Each extra (cross) spring → its length."
    lines = {tuple(sorted(p)) for l in t.lines for p in l.segments()}
    return {tuple(sorted(p)): float(d) for p, d in zip(t.springs.tolist(), t.rest_lengths()) if tuple(sorted(p)) not in lines}


# the state model

def test_drag_is_one_undo_step_and_a_still_press_is_none():
    s = two_lines(); before = s.template.points.copy(); n = len(s.undo_stack)
    s.begin_drag(3, at=(0.0, 0.01))  # pressed a little off the point: the point keeps that offset
    for to in [(0.05, 0.05), (0.1, 0.1), (0.2, 0.11)]: assert s.drag(to)
    assert not s.drag((5, 5))  # off the image: ignored
    assert s.end_drag() and s.dragging is None and s.selected == 3
    np.testing.assert_allclose(s.template.points[3], [0.2, 0.1], atol=1e-6)
    assert len(s.undo_stack) == n + 1
    s.undo(); np.testing.assert_array_equal(s.template.points, before)
    s.redo(); s.undo()
    s.begin_drag(4, at=s.template.points[4]); assert not s.end_drag()
    assert len(s.undo_stack) == n and s.redo_stack  # a press that moved nothing leaves undo and redo as they were


def test_insert_goes_between_the_nearest_neighbours():
    s = two_lines()
    i = s.insert_point((-0.45, 0.38), "b")  # between b's first two points
    assert i == 12 and s.template.line("b").points == [7, 12, 8, 9, 10, 11] and s.selected == 12
    assert {(7, 12), (8, 12)} <= set(map(tuple, s.template.springs.tolist())) and (7, 8) not in set(map(tuple, s.template.springs.tolist()))
    s.set_current(0)
    s.insert_point((-1.0, 0.0)); assert s.template.lines[0].points[0] == 13  # before an open line's first point
    s.template.validate()
    s.undo(); s.undo(); assert s.template.line("b").points == [7, 8, 9, 10, 11]


def test_delete_line_renumbers_springs_and_symmetry():
    s = two_lines(); s.cross_springs(1); s.set_current(0); s.mirror_line(axis=0.0, name="a_r")  # line0 is not symmetric: fine
    t0 = s.template
    s.set_current("b"); s.delete_line()
    t = s.template.validate()
    assert [l.name for l in t.lines] == ["line0", "a_r"] and t.n_points == 14
    assert t.line("a_r").points == list(range(7, 14)) and t.symmetry == [(k, 7 + k) for k in range(7)]
    assert (t.springs < 14).all() and not cross(t)  # the cross springs all went to b
    np.testing.assert_array_equal(t.points, np.concatenate([t0.points[:7], t0.points[12:]]))
    assert s.current == 1
    s.delete_line("a_r"); s.delete_line(); assert s.template.lines == [] and s.current is None
    s.undo(); s.undo(); s.undo(); assert s.template.to_dict() == t0.to_dict()


def test_an_existing_line_is_renamed_recoloured_widened_and_closed():
    s = two_lines()
    assert s.set_line("b", name="lip", color=(1, 0, 0), width=0.05, closed=True)
    l = s.template.line("lip")
    assert (l.color, l.width, l.closed) == ((1.0, 0.0, 0.0), 0.05, True)
    assert (7, 11) in set(map(tuple, s.template.springs.tolist()))  # closing the loop adds its spring
    assert not s.set_line("lip", width=0.05)  # nothing changes: no undo step
    for bad, msg in [(dict(name="line0"), "exists already"), (dict(width=0), "positive"), (dict(color=(2, 0, 0)), "color")]:
        with pytest.raises(ValueError, match=msg): s.set_line("lip", **bad)
    s.undo(); assert s.template.line("b").closed is False
    s.move_line(-1, "b"); assert [l.name for l in s.template.lines] == ["b", "line0"] and s.template.line("b").points == [7, 8, 9, 10, 11]


def test_resample_after_cross_springs_keeps_each_spring_on_its_neighbours():
    s = two_lines(); s.cross_springs(1)
    before = cross(s.template)
    s.resample_line(13, "line0")
    t = s.template.validate()
    after = cross(t)
    assert t.line("b").points == [7, 8, 9, 10, 11] and t.line("line0").points == list(range(7)) + list(range(12, 18))
    on_b = lambda c: sorted(j if j in range(7, 12) else i for i, j in c)
    assert on_b(after) == on_b(before)  # the same points of b are still tied to line0 ...
    assert max(after.values()) < 0.4 + 0.15 / 2 + 1e-6 and min(after.values()) >= 0.4 - 1e-6, (before, after)  # ... by springs about as long as before (0.4), never across the image
    s.resample_line(4, "line0"); assert max(cross(s.template.validate()).values()) < 0.4 + 0.6 / 2


def test_pick_radius_is_in_screen_pixels_so_zoom_narrows_it(ed):
    click(ed, 40, 40); click(ed, 44, 40)  # 4 image px apart
    scale = ed.hw[0] / ed.size[0]  # the fitted view: 3.2 screen px per image px
    assert ed.state.pick(from_pixels(np.float32([41.5, 40]), ed.size), ed.size, PICK_PX / scale) == 0
    assert ed.state.pick(from_pixels(np.float32([41.5, 40]), ed.size), ed.size, PICK_PX / (8 * scale)) is None
    click(ed, 42.5, 40, scale=8 * scale)  # zoomed in, a press between them adds a point ...
    assert ed.template.n_points == 3
    click(ed, 42.5, 40, scale=scale)  # ... at the fitted zoom it picks the nearest one
    assert ed.template.n_points == 3 and ed.state.selected == 2


def test_keyboard_shortcuts(ed):
    assert key_name("Z", ctrl=True, shift=True) == "ctrl+shift+z" and key_name("?", shift=True) == "?"
    assert {SHORTCUTS[k][0] for k in ("delete", "backspace", "escape", "ctrl+z", "ctrl+shift+z", "ctrl+y", "n", "]", "[")} == \
        {"delete_point", "deselect", "undo", "redo", "new_line", "next_line", "previous_line"}
    for x in (20, 60, 100): click(ed, x, 30)
    assert ed.key("n") == "new_line" and ed.state.current == 1
    click(ed, 20, 90); click(ed, 60, 90)
    assert ed.key("[") == "previous_line" and ed.state.current == 0 and ed.key("]") and ed.state.current == 1
    click(ed, 60, 30); assert ed.state.selected == 1 and ed.state.current == 1  # selecting does not switch the line
    ed.key("ArrowRight", shift=True); np.testing.assert_allclose(px(ed, 1), [70, 30], atol=1e-3)
    ed.key("ArrowUp"); np.testing.assert_allclose(px(ed, 1), [70, 29], atol=1e-3)
    assert ed.key("Delete") == "delete_point" and ed.template.n_points == 4 and ed.template.lines[0].points == [0, 1]
    assert ed.key("z", ctrl=True) == "undo" and ed.template.n_points == 5
    assert ed.key("Z", ctrl=True, shift=True) == "redo" and ed.template.n_points == 4
    click(ed, 20, 30); assert ed.key("Escape") == "deselect" and ed.state.selected is None
    assert ed.key("Delete", shift=True) == "delete_line" and [l.name for l in ed.template.lines] == ["line0"]
    assert ed.key("i") == "numbers" and ed.canvas.numbers
    assert ed.key("?") == "help" and ed.help.layout.display != "none" and "ctrl+z" in ed.help.value
    assert ed.key("q") is None


def test_drag_insert_rename_in_the_view(ed):
    for x in (20, 60, 100): click(ed, x, 30)
    drag(ed, (60, 30), (60, 50)); np.testing.assert_allclose(px(ed, 1), [60, 50], atol=1e-3)
    ed.buttons["undo"].click(); np.testing.assert_allclose(px(ed, 1), [60, 30], atol=1e-3)
    click(ed, 80, 33, shift=True); assert ed.template.lines[0].points == [0, 1, 3, 2]
    ed.line_name.value = "brow"; ed.color.value = "#00ff00"; ed.width.value = 0.05; ed.closed.value = True
    l = ed.template.lines[0]
    assert (l.name, l.color, l.width, l.closed) == ("brow", (0.0, 1.0, 0.0), 0.05, True)
    assert ed.lines.options[0][0] == "brow (4)" and ed.canvas.colors[0] == "#00ff00"
    ed.buttons["new line"].click(); assert ed.lines.value == 1 and ed.line_name.value == "line0"  # the next free name
    ed.lines.value = 0; assert ed.state.current == 0
    ed.buttons["delete line"].click(); assert [l.name for l in ed.template.lines] == ["line0"] and ed.template.n_points == 0


def test_author_mirror_save_says_where_and_reloads(ed, tmp_path):
    assert max(ed.hw) >= 512 and ed.hw == display_size((120, 160))
    brow = [(30, 30), (50, 25), (70, 28)]
    for p in brow: click(ed, *p)
    ed.buttons["new line"].click(); ed.line_name.value = "eye"; ed.closed.value = True
    eye = [(45, 60), (60, 58), (62, 72), (48, 75)]
    for p in eye: click(ed, *p)
    click(ed, 170, 10); click(ed, -3, 10)  # outside the image: ignored
    assert ed.template.n_points == 7
    ed.lines.value = 0; ed.buttons["mirror"].click()
    t = ed.template
    assert [l.name for l in t.lines] == ["line0", "eye", "line0_mirror"] and t.symmetry == [(0, 7), (1, 8), (2, 9)]
    ed.stiffness.value = 3.0; ed.k_cross.value = 1; ed.buttons["cross-springs"].click()
    ed.name.value = "my_face"
    ed.buttons["save"].click()
    path = tmp_path / "t.json"
    assert f"saved to {path.resolve()}" in ed.status.value
    back = get_template(path)
    assert back.to_dict() == ed.template.to_dict() and back.name == "my_face" and back.stiffness == 3.0
    assert json.loads(path.read_text())["symmetry"] == [[0, 7], [1, 8], [2, 9]]
    ed2 = TemplateEditor(ed.image, path=path); ed2.buttons["load"].click()
    assert ed2.template.to_dict() == back.to_dict() and "loaded" in ed2.status.value and ed2.name.value == "my_face"
    np.testing.assert_allclose(to_pixels(ed2.template.points[:3], ed.size), brow, atol=1e-3)


def test_save_asks_before_overwriting(ed, tmp_path):
    for p in [(10, 10), (100, 100)]: click(ed, *p)
    path = tmp_path / "t.json"; path.write_text("keep me")
    ed.buttons["save"].click()
    assert path.read_text() == "keep me" and "exists" in ed.status.value and "saved" not in ed.status.value
    assert ed.buttons["overwrite"].layout.display != "none"
    ed.buttons["overwrite"].click()
    assert get_template(path).n_points == 2 and ed.buttons["overwrite"].layout.display == "none" and "saved to" in ed.status.value


def test_errors_go_to_the_status_line(ed):
    ed.buttons["delete point"].click(); assert "no point selected" in ed.status.value
    ed.buttons["mirror"].click(); assert "no current line" in ed.status.value
    click(ed, 10, 10); ed.buttons["resample"].click(); assert "needs 2" in ed.status.value
    assert "not yet valid" in ed.status.value


def test_place_a_builtin_on_the_image():
    foot = get_template("foot")
    ed = TemplateEditor(np.zeros((90, 120, 3), np.uint8), template="foot", paint=False)  # the same loader as Learner's
    centre = lambda idx=slice(None): ed.template.points[idx].mean(0)
    ed.step.value = 0.1; ed.buttons["move right"].click(); ed.buttons["move down"].click()
    np.testing.assert_allclose(centre(), foot.points.mean(0) + [0.1, 0.1], atol=1e-5)
    ed.buttons["shrink"].click()
    np.testing.assert_allclose(np.ptp(ed.template.points, 0), np.ptp(foot.points, 0) / 1.05, rtol=1e-4)
    arch = foot.line("arch").points
    ed.lines.value = [l.name for l in foot.lines].index("arch"); ed.target.value = "line"
    c = centre(arch); ed.buttons["rotate +5°"].click(); ed.buttons["rotate +5°"].click()
    np.testing.assert_allclose(centre(arch), c, atol=1e-5)
    rest = [i for i in range(foot.n_points) if i not in arch]
    d0 = foot.points[arch] - foot.points[arch].mean(0); d1 = ed.template.points[arch] - c
    px_ = lambda d: d * [120, 90]  # the rotation is in pixel proportions
    p0, p1 = px_(d0), px_(d1)
    a = np.degrees(np.arctan2(p0[:, 0] * p1[:, 1] - p0[:, 1] * p1[:, 0], (p0 * p1).sum(1)))
    np.testing.assert_allclose(a, 10, atol=1e-3)
    np.testing.assert_allclose(ed.template.points[rest], (foot.points[rest] - foot.points.mean(0)) / 1.05 + foot.points.mean(0) + 0.1, atol=1e-5)
    ed.template.validate()
    for _ in range(5): ed.buttons["undo"].click()
    assert ed.template.to_dict() == foot.to_dict()


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


def test_full_resolution_image_goes_to_the_canvas():
    big = np.zeros((1500, 2250, 3), np.uint8)
    ed = TemplateEditor(big, size=900)
    assert ed.size == (1500, 2250) and ed.hw == (600, 900) and ed.canvas.size == [1500, 2250]
    assert ed.canvas.image.startswith("data:image/jpeg") and ed.canvas.view == [600, 900]
    click(ed, 1000.25, 700.5); np.testing.assert_allclose(ed.canvas.points[0], [1000.25, 700.5], atol=0.01)
