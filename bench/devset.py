"""A semi-real development set for genlm: real photographic faces, animated, painted at source resolution.

Run with the separate venv that has MediaPipe (see bench/DEVSET.md):

    .venv-dev/bin/python bench/devset.py --out runs/devset [--marked 300 --unmarked 300 --test 150 --video 150]
                                         [--size 256] [--seed 0] [--colors single|template]
                                         [--painter lines|brush]

Writes the `genlm synth` layout (marked/, unmarked/, test/ PNGs, video.mp4, gt.npz) plus paint_truth.npz (the true
paint alpha of every marked frame, and `visible`: how much the paint changes the frame, the largest channel difference from
the same frame unpainted after lighting and blur, before noise and JPEG; `shown`: the same in the frame as written, against its
unpainted twin given the same noise and JPEG quality), meta.json (sources, identities, settings) and pictures to look at
(stills_check.png: the detector's landmarks mapped onto the template on each still; montage.png; montage_gt.png).
Ground truth: MediaPipe FaceMesh (the model ships in the mediapipe wheel), run once per still, mapped to the 72 points of
genlm's face template; every frame's landmarks go through the same geometric warp as its pixels.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from genlm.metrics import nme, normalizer  # noqa: E402
from genlm.template import get_template, to_pixels  # noqa: E402

from devset_sources import fetch  # noqa: E402

cv2.setNumThreads(1)
TEMPLATE = "face"
BLUE = (26, 64, 242)  # the template's blue (brows: 0.1, 0.25, 0.95)

# ---------------------------------------------------------------- MediaPipe FaceMesh -> genlm's 72-point face template
# Index paths on MediaPipe's 468-point mesh (its "right" is the subject's right = image left; the template's "left_*"
# lines are at negative x = image left, so MediaPipe's RIGHT_* contours feed the template's left_* lines).
JAW = [234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454]
BROW_L = ([70, 63, 105, 66, 107], [46, 53, 52, 65, 55])  # image-left brow, outer -> inner: upper and lower edge
BROW_R = ([336, 296, 334, 293, 300], [285, 295, 282, 283, 276])  # image-right brow, inner -> outer
EYE_L = ([33, 246, 161, 160, 159, 158, 157, 173, 133], [133, 155, 154, 153, 145, 144, 163, 7, 33])  # outer->upper->inner->lower
EYE_R = ([263, 466, 388, 387, 386, 385, 384, 398, 362], [362, 382, 381, 380, 374, 373, 390, 249, 263])
NOSE_BRIDGE = [168, 6, 197, 195, 5, 4]
NOSE_BASE = [98, 97, 2, 326, 327]
LIPS_OUT = ([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291], [291, 375, 321, 405, 314, 17, 84, 181, 91, 146, 61])
LIPS_IN = ([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308], [308, 324, 318, 402, 317, 14, 87, 178, 88, 95, 78])


def _resample(path: np.ndarray, n: int) -> np.ndarray:
    "n points evenly spaced by arc length along an open polyline, both ends included."
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    s = np.concatenate([[0], np.cumsum(seg)])
    t = np.linspace(0, s[-1], n)
    return np.stack([np.interp(t, s, path[:, 0]), np.interp(t, s, path[:, 1])], 1)


def _closed(lm, upper, lower, n):
    "Closed contour of n points: corner A, n/2-1 along the upper path, corner B, n/2-1 along the lower path."
    k = n // 2
    u, l = _resample(lm[upper], k + 1), _resample(lm[lower], k + 1)
    return np.concatenate([u[:k], l[:k]])


def mesh_to_template(lm: np.ndarray) -> np.ndarray:
    "(468, 2) FaceMesh points (pixels) -> (72, 2) in the order of genlm's face template."
    brow = lambda b: _resample((lm[b[0]] + lm[b[1]]) / 2, 5)  # noqa: E731  (the brow's mid-line)
    return np.concatenate([_resample(lm[JAW], 17), brow(BROW_L), brow(BROW_R), _closed(lm, *EYE_L, 8),
                           _closed(lm, *EYE_R, 8), _resample(lm[NOSE_BRIDGE], 4), _resample(lm[NOSE_BASE], 5),
                           _closed(lm, *LIPS_OUT, 12), _closed(lm, *LIPS_IN, 8)]).astype(np.float32)


def detect(stills: list[np.ndarray]) -> list[np.ndarray | None]:
    "MediaPipe FaceMesh (legacy solution, model inside the wheel), once per still; (468, 2) pixel-centre coordinates."
    import mediapipe as mp
    out = []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False,
                                         min_detection_confidence=0.3) as fm:
        for im in stills:
            h, w = im.shape[:2]
            up = max(1, int(np.ceil(320 / max(h, w))))  # small crops: upsampled for the detector only
            x = cv2.resize(im, (w * up, h * up), interpolation=cv2.INTER_CUBIC) if up > 1 else im
            r = fm.process(np.ascontiguousarray(x))
            if not r.multi_face_landmarks: out.append(None); continue
            p = np.array([(q.x, q.y) for q in r.multi_face_landmarks[0].landmark], np.float64)
            out.append((p * [w, h] - 0.5).astype(np.float32))
    return out


# ---------------------------------------------------------------- geometry
def similarity_fit(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    "3x3 least-squares similarity (Umeyama) mapping src -> dst."
    ms, md = src.mean(0), dst.mean(0)
    a, b = src - ms, dst - md
    u, s, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt))
    r = u @ np.diag([1, d]) @ vt
    sc = (s * [1, d]).sum() / (a ** 2).sum()
    m = np.eye(3)
    m[:2, :2], m[:2, 2] = sc * r, md - sc * r @ ms
    return m


def _h(m, p):
    q = np.c_[p, np.ones(len(p))] @ m.T
    return q[:, :2] / q[:, 2:3]


def _bilinear(f: np.ndarray, p: np.ndarray) -> np.ndarray:
    "Sample an (H, W, C) field at (n, 2) pixel positions."
    h, w = f.shape[:2]
    x, y = np.clip(p[:, 0], 0, w - 1.001), np.clip(p[:, 1], 0, h - 1.001)
    x0, y0 = x.astype(int), y.astype(int)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    return ((1 - fx) * (1 - fy) * f[y0, x0] + fx * (1 - fy) * f[y0, x0 + 1] + (1 - fx) * fy * f[y0 + 1, x0]
            + fx * fy * f[y0 + 1, x0 + 1])


def _smooth_track(rng, n, lo, hi, amp):
    "A smooth random 1-D track of n frames: a random offset in [lo, hi] plus two slow sinusoids, clipped to [lo, hi]."
    t = np.arange(n)
    v = np.full(n, rng.uniform(lo, hi))
    for _ in range(2):
        v += amp * rng.uniform(0.3, 1) * np.sin(2 * np.pi * t / rng.uniform(30, 120) + rng.uniform(0, 2 * np.pi))
    return np.clip(v, lo, hi)


class Still:
    def __init__(self, row, img, lm72, canvas):
        self.row, self.lm72 = row, lm72
        # downscale big sources (INTER_AREA) so the face is at most ~1.2x its size on the canvas
        target = to_pixels(get_template(TEMPLATE).points, (canvas, canvas))
        f = similarity_fit(lm72, target)
        scale = np.sqrt(abs(np.linalg.det(f[:2, :2])))
        self.pre = 1.0
        if scale < 1 / 1.2:
            self.pre = scale * 1.2
            img = cv2.resize(img, (round(img.shape[1] * self.pre), round(img.shape[0] * self.pre)),
                             interpolation=cv2.INTER_AREA)
            lm72 = (lm72 + 0.5) * self.pre - 0.5
        self.img, self.pts = img, lm72
        self.align = similarity_fit(lm72, target)  # still -> canvas, face placed as the template expects
        self.iod = float(np.linalg.norm(lm72[27] - lm72[35]))


def animate(still: Still, n: int, canvas: int, size: int, rng: np.random.Generator, paint: dict | None,
            distract: float, colors: str = "single"):
    "n frames of smooth random motion of one still, made at canvas resolution, written at `size`: frames (uint8 RGB),\n    landmarks (n, 72, 2) in canvas pixels, (paint alpha, paint contrast) at `size` (uint8, None when unpainted)."
    c = canvas
    rot = np.deg2rad(_smooth_track(rng, n, -15, 15, 4))
    lsc = _smooth_track(rng, n, np.log(0.87), np.log(1.15), 0.04)
    tx, ty = (_smooth_track(rng, n, -0.06 * c, 0.06 * c, 0.02 * c) for _ in range(2))
    gx, gy = (_smooth_track(rng, n, -0.05, 0.05, 0.02) for _ in range(2))
    # smooth non-rigid field: two coarse 4x4 random fields (sigma ~0.8% of the canvas), blended over the clip
    fields = [cv2.resize(rng.normal(0, 0.008 * c, (4, 4, 2)).astype(np.float32), (c, c), interpolation=cv2.INTER_CUBIC)
              for _ in range(2)]
    blend = 0.5 - 0.5 * np.cos(np.pi * np.linspace(0, 1, n) * rng.uniform(0.3, 1) + rng.uniform(0, np.pi))
    # lighting, smooth over the clip
    gain = _smooth_track(rng, n, 0.7, 1.25, 0.08)
    gamma = _smooth_track(rng, n, 0.8, 1.25, 0.05)
    grad = _smooth_track(rng, n, 0, 0.35, 0.08)
    gang = _smooth_track(rng, n, -np.pi, np.pi, 0.5)
    wb = rng.uniform(0.9, 1.1, 3)
    yy, xx = np.mgrid[0:c, 0:c].astype(np.float32)
    grid = np.stack([xx.ravel(), yy.ravel()], 1)
    n01 = lambda v: v / (c / 2) - 1  # noqa: E731
    frames, pts, alphas = [], [], []
    for i in range(n):
        cs, sn, s = np.cos(rot[i]), np.sin(rot[i]), np.exp(lsc[i])
        ctr = np.array([[1, 0, c / 2 - 0.5], [0, 1, c / 2 - 0.5], [0, 0, 1]])
        sim = np.array([[s * cs, -s * sn, tx[i]], [s * sn, s * cs, ty[i]], [0, 0, 1]])
        nrm = np.array([[2 / c, 0, 0], [0, 2 / c, 0], [0, 0, 1]])
        persp = np.linalg.inv(nrm) @ np.array([[1, 0, 0], [0, 1, 0], [gx[i], gy[i], 1]]) @ nrm
        m = ctr @ persp @ sim @ np.linalg.inv(ctr) @ still.align  # still -> canvas (before the non-rigid field)
        d = (1 - blend[i]) * fields[0] + blend[i] * fields[1]  # canvas displacement field (C, C, 2)
        # pixels: canvas p shows the still at m^-1 (p - d(p)); landmarks: p = m s + d(p), solved by fixed point
        src = _h(np.linalg.inv(m), grid - d.reshape(-1, 2)).astype(np.float32).reshape(c, c, 2)
        img = cv2.remap(still.img, src[..., 0], src[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        h0, w0 = still.img.shape[:2]
        out = (src[..., 0] < -0.5) | (src[..., 0] > w0 - 0.5) | (src[..., 1] < -0.5) | (src[..., 1] > h0 - 0.5)
        if out.any():  # beyond the still: its mirror image, blurred beyond recognition (no mirrored eyes at the edge)
            far = cv2.resize(cv2.GaussianBlur(cv2.resize(img, (c // 8, c // 8), interpolation=cv2.INTER_AREA), (0, 0), 2),
                             (c, c), interpolation=cv2.INTER_LINEAR)
            soft = cv2.GaussianBlur(out.astype(np.float32), (0, 0), 3)[..., None]
            img = (img * (1 - soft) + far * soft).astype(np.uint8)
        q0 = _h(m, still.pts)
        q = q0.copy()
        for _ in range(6): q = q0 + _bilinear(d, q)
        img = img.astype(np.float32) / 255
        if rng.random() < distract:
            line_colors = [ln.color for ln in get_template(TEMPLATE).lines]
            dc = (_paint_color(rng) if colors == "single" else
                  _paint_color(rng, np.array(line_colors[rng.integers(len(line_colors))]) * 255))
            img = _distractor(img, q, rng, dc)
        a, bare = None, img  # bare: the same frame unpainted, to measure what of the paint shows (no rng drawn for it)
        if paint is not None:
            a, img = paint["draw"](img, q, rng, paint, c)
        # lighting: gain, gamma, white balance, a directional gradient
        g = 1 + grad[i] * (n01(xx) * np.cos(gang[i]) + n01(yy) * np.sin(gang[i])) / 1.4
        light = lambda x: np.clip(np.clip(x, 0, 1) ** gamma[i] * gain[i] * wb * g[..., None], 0, 1)  # noqa: E731
        img, bare = light(img), light(bare)
        # blur: mostly mild gaussian, sometimes stronger, sometimes motion blur
        r = rng.random()
        sig = rng.uniform(0, 1.0) if r < 0.75 else rng.uniform(1.0, 2.2)
        if sig > 0.3: img, bare = (cv2.GaussianBlur(x, (0, 0), sig) for x in (img, bare))
        if rng.random() < 0.1:
            k = np.zeros((9, 9), np.float32); ln = rng.integers(3, 8); ang = rng.uniform(0, np.pi)
            cv2.line(k, (int(4 - ln / 2 * np.cos(ang)), int(4 - ln / 2 * np.sin(ang))),
                     (int(4 + ln / 2 * np.cos(ang)), int(4 + ln / 2 * np.sin(ang))), 1.0, 1, cv2.LINE_AA)
            img, bare = (cv2.filter2D(x, -1, k / k.sum()) for x in (img, bare))
        twin = copy.deepcopy(rng) if a is not None else None  # the unpainted twin gets the same noise and JPEG; the main stream is untouched
        frames.append(finish(img, size, rng)); pts.append(q)
        if a is None: alphas.append(None); continue
        u8 = lambda x: np.clip(cv2.resize(x, (size, size), interpolation=cv2.INTER_AREA) * 255 + 0.5, 0, 255).astype(np.uint8)  # noqa: E731
        shown = np.abs(frames[-1].astype(np.int16) - finish(bare, size, twin).astype(np.int16)).max(-1).astype(np.uint8)
        alphas.append((u8(a), u8(np.abs(img - bare).max(-1)), shown))  # alpha, contrast before and after noise and JPEG
    return frames, np.array(pts, np.float32), alphas


def _painter(name: str):
    "The painter: `lines` (this script's anti-aliased polylines) or `brush` (bench/paint_brush.py, written apart from it)."
    if name == "lines": return _paint
    from paint_brush import paint as brush
    lines = get_template(TEMPLATE).lines
    return lambda img, q, rng, paint, c: brush(img, q, rng, paint, c, lines)


def _paint_color(rng, base=BLUE):
    return np.clip(np.array(base, np.float32) * rng.uniform(0.85, 1.1) + rng.normal(0, 12, 3), 0, 255) / 255


def _paint(img, q, rng, paint, c):
    "Thin anti-aliased polylines through the (warped) true landmarks, drawn on the canvas; returns alpha, image."
    t = get_template(TEMPLATE)
    k = c / 512  # widths are given at 512-px source scale
    w0 = rng.uniform(1.0, 3.0) * k
    op = rng.uniform(0.8, 1.0)
    fc = paint["color"] + rng.normal(0, 0.025, 3)  # per-frame jitter around the clip's colour
    alpha = np.zeros((c, c), np.float32)
    col = np.zeros((c, c, 3), np.float32)
    for ln in t.lines:
        if rng.random() < 0.03: continue  # a line not painted at all
        color = (np.clip(fc, 0, 1) if paint["mode"] == "single" else _paint_color(rng, np.array(ln.color) * 255))
        p = q[ln.points]
        idx = list(range(len(p))) + ([0] if ln.closed else [])
        vo = np.where(rng.random(len(p)) < 0.12, rng.uniform(0.1, 0.5, len(p)), 1.0)  # faded vertices
        w = w0 * rng.uniform(0.8, 1.25)
        for a, b in zip(idx[:-1], idx[1:]):
            if rng.random() < 0.05: continue  # a missing segment
            _segment(alpha, col, p[a], p[b], w, op * vo[a], op * vo[b], color)
    lum = cv2.GaussianBlur(img.mean(2), (0, 0), 3)
    shade = np.clip(0.8 + 0.4 * lum, 0.6, 1.2)[..., None]  # paint sits on the skin: darker in shadow
    out = img * (1 - alpha[..., None]) + col * shade * alpha[..., None]
    return alpha, out


def _segment(alpha, col, a, b, w, oa, ob, color):
    "Max-composite one anti-aliased segment of width w (pixels), opacity oa -> ob along it, into alpha/col."
    h, wd = alpha.shape
    r = w / 2 + 1.5
    x0, x1 = int(max(0, np.floor(min(a[0], b[0]) - r))), int(min(wd, np.ceil(max(a[0], b[0]) + r) + 1))
    y0, y1 = int(max(0, np.floor(min(a[1], b[1]) - r))), int(min(h, np.ceil(max(a[1], b[1]) + r) + 1))
    if x0 >= x1 or y0 >= y1: return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    ab = b - a
    L2 = float(ab @ ab) or 1e-6
    u = np.clip(((xx - a[0]) * ab[0] + (yy - a[1]) * ab[1]) / L2, 0, 1)
    dist = np.hypot(xx - a[0] - u * ab[0], yy - a[1] - u * ab[1])
    s = np.clip(w / 2 + 0.5 - dist, 0, 1) * (oa + (ob - oa) * u)
    sub = alpha[y0:y1, x0:x1]
    m = s > sub
    sub[m] = s[m]
    col[y0:y1, x0:x1][m] = color


def _face_mask(q, c):
    "The face (landmark hull extended up to the forehead), dilated: where distractors may not go."
    iod = np.linalg.norm(q[27] - q[35])
    up = q[17:27] + np.array([0, -0.6 * iod])
    hull = cv2.convexHull(np.concatenate([q, up]).astype(np.float32)).astype(np.int32)
    m = np.zeros((c, c), np.uint8)
    cv2.fillConvexPoly(m, hull, 1)
    return cv2.dilate(m, np.ones((3, 3), np.uint8), iterations=max(1, int(0.08 * c)))


def _distractor(img, q, rng, color):
    "Clothing or a background patch of the paint's colour, textured by the image's own shading, off the face."
    c = img.shape[0]
    m = np.zeros((c, c), np.float32)
    if rng.random() < 0.5:  # clothing: a band from the bottom edge up to a wavy line below the chin
        top = min(c - 4, q[:17, 1].max() + rng.uniform(0.0, 0.15) * c)
        x = np.arange(c)
        edge = top + 0.03 * c * np.sin(2 * np.pi * x / rng.uniform(0.5, 1.5) / c + rng.uniform(0, 6))
        m[np.arange(c)[:, None] > edge[None, :]] = 1
    else:  # a background blob
        ctr = rng.choice([0.12, 0.88], 2) * c + rng.normal(0, 0.05 * c, 2)
        ax = rng.uniform(0.06, 0.16, 2) * c
        cv2.ellipse(m, (int(ctr[0]), int(ctr[1])), (int(ax[0]), int(ax[1])), rng.uniform(0, 180), 0, 360, 1, -1,
                    cv2.LINE_AA)
    m *= 1 - _face_mask(q, c)
    m = cv2.GaussianBlur(m, (0, 0), 1.0) * rng.uniform(0.85, 1.0)
    tex = img.mean(2, keepdims=True)
    tex = np.clip(0.6 + 0.8 * (tex - tex.mean()), 0.4, 1.3)
    return img * (1 - m[..., None]) + (color * tex) * m[..., None]


def finish(img: np.ndarray, size: int, rng) -> np.ndarray:
    "Canvas float RGB -> size x size uint8: area resize, sensor noise, JPEG round trip."
    x = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    x = x + rng.normal(0, rng.uniform(0, 5) / 255, x.shape).astype(np.float32)
    x = np.clip(x * 255 + 0.5, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(x, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 96))])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _to_frame(q, canvas, size):
    return (q + 0.5) * (size / canvas) - 0.5


def make_set(stills, n, clip, canvas, size, seed, tag, paint_mode=None, distract=0.15, ident_order=None,
             colors="single", painter="lines"):
    "n frames in clips of smooth motion; identities round-robin so that each appears (clip may be a list of lengths)."
    k, draw = len(stills), _painter(painter)
    lens = list(clip) if isinstance(clip, (list, tuple)) else [clip] * int(np.ceil(n / clip))
    order = ident_order if ident_order is not None else np.random.default_rng([seed, tag, 999]).permutation(k)
    imgs, pts, alphas, ids, clips = [], [], [], [], []
    done, ci = 0, 0
    while done < n:
        L = min(lens[ci % len(lens)], n - done)
        sid = int(order[ci % len(order)])
        rng = np.random.default_rng([seed, tag, ci])
        paint = None
        if paint_mode: paint = dict(mode=paint_mode, color=_paint_color(rng), draw=draw)
        f, p, a = animate(stills[sid], L, canvas, size, rng, paint, distract, colors)
        imgs += f
        alphas += [x for x in a if x is not None]
        pts.append(_to_frame(p, canvas, size)); ids += [sid] * L; clips += [ci] * L
        done += L; ci += 1
    return imgs, np.concatenate(pts).astype(np.float32), alphas, np.array(ids), np.array(clips)


def _write_pngs(folder: Path, imgs):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"): old.unlink()
    for i, x in enumerate(imgs): cv2.imwrite(str(folder / f"{i:06d}.png"), cv2.cvtColor(x, cv2.COLOR_RGB2BGR))


def _write_video(path: Path, frames, fps: int = 25):
    "H.264 (yuv420p) with PyAV, as genlm synth writes it."
    import av
    with av.open(str(path), "w") as f:
        st = f.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt, st.options = frames[0].shape[1], frames[0].shape[0], "yuv420p", {"crf": "16"}
        for a in frames:
            for pkt in st.encode(av.VideoFrame.from_ndarray(a, format="rgb24")): f.mux(pkt)
        for pkt in st.encode(): f.mux(pkt)


def _draw_lines(img, pts, scale=1.0, colors=True, r=1):
    t = get_template(TEMPLATE)
    x = img.copy()
    for ln in t.lines:
        col = tuple(int(v * 255) for v in ln.color) if colors else (0, 255, 0)
        p = np.round(pts[ln.points] * scale * 4).astype(np.int32)
        cv2.polylines(x, [p], ln.closed, col, 1, cv2.LINE_AA, shift=2)
    for p in pts * scale: cv2.circle(x, (int(round(p[0])), int(round(p[1]))), r, (255, 255, 0), -1, cv2.LINE_AA)
    return x


def check_picture(stills, path: Path, tile=256):
    "Each still with its mapped 72 points and the template's lines (template colours), for looking at."
    tiles = []
    for s in stills:
        h, w = s.img.shape[:2]
        k = tile / max(h, w)
        im = cv2.resize(s.img, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
        im = _draw_lines(im, s.pts + 0.5, k)
        t = np.full((tile + 14, tile, 3), 255, np.uint8)
        t[:im.shape[0], :im.shape[1]] = im
        cv2.putText(t, s.row["id"], (2, tile + 11), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(t)
    _grid(tiles, path, 6)


def _grid(tiles, path, cols):
    while len(tiles) % cols: tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/devset", help="folder to write (default runs/devset)")
    ap.add_argument("--marked", type=int, default=300, help="painted frames (default 300)")
    ap.add_argument("--unmarked", type=int, default=300, help="unpainted frames, other animations (default 300)")
    ap.add_argument("--test", type=int, default=150, help="unpainted test frames: one smooth clip per identity (150)")
    ap.add_argument("--video", type=int, default=150, help="frames of an unpainted video.mp4 of one identity (0: none)")
    ap.add_argument("--size", type=int, default=256, help="frame size (default 256)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--colors", choices=["single", "template"], default="single",
                    help="paint: one blue for every line (default) or each line in its template colour")
    ap.add_argument("--painter", choices=["lines", "brush"], default="lines",
                    help="who draws the paint: this script's polylines (default) or bench/paint_brush.py's brush strokes")
    ap.add_argument("--clip", type=int, default=10, help="frames per clip of smooth motion in marked/unmarked (10)")
    ap.add_argument("--distract", type=float, default=0.15, help="share of frames with paint-coloured clothing/background")
    ap.add_argument("--cache", default="runs/devset_src", help="where the source packages' stills are kept")
    a = ap.parse_args(argv)
    if a.video and a.size % 2: ap.error("a video needs an even --size")
    t0 = time.perf_counter()
    out, size = Path(a.out), a.size
    canvas = max(512, 2 * size)  # paint is drawn here, before any resize (1-3 px at 512-px scale)
    out.mkdir(parents=True, exist_ok=True)
    t = get_template(TEMPLATE)

    print("sources:")
    rows = fetch(Path(a.cache))
    imgs = {}
    stills_raw = []
    for r in rows:
        if r["file"] not in imgs: imgs[r["file"]] = cv2.cvtColor(cv2.imread(r["file"], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        im = imgs[r["file"]]
        if r["box"]:
            h, w = im.shape[:2]
            x0, y0, x1, y1 = r["box"]
            im = im[round(y0 * h):round(y1 * h), round(x0 * w):round(x1 * w)]
        stills_raw.append(np.ascontiguousarray(im))
    lm_cache = Path(a.cache) / "facemesh.npz"
    cached = dict(np.load(lm_cache)) if lm_cache.exists() else {}
    key = lambda r: f"{r['id']}:{r['sha256'][:16]}:{r['box']}"  # noqa: E731
    todo = [i for i, r in enumerate(rows) if key(r) not in cached]
    if todo:
        for i, lm in zip(todo, detect([stills_raw[i] for i in todo])):
            if lm is not None: cached[key(rows[i])] = lm
        np.savez(lm_cache, **cached)
    stills = []
    for r, im in zip(rows, stills_raw):
        lm = cached.get(key(r))
        if lm is None: print(f"  ! {r['id']}: MediaPipe found no face; dropped"); continue
        p = mesh_to_template(lm)
        if p[27, 0] > p[35, 0] or p[0, 0] > p[16, 0]: print(f"  ! {r['id']}: left/right look swapped; dropped"); continue
        r = dict(r, still_hw=list(im.shape[:2]), iod_px=round(float(np.linalg.norm(p[27] - p[35])), 1))
        stills.append(Still(r, im, p, canvas))
    k = len(stills)
    for s in stills:
        print(f"  {s.row['id']:12} {s.row['package']:12} {s.row['member']}  still {s.row['still_hw'][1]}x"
              f"{s.row['still_hw'][0]}, inter-ocular {s.row['iod_px']:.0f} px")
    if k < 8: print(f"  ! only {k} identities (fewer than 8)")
    check_picture(stills, out / "stills_check.png")

    # test clips: one clip per identity (lengths as equal as n allows), each a smooth motion
    tl = [a.test // k + (1 if i < a.test % k else 0) for i in range(k)]
    tl = [x for x in tl if x > 0]
    sets = {}
    sets["marked"] = make_set(stills, a.marked, min(a.clip, max(1, a.marked // k)), canvas, size, a.seed, 1,
                              paint_mode=a.colors, distract=a.distract, colors=a.colors, painter=a.painter)
    sets["unmarked"] = make_set(stills, a.unmarked, min(a.clip, max(1, a.unmarked // k)), canvas, size, a.seed, 2,
                                distract=a.distract, colors=a.colors)
    sets["test"] = make_set(stills, a.test, tl, canvas, size, a.seed, 3, distract=a.distract,
                              colors=a.colors) if a.test else None
    gt = {"template": np.array(TEMPLATE), "size": np.array(size), "identities": np.array([s.row["id"] for s in stills])}
    for name in ("marked", "unmarked", "test"):
        im, pts, alphas, ids, clips = sets[name] if sets[name] else ([], np.zeros((0, 72, 2), np.float32), [], [], [])
        _write_pngs(out / name, im)
        gt[name] = pts
        gt[f"{name}_norm"] = normalizer(pts, t).astype(np.float32) if len(pts) else np.zeros(0, np.float32)
        gt[f"{name}_identity"] = np.asarray(ids, np.int16)
        gt[f"{name}_clip"] = np.asarray(clips, np.int16)
        if name == "marked":
            np.savez_compressed(out / "paint_truth.npz", alpha=np.array([x[0] for x in alphas], np.uint8),
                                visible=np.array([x[1] for x in alphas], np.uint8), shown=np.array([x[2] for x in alphas], np.uint8))
    if a.video:
        vid = max(range(k), key=lambda i: stills[i].row["iod_px"])  # the largest face in its source
        im, pts, _, ids, _ = make_set(stills, a.video, a.video, canvas, size, a.seed, 4, distract=0.0, ident_order=[vid])
        _write_video(out / "video.mp4", im)
        gt["video"], gt["video_norm"] = pts, normalizer(pts, t).astype(np.float32)
        gt["video_identity"] = np.asarray(ids, np.int16)
    elif (out / "video.mp4").exists():
        (out / "video.mp4").unlink()
    np.savez(out / "gt.npz", **gt)

    # the undeformed template, placed as genlm places it, against the ground truth
    base = to_pixels(t.points, (size, size)).astype(np.float32)
    scores = {}
    for name in ("marked", "unmarked", "test", "video"):
        if name in gt and len(gt[name]):
            scores[name] = nme(np.broadcast_to(base, gt[name].shape), gt[name], gt[f"{name}_norm"])[0]
    # pictures
    tiles = []
    rng = np.random.default_rng(a.seed)
    for name in ("marked", "unmarked", "test"):
        if sets[name]:
            for i in np.sort(rng.choice(len(sets[name][0]), min(8, len(sets[name][0])), replace=False)):
                tiles.append(sets[name][0][i])
    _grid(list(tiles), out / "montage.png", 8)
    if sets["test"]:
        tiles = [_draw_lines(sets["test"][0][i], sets["test"][1][i], colors=False, r=1)
                 for i in range(0, len(sets["test"][0]), max(1, len(sets["test"][0]) // 16))][:16]
        _grid(tiles, out / "montage_gt.png", 8)
    dt = time.perf_counter() - t0
    alpha = np.load(out / "paint_truth.npz")["alpha"]
    meta = dict(args=vars(a), canvas=canvas, identities=[s.row for s in stills], detector="mediapipe FaceMesh "
                "(legacy solution, static_image_mode, model inside the mediapipe wheel), once per still",
                counts={n: int(len(gt[n])) for n in ("marked", "unmarked", "test", "video") if n in gt},
                template_nme=scores, paint_coverage=float((alpha > 127).mean()) if len(alpha) else 0.0,
                seconds=round(dt, 1))
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    print(f"wrote {out}: " + ", ".join(f"{n} {c}" for n, c in meta["counts"].items()) + f" frames of {size}²"
          f" ({k} identities, paint: {a.colors}); paint_truth.npz, gt.npz, meta.json, stills_check.png, montage.png")
    print("template NME (undeformed, inter-ocular): " + ", ".join(f"{n} {v:.3f}" for n, v in scores.items()))
    print(f"paint: {100 * meta['paint_coverage']:.2f}% of marked pixels (alpha > 0.5); built in {dt:.0f} s")


if __name__ == "__main__":
    main()
