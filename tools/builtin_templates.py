"""Write the built-in templates (templates/*.json) from their parametric mean shapes.

Run after changing a shape: `python tools/builtin_templates.py`. The JSON files are what ships;
this script only records how they were made.
"""
from pathlib import Path

import numpy as np

from genlm.template import Line, Template

OUT = Path(__file__).resolve().parent.parent / "templates"
BLUE, GREEN, RED, ORANGE, MAGENTA, CYAN = (0.1, 0.25, 0.95), (0.1, 0.8, 0.2), (0.9, 0.1, 0.15), (1.0, 0.55, 0.0), (0.85, 0.1, 0.85), (0.0, 0.8, 0.85)


def ellipse(cx, cy, a, b, n, start=np.pi):
    t = start + np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + a * np.cos(t), cy + b * np.sin(t)], 1)


def arc(x0, x1, y, lift, n):
    x = np.linspace(x0, x1, n)
    u = np.linspace(-1, 1, n)
    return np.stack([x, y - lift * (1 - u ** 2)], 1)


def mirror(p):
    return p[::-1] * [-1, 1]


def build(name, parts, desc, anchors=None, cross=0):
    pts, lines = [], []
    for nm, p, closed, color, width in parts:
        lines.append(Line(nm, list(range(len(pts), len(pts) + len(p))), closed, color, width))
        pts.extend(np.asarray(p).tolist())
    pts = np.array(pts)
    m = pts * [-1, 1]
    d = np.linalg.norm(m[:, None] - pts[None], axis=-1)
    sym = sorted({tuple(sorted((i, int(np.argmin(d[i]))))) for i in range(len(pts)) if d[i].min() < 1e-6 and np.argmin(d[i]) != i})
    t = Template(name, pts, lines, None, 1.0, sym if name == "face" else [], {k: v for k, v in (anchors or {}).items()}, desc)
    if cross: t = t.add_cross_springs(cross)
    return t


def face():
    th = np.linspace(np.pi + 0.17, -0.17, 17)
    jaw = np.stack([0.62 * np.cos(th), 0.02 + 0.76 * np.sin(th)], 1)
    brow_l = arc(-0.50, -0.12, -0.40, 0.07, 5)
    eye_l = ellipse(-0.28, -0.20, 0.13, 0.055, 8)          # point 0: outer corner (x = -0.41)
    eye_r = ellipse(0.28, -0.20, 0.13, 0.055, 8, start=0)  # point 0: outer corner (x = 0.41)
    eye_r[:, 1] = eye_l[:, 1]                               # same up/down order so the two eyes mirror
    bridge = np.stack([np.zeros(4), np.linspace(-0.16, 0.10, 4)], 1)
    base = arc(-0.12, 0.12, 0.16, -0.05, 5)
    outer = ellipse(0, 0.43, 0.24, 0.10, 12)
    inner = ellipse(0, 0.43, 0.15, 0.028, 8)
    parts = [("jaw", jaw, False, ORANGE, 0.04), ("left_brow", brow_l, False, BLUE, 0.04),
             ("right_brow", mirror(brow_l), False, BLUE, 0.04), ("left_eye", eye_l, True, CYAN, 0.035),
             ("right_eye", eye_r, True, CYAN, 0.035), ("nose_bridge", bridge, False, GREEN, 0.04),
             ("nose_base", base, False, GREEN, 0.04), ("outer_lips", outer, True, RED, 0.04),
             ("inner_lips", inner, True, MAGENTA, 0.035)]
    return build("face", parts, "Frontal face, centred crop: jaw, brows, eyes, nose bridge and base, outer and inner lips.",
                 anchors={"left_eye_outer": 17 + 10, "right_eye_outer": 17 + 10 + 8})


def finger(base, angle_deg, length, n=8):
    a = np.deg2rad(angle_deg)
    d = np.array([np.sin(a), -np.cos(a)])
    return base + np.linspace(0, length, n)[:, None] * d


def hand():
    top, bottom, left, right = -0.05, 0.85, -0.40, 0.36
    th = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    palm = np.stack([(left + right) / 2 + (right - left) / 2 * np.sign(np.cos(th)) * np.abs(np.cos(th)) ** 0.6,
                     (top + bottom) / 2 + (bottom - top) / 2 * np.sign(np.sin(th)) * np.abs(np.sin(th)) ** 0.6], 1)
    fingers = [("little", (-0.30, 0.02), -14, 0.50), ("ring", (-0.10, -0.02), -5, 0.64),
               ("middle", (0.09, -0.03), 2, 0.70), ("index", (0.27, -0.01), 9, 0.62)]
    parts = [("palm", palm, True, BLUE, 0.04)]
    parts += [(nm, finger(np.array(b), a, L), False, c, 0.04) for (nm, b, a, L), c in zip(fingers, [GREEN, RED, ORANGE, MAGENTA])]
    parts.append(("thumb", finger(np.array([0.30, 0.50]), 48, 0.52), False, CYAN, 0.04))
    return build("hand", parts, "Right hand, palm towards the camera, fingers up: palm outline and each finger's centre line.",
                 anchors={"wrist": 5, "middle_tip": 20 + 8 * 2 + 7})


def smooth_loop(ctrl, n):
    "n points evenly spaced along a periodic spline through the control points."
    from scipy.interpolate import splev, splprep
    from genlm.template import resample_polyline
    c = np.asarray(ctrl, dtype=float)
    tck, _ = splprep([np.r_[c[:, 0], c[:1, 0]], np.r_[c[:, 1], c[:1, 1]]], s=0, per=True)
    dense = np.stack(splev(np.linspace(0, 1, 2000, endpoint=False), tck), 1)
    return resample_polyline(dense, n, closed=True)


def foot():
    ctrl = [(0.0, -0.40), (0.30, -0.32), (0.33, -0.15), (0.25, 0.12), (0.22, 0.38), (0.24, 0.62), (0.16, 0.84),
            (0.0, 0.91), (-0.17, 0.83), (-0.22, 0.55), (-0.28, 0.25), (-0.34, -0.05), (-0.37, -0.24), (-0.28, -0.36)]
    outline = smooth_loop(ctrl, 24)
    toes = [((0.19, -0.56), 0.10), ((0.01, -0.575), 0.065), ((-0.13, -0.535), 0.06), ((-0.25, -0.475), 0.052), ((-0.35, -0.40), 0.045)]
    parts = [("outline", outline, True, BLUE, 0.04)]
    parts += [(f"toe{k + 1}", ellipse(x, y, r, r * 1.2, 5, start=-np.pi / 2), True, c, 0.035)
              for k, ((x, y), r), c in zip(range(5), toes, [RED, ORANGE, GREEN, MAGENTA, CYAN])]
    arch = np.stack([0.17 - 0.07 * np.sin(np.linspace(0, np.pi, 6)), np.linspace(-0.10, 0.55, 6)], 1)
    parts.append(("arch", arch, False, GREEN, 0.035))
    heel = int(np.argmax(outline[:, 1]))
    return build("foot", parts, "Right foot, sole towards the camera, toes up: sole outline, five toes and the arch.",
                 anchors={"heel": heel, "big_toe": 24})


if __name__ == "__main__":
    for t in (face(), hand(), foot()):
        print(t.save(OUT / f"{t.name}.json"), t)
