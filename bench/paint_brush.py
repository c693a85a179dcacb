"""A hand-made face-paint painter: thin brush strokes along the template's lines, for testing the paint finder.

Each line becomes one to three brush strokes along a centripetal Catmull-Rom curve through its landmarks, with
hand tremor, over/undershoot at open ends, pressure-varying tapered width (1-3 px at 512), streaky drying paint,
faint stretches, short gaps, the odd skipped or doubled line, and a pigment that partly covers and partly
multiplies the skin. Anti-aliased analytically (exact distance to the stroke, box-filtered across it).
Written independently of bench/devset.py's painter (only its interface was known), to check that genlm
does not merely recognise that painter's drawing style.

    python bench/paint_brush.py     # demo: /tmp/paint_brush_demo.png and a few figures
"""
from __future__ import annotations

import numpy as np
import cv2
from scipy.ndimage import gaussian_filter1d
from scipy.spatial import cKDTree

DS = 0.35  # spacing of the dense centreline samples, px
P_SKIP, P_TWICE = 0.03, 0.06  # chance per line of no paint at all, of a second pass with an offset


def _smooth_noise(rng: np.random.Generator, n: int, corr: float, periodic: bool = False) -> np.ndarray:
    "Unit-std 1-D noise of `n` samples, correlated over about `corr` samples."
    pad = 0 if periodic else int(3 * corr) + 1
    x = gaussian_filter1d(rng.standard_normal(n + 2 * pad), max(corr, 0.5), mode="wrap" if periodic else "reflect")
    x = x[pad:pad + n]
    return (x - x.mean()) / (x.std() + 1e-8)


def _catmull_rom(p: np.ndarray, closed: bool) -> np.ndarray:
    "Dense centripetal Catmull-Rom curve through the points `p` (M, 2); a loop is not closed twice."
    p = np.asarray(p, np.float64)
    if len(p) == 2 and not closed:
        p = np.stack([p[0], (p[0] + p[1]) / 2, p[1]])
    m = len(p)
    ext = np.concatenate([p[-1:], p, p[:2]]) if closed else np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    out = []
    for i in range(m if closed else m - 1):
        p0, p1, p2, p3 = ext[i:i + 4]
        t1 = np.linalg.norm(p1 - p0) ** 0.5 + 1e-6
        t2 = t1 + np.linalg.norm(p2 - p1) ** 0.5 + 1e-6
        t3 = t2 + np.linalg.norm(p3 - p2) ** 0.5 + 1e-6
        t = np.linspace(t1, t2, max(4, int(np.ceil(np.linalg.norm(p2 - p1) / 0.3))), endpoint=False)[:, None]
        a1 = (t1 - t) / t1 * p0 + t / t1 * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / t2 * a1 + t / t2 * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        out.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    if not closed: out.append(p[-1:])
    return np.concatenate(out)


def _arclength(d: np.ndarray, closed: bool) -> np.ndarray:
    "Cumulative arc length of the dense path (with the closing step appended for a loop)."
    v = np.concatenate([d, d[:1]]) if closed else d
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(v, axis=0), axis=1))])


def _sample(d: np.ndarray, s: np.ndarray, at: np.ndarray, closed: bool) -> np.ndarray:
    "Points of the dense path `d` (arc lengths `s`) at arc lengths `at` (wrapping round a loop)."
    v = np.concatenate([d, d[:1]]) if closed else d
    per = s[-1] if closed else None
    return np.stack([np.interp(at, s, v[:, 0], period=per), np.interp(at, s, v[:, 1], period=per)], 1)


def _extend_ends(d: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float, float]:
    "An open path with its ends over- or undershot by a few px; returns it and the arc range to paint."
    s = _arclength(d, False)
    ends = []
    for _ in range(2):
        u = rng.random()
        ends.append(rng.uniform(1.5, 5.0) if u < 0.2 else -rng.uniform(1.0, 3.5) if u < 0.35 else rng.uniform(-0.7, 1.2))
    e0, e1 = ends
    k0 = max(0.0, e0)
    t0 = d[min(len(d) - 1, np.searchsorted(s, 3.0))] - d[0]
    t1 = d[-1] - d[max(0, np.searchsorted(s, s[-1] - 3.0) - 1)]
    t0, t1 = t0 / (np.linalg.norm(t0) + 1e-9), t1 / (np.linalg.norm(t1) + 1e-9)
    pre = d[0] - t0 * np.arange(np.ceil(k0 / DS), 0, -1)[:, None] * DS
    post = d[-1] + t1 * np.arange(1, np.ceil(max(0.0, e1) / DS) + 1)[:, None] * DS
    dd = np.concatenate([pre, d, post])
    total = _arclength(dd, False)[-1]
    a, b = len(pre) * DS - e0, total - len(post) * DS + e1
    if b - a < 4.0: a, b = 0.0, total
    return dd, max(0.0, a), min(total, b)


def _stroke_ranges(length: float, closed: bool, rng: np.random.Generator, a: float, b: float) -> list[tuple[float, float]]:
    "Arc-length ranges of the brush strokes that paint one line, overlapping a little at the joins."
    if closed:
        start = rng.uniform(0, length)
        if rng.random() < 0.25 or length < 40:
            return [(start, start + length + rng.uniform(1.5, 6.0))]
        mid = start + length * rng.uniform(0.4, 0.6)
        return [(start - rng.uniform(0, 2), mid + rng.uniform(1, 3)), (mid - rng.uniform(1, 3), start + length + rng.uniform(0.5, 3))]
    span = b - a
    n = int(min(3, 1 + rng.poisson(span / 260.0)))
    cuts = a + span * np.sort(np.clip(np.arange(1, n) / n + rng.uniform(-0.08, 0.08, n - 1), 0.15, 0.85))
    lo, hi = [a, *cuts], [*cuts, b]
    return [(l - (rng.uniform(0.5, 3) if i else 0.0), h + (rng.uniform(0.5, 3) if i < n - 1 else 0.0)) for i, (l, h) in enumerate(zip(lo, hi))]


def _width_profile(n: int, w: float, rng: np.random.Generator) -> np.ndarray:
    "Width (px) along a stroke of `n` samples: pressure wobble and tapered start and end."
    s = np.arange(n) * DS
    prof = w * (1 + rng.uniform(0.08, 0.2) * _smooth_noise(rng, n, rng.uniform(15, 45) / DS))
    lin, lout = rng.uniform(2.5, 9.0), rng.uniform(3.5, 13.0)
    ramp = lambda x: np.clip(x, 0, 1) ** 2 * (3 - 2 * np.clip(x, 0, 1))  # smoothstep
    f0, f1 = rng.uniform(0.3, 0.6), rng.uniform(0.15, 0.45)  # width at the very start and end, as a share
    taper = (f0 + (1 - f0) * ramp(s / lin)) * (f1 + (1 - f1) * ramp((s[-1] - s) / lout))
    return np.clip(prof * taper, 0.35, 4.5)


def _opacity_profile(n: int, base: float, rng: np.random.Generator) -> np.ndarray:
    "Paint opacity along a stroke: drying brush, blotchy load, faint stretches and short gaps."
    s = np.arange(n) * DS
    length = s[-1]
    dry = 1 - rng.uniform(0.0, 0.35) * (s / max(length, 1.0)) ** rng.uniform(0.7, 2.0)
    o = base * dry * (1 + rng.uniform(0.05, 0.12) * _smooth_noise(rng, n, rng.uniform(4, 15) / DS))
    ramp = lambda x, r: np.clip(x / r, 0, 1)
    for _ in range(rng.poisson(length / 320.0 + 0.1)):  # faint stretch
        c, half, r = rng.uniform(0, length), rng.uniform(4, 20), rng.uniform(1.5, 4)
        k = ramp(np.abs(s - c) - half, r)
        o *= k + (1 - k) * rng.uniform(0.2, 0.5)
    for _ in range(rng.poisson(length / 380.0 + 0.12)):  # brush lifted or ran dry
        c, half = rng.uniform(0.1 * length, 0.9 * length), rng.uniform(1.0, 3.5)
        o *= ramp(np.abs(s - c) - half, rng.uniform(0.6, 1.5))
    return np.clip(o, 0, 1)


def _render_stroke(pts: np.ndarray, width: np.ndarray, opac: np.ndarray, rng: np.random.Generator, c: int):
    "Pixels (flat indices) touched by a stroke and their paint alpha: exact distance, box-filtered, streaky texture."
    wmax = float(width.max())
    r = int(np.ceil(wmax / 2 + 2))
    x0, y0 = np.floor(pts.min(0)).astype(int) - r
    x1, y1 = np.ceil(pts.max(0)).astype(int) + r + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, c), min(y1, c)
    if x1 <= x0 or y1 <= y0: return np.zeros(0, np.int64), np.zeros(0, np.float32)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    poly = np.round((pts - [x0, y0]) * 16).astype(np.int32)[None]
    cv2.polylines(mask, poly, False, 1, thickness=int(np.ceil(wmax + 3)), lineType=cv2.LINE_8, shift=4)
    ys, xs = np.nonzero(mask)
    pix = np.stack([xs + x0, ys + y0], 1).astype(np.float64)
    n = len(pts)
    _, j = cKDTree(pts).query(pix)
    best_d, best_f, best_v = np.full(len(pix), np.inf), np.zeros(len(pix)), np.zeros(len(pix))
    for a_i in (np.maximum(j - 1, 0), j):  # the two segments meeting at the nearest sample
        b_i = np.minimum(a_i + 1, n - 1)
        seg = pts[b_i] - pts[a_i]
        ll = (seg ** 2).sum(1) + 1e-12
        rel = pix - pts[a_i]
        t = np.clip((rel * seg).sum(1) / ll, 0, 1)
        diff = rel - t[:, None] * seg
        d = np.linalg.norm(diff, axis=1)
        v = (seg[:, 0] * rel[:, 1] - seg[:, 1] * rel[:, 0]) / np.sqrt(ll)
        better = d < best_d
        best_d[better], best_f[better], best_v[better] = d[better], (a_i + t)[better], v[better]
    idx = np.arange(n)
    w = np.interp(best_f, idx, width)
    cover = np.clip(np.minimum(best_d + 0.5, w / 2) - np.maximum(best_d - 0.5, -w / 2), 0, 1)
    u = np.clip(best_v / (w / 2 + 1e-6), -1, 1)  # position across the stroke
    drag = np.interp(best_f, idx, np.cumsum(rng.normal(0, 0.12, n)))  # bristle streaks drifting along the stroke
    streak = 0.5 + 0.5 * np.sin(np.pi * rng.uniform(1.5, 3.5) * u + rng.uniform(0, 2 * np.pi) + drag)
    dryness = np.interp(best_f, idx, np.clip(0.5 + 0.5 * _smooth_noise(rng, n, 20 / DS), 0, 1))
    tex = 1 - rng.uniform(0.2, 0.45) * dryness * streak
    tex *= 0.9 + 0.1 * u ** 2  # pigment collects at the edges as it dries
    grain = 1 + 0.07 * rng.standard_normal(len(pix))
    a = np.clip(cover * np.interp(best_f, idx, opac) * tex * grain, 0, 1)
    keep = a > 0
    return ((ys + y0) * c + xs + x0)[keep].astype(np.int64), a[keep].astype(np.float32)


def _jitter(col, rng: np.random.Generator, amount: float = 0.1) -> np.ndarray:
    "A colour with each channel scaled by ±`amount` and nudged a little."
    return np.clip(np.asarray(col, np.float64) * (1 + rng.uniform(-amount, amount, 3)) + rng.uniform(-0.02, 0.02, 3), 0, 1)


def paint(img: np.ndarray, q: np.ndarray, rng: np.random.Generator, paint: dict, c: int, lines: list) -> tuple[np.ndarray, np.ndarray]:
    """Paint the template's lines onto one canvas frame; returns (alpha, painted image)."""
    out = np.array(img, np.float32, copy=True).reshape(-1, 3)
    keep = np.ones(c * c, np.float32)  # product of (1 - stroke alpha)
    q = np.asarray(q, np.float64)
    frame_j = 1 + rng.uniform(-0.1, 0.1, 3)  # per-frame colour jitter
    single = _jitter(np.asarray(paint["color"]) * frame_j, rng, 0.0)
    frame_w = rng.uniform(1.0, 3.0)
    frame_op = rng.uniform(0.72, 0.95)
    body = rng.uniform(0.45, 0.8)  # share of the pigment that covers; the rest filters (multiplies) the skin
    for line in lines:
        if rng.random() < P_SKIP: continue
        col = _jitter(np.asarray(line.color) * frame_j, rng, 0.07) if paint["mode"] == "template" else single
        dense = _catmull_rom(q[line.points], line.closed)
        if line.closed: a, b = 0.0, _arclength(dense, True)[-1]
        else: dense, a, b = _extend_ends(dense, rng)
        s = _arclength(dense, line.closed)
        if s[-1] < 2.0: continue
        lw = frame_w * rng.uniform(0.85, 1.15)
        passes = [0.0] + ([rng.uniform(0.6, 1.5) * rng.choice([-1, 1])] if rng.random() < P_TWICE else [])
        for k, off in enumerate(passes):
            for lo, hi in _stroke_ranges(s[-1], line.closed, rng, a, b):
                at = np.arange(lo, hi, DS)
                if len(at) < 4: continue
                pts = _sample(dense, s, at, line.closed)
                tan = np.gradient(pts, axis=0)
                nrm = np.stack([-tan[:, 1], tan[:, 0]], 1) / (np.linalg.norm(tan, axis=1, keepdims=True) + 1e-9)
                tremor = np.clip(rng.uniform(0.15, 0.4) * _smooth_noise(rng, len(pts), rng.uniform(12, 35) / DS), -1, 1)
                pts = pts + nrm * (tremor + off)[:, None] + (rng.normal(0, 0.3, 2) if k else 0)
                width = _width_profile(len(pts), lw * (0.8 if k else 1.0), rng)
                opac = _opacity_profile(len(pts), frame_op * rng.uniform(0.9, 1.05) * (rng.uniform(0.4, 0.8) if k else 1.0), rng)
                flat, al = _render_stroke(pts, width, opac, rng, c)
                if not len(flat): continue
                sc = np.clip(col * (1 + rng.uniform(-0.02, 0.02, 3)), 0, 1).astype(np.float32)  # brush reloaded
                under = out[flat]
                pig = body * sc + (1 - body) * under * sc
                out[flat] = under + al[:, None] * (pig - under)
                keep[flat] *= 1 - al
    alpha = (1 - keep).reshape(c, c).astype(np.float32)
    return alpha, np.clip(out.reshape(c, c, 3), 0, 1)


def _demo_canvas(rng: np.random.Generator, c: int) -> np.ndarray:
    "A synthetic skin canvas: warm gradient, blotchy texture, dark hair band and a coloured patch."
    yy, xx = np.mgrid[0:c, 0:c] / c
    skin = np.array([0.78, 0.58, 0.47]) * rng.uniform(0.55, 1.1)
    img = skin * (0.85 + 0.25 * (1 - yy))[..., None]
    blot = cv2.GaussianBlur(rng.standard_normal((c, c)).astype(np.float32), (0, 0), 6)[..., None]
    img = img * (1 + 0.25 * blot) + 0.02 * rng.standard_normal((c, c, 1))
    hair = (yy < 0.25 + 0.06 * np.sin(xx * 9))[..., None]  # crosses the brows
    img = np.where(hair, np.array([0.12, 0.08, 0.06]) + 0.03 * rng.standard_normal((c, c, 3)), img)
    img[int(0.7 * c):int(0.85 * c), int(0.05 * c):int(0.2 * c)] = [0.2, 0.7, 0.3]
    return np.clip(img, 0, 1).astype(np.float32)


def _demo():
    "Paint synthetic canvases in both modes; save a contact sheet and print timing, coverage and width."
    import sys, time
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from genlm.template import get_template, to_pixels
    t = get_template("face")
    c, rng = 512, np.random.default_rng(0)
    blue = np.array([26, 64, 242]) / 255
    frames, times, share, widths, leak = [], [], [], [], 0.0
    for i in range(24):
        img = _demo_canvas(rng, c)
        ang, sc = rng.uniform(-0.15, 0.15), rng.uniform(0.75, 0.9)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        q = to_pixels((t.points - [0, 0.15]) @ rot.T * sc + rng.uniform(-0.05, 0.05, 2), (c, c))
        mode = "template" if i % 4 == 3 else "single"
        t0 = time.perf_counter()
        alpha, out = paint(img, q, rng, {"mode": mode, "color": blue}, c, t.lines)
        times.append(time.perf_counter() - t0)
        length = sum(np.linalg.norm(np.diff(q[l.points + l.points[:1]] if l.closed else q[l.points], axis=0), axis=1).sum() for l in t.lines)
        share.append((alpha >= 0.25).mean()); widths.append(((alpha >= 0.25).sum() / length, alpha.sum() / length))
        leak = max(leak, float(np.abs(out - img)[alpha == 0].max()))
        assert out.dtype == np.float32 and alpha.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
        if i < 4: frames.append((out, q, alpha))
    w = np.array(widths)
    print(f"time per frame {1000 * np.mean(times[1:]):.1f} ms (max {1000 * np.max(times[1:]):.1f} ms)")
    print(f"share of canvas with alpha >= 0.25: {np.mean(share):.4f}")
    print(f"mean stroke width from alpha: {w[:, 0].mean():.2f} px (area alpha>=0.25 / line length), {w[:, 1].mean():.2f} px (sum alpha / length)")
    print(f"max |painted - img| where alpha == 0: {leak}")
    tiles = [(f[0] * 255).astype(np.uint8) for f in frames]
    out, q, alpha = frames[0]
    eye = q[t.line("left_eye").points].mean(0).astype(int)
    for f, name in ((frames[0][0], "single"), (frames[3][0], "template")):
        x0, y0 = np.clip(eye - 64, 0, c - 128)
        crop = cv2.resize((f[y0:y0 + 128, x0:x0 + 128] * 255).astype(np.uint8), (c, c), interpolation=cv2.INTER_NEAREST)
        tiles.append(crop)
    sheet = np.concatenate([np.concatenate(tiles[:3], 1), np.concatenate(tiles[3:6], 1)], 0)
    cv2.imwrite("/tmp/paint_brush_demo.png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print("wrote /tmp/paint_brush_demo.png (top: 3 single-colour frames; bottom: a template-colour frame, 4x crops of an eye)")


if __name__ == "__main__":
    _demo()
