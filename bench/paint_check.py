"""Paint finding and the paint loss's minimum on the semi-real development set (issue 12, items 1 and 2).

    python bench/paint_check.py [--data runs/devset] [--size 64] [--frames 150] [--unmarked 150]

1. Recall / precision of today's `genlm.losses.paint_mask` (cfg defaults) against the true paint (`paint_truth.npz`),
   and of a threshold-free finder prototyped here: P(paint | colour) from marked-vs-unmarked colour histograms at
   source resolution, assigned to the template's colours, a thin-structure (top-hat) step against paint-coloured
   clothing/background, then resized to the training size (max-pool or area).
2. The loss-minimum check: the paint loss on marked frames at the ground truth, the undeformed template and
   perturbations of the ground truth; the fraction of frames on which the ground truth scores best.
Figures and rules: bench/PAINT.md.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from genlm.losses import paint_colors, paint_loss, paint_mask, point_segment_distance, sample_paint, segment_samples
from genlm.template import from_pixels, get_template

BLUE = (26 / 255, 64 / 255, 242 / 255)  # the devset's single paint colour (the template's brow blue)


# ---------------------------------------------------------------- data
def load_split(data: Path, split: str, n: int) -> np.ndarray:
    "First n frames of a split as uint8 (n, H, W, 3)."
    files = sorted((data / split).glob("*.png"))[:n]
    return np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])


def to_train(imgs: np.ndarray, size: int) -> torch.Tensor:
    "uint8 (n,H,W,3) → training frames (n,3,S,S) in [−1,1], resized as genlm.data.load_frames does (antialiased bilinear)."
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2)
    if x.shape[-1] != size:
        x = F.interpolate(x.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        x = x.round().clamp(0, 255)
    return x.float() / 127.5 - 1


def true_paint(alpha: np.ndarray, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Truth at the training size from the source alpha (n,H,W) uint8:
    strong = area-averaged alpha ≥ 0.25 (recall rule R); thin = max-pooled alpha ≥ 0.5 (recall rule R_thin);
    near = some source pixel with alpha ≥ 0.1 within 1 training pixel (precision rule)."""
    a = torch.from_numpy(alpha).float()[:, None] / 255
    k = a.shape[-1] // size
    strong = F.avg_pool2d(a, k) >= 0.25
    mx = F.max_pool2d(a, k)
    thin = mx >= 0.5
    near = F.max_pool2d((mx >= 0.1).float(), 3, 1, 1) > 0
    return strong[:, 0], thin[:, 0], near[:, 0]


def run_paint(run: Path, files: list[Path], refit_from: Path | None = None, reach: str = "spread", tta: int = 1) -> tuple["GenLM", torch.Tensor]:
    """A run's model (its best checkpoint) and its finder's paint maps on `files` at the run's size, (n, C, S, S) in [0, 1];
    `refit_from`: a data folder whose marked/ and unmarked/ fit the finder afresh, as a new run would;
    `reach`: "spread" (the library's `paint_maps`, at the run's `paint_scale` × its size), or a prototype: "block" (k×k max), "area" (k×k mean), "spread3" (3² max, then resize),
    "full" (the frame's own size); `tta` > 1: the finder averaged over that many symmetries (`Symmetric`)."""
    from genlm.config import read_best
    from genlm.data import paint_maps
    from genlm.model import GenLM
    from genlm.train import fit_finder, set_finder
    import finder_feats, finder_field, finder_lum
    finder_field.patch(run); finder_feats.patch(run); finder_lum.patch(run)  # prototype finders (bench/finder_*.py)
    ck = read_best(run)
    m = GenLM.from_checkpoint(ck).eval()
    if refit_from is not None: set_finder(m, fit_finder(refit_from / "marked", refit_from / "unmarked", m))
    finder = m.finder() if tta == 1 else Symmetric(m.finder(), tta)
    if reach == "spread": return m, paint_maps(files, ck.config.paint_size, finder)[1].float() / 255  # as the run trained
    return m, reach_maps(files, ck.config.size, finder, reach)[1].float() / 255


class Symmetric:
    "A paint finder averaged over `n` of the square's eight symmetries (flips and quarter turns), each undone on its map."
    def __init__(self, finder, n: int = 8): self.finder, self.n = finder, n

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        out = 0
        for k in range(self.n):
            turns, flip = (0, 0, 2, 2, 1, 1, 3, 3)[k], k % 2
            f = np.rot90(frame[:, ::-1] if flip else frame, turns)
            m = np.rot90(self.finder(np.ascontiguousarray(f)), -turns, axes=(1, 2))
            out = out + (m[:, :, ::-1] if flip else m)
        return np.ascontiguousarray(out / self.n)


def reach_maps(src, S: int, finder, reach: str = "area") -> tuple[list[str], torch.Tensor]:
    """`genlm.data.paint_maps` with another reach to the training size S (square frames): "block" (k×k max), "area" (k×k mean),
    "spread3" (3² max at full size, then resized), "full" (kept at k·S, the frame's own size);
    ids and (n, C, S, S) uint8 ((n, C, kS, kS) for "full")."""
    from genlm.data import iter_frames, to_square
    ids, out = [], []
    for fid, frame in iter_frames(src):
        p = torch.as_tensor(finder(frame)).reshape(-1, *frame.shape[:2]).float()
        k = max(1, round(min(frame.shape[:2]) / S))
        if reach == "spread3": p, k = F.max_pool2d(p[None], 3, 1, 1)[0], 1
        p = np.round(np.clip(p.numpy(), 0, 1) * 255).astype(np.uint8)
        p = torch.from_numpy(np.stack([to_square(c, k * S)[0] for c in p])).float()[None]
        pool = {"block": F.max_pool2d, "full": lambda x, k: x}.get(reach, F.avg_pool2d)
        ids.append(fid); out.append(pool(p, k)[0].round().byte())
    return ids, torch.stack(out)


def recall_precision(found: torch.Tensor, strong, thin, near) -> tuple[float, float, float]:
    "found (n,S,S) bool (any colour) → recall (rule R), recall (rule R_thin), precision (pooled over frames)."
    r = (found & strong).sum() / strong.sum().clamp_min(1)
    rt = (found & thin).sum() / thin.sum().clamp_min(1)
    p = (found & near).sum() / found.sum().clamp_min(1)
    return float(r), float(rt), float(p)


# ---------------------------------------------------------------- a threshold-free paint finder
BINS = 32  # colour histogram: 32³ RGB bins (8 levels each)


def colour_index(imgs: np.ndarray) -> np.ndarray:
    "uint8 (…,3) → histogram bin index (…)."
    q = (imgs >> 3).astype(np.int32)  # 256/32 = 8
    return (q[..., 0] * BINS + q[..., 1]) * BINS + q[..., 2]


def colour_hist(imgs: np.ndarray) -> np.ndarray:
    "Pixel counts per colour bin (BINS³,), float64."
    return np.bincount(colour_index(imgs).ravel(), minlength=BINS ** 3).astype(np.float64)


def _blur3(h: np.ndarray) -> np.ndarray:
    "A 3×3×3 box blur of a BINS³ histogram (neighbouring bins share counts: JPEG/shading noise)."
    v = torch.from_numpy(h.reshape(1, 1, BINS, BINS, BINS))
    return F.avg_pool3d(v, 3, 1, 1, count_include_pad=False).numpy().ravel()


def bin_centres() -> np.ndarray:
    g = (np.arange(BINS) + 0.5) * 8 / 255
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    return np.stack([r, gg, b], -1).reshape(-1, 3)


def paint_posterior(h_marked: np.ndarray, h_unmarked: np.ndarray, colors: np.ndarray, z: float = 3.0):
    """P(paint | colour bin) and the paint colour each bin belongs to, from the data alone, seeded at `colors`.

    Paint counts per bin are the marked counts in excess of the (rescaled) unmarked counts, kept where the excess is
    significant (z Poisson standard deviations: a statistical rule, not a colour tolerance):
    P = max(0, h_M − r·h_U − z·sqrt(h_M + r²·h_U)) / h_M.  Identity and lighting differences between the two sets
    also give excess bins (skin, hair), so only the bins connected in colour space (26-neighbourhood, P > ½) to a
    template colour's bin are kept; each goes to the colour whose region reaches it first (geodesic growth)."""
    r = h_marked.sum() / h_unmarked.sum()
    hm, hu = _blur3(h_marked) * 27, _blur3(h_unmarked) * 27  # smoothed counts (sum over the 3³ neighbourhood)
    excess = hm - r * hu - z * np.sqrt(hm + r * r * hu)
    post = np.where(hm > 0, np.clip(excess, 0, None) / np.maximum(hm, 1e-9), 0.0)
    ok = torch.from_numpy(post.reshape(BINS, BINS, BINS) > 0.5)
    tc = np.clip((np.asarray(colors, np.float64) * 255).astype(int) >> 3, 0, BINS - 1)
    lab = torch.full((BINS, BINS, BINS), -1, dtype=torch.long)
    for c, (i, j, k) in enumerate(tc):  # seed: the template colour's bin and its 5³ neighbourhood
        sl = tuple(slice(max(0, v - 2), v + 3) for v in (i, j, k))
        lab[sl] = torch.where(ok[sl] & (lab[sl] < 0), c, lab[sl])
    for _ in range(3 * BINS):  # geodesic growth inside the paint bins, first arrival wins
        grown = False
        for c in range(len(tc)):
            reach = F.max_pool3d((lab == c).float()[None, None], 3, 1, 1)[0, 0] > 0
            new = reach & ok & (lab < 0)
            if new.any(): lab[new] = c; grown = True
        if not grown: break
    lab = lab.numpy().ravel()
    post = np.where(lab >= 0, post, 0.0)
    return post.astype(np.float32), np.maximum(lab, 0)


def soft_paint(imgs: np.ndarray, post: np.ndarray, which: np.ndarray, n_colors: int) -> torch.Tensor:
    "Colour-histogram paint map per colour at source resolution (n, C, H, W): P(paint | colour) of each pixel."
    idx = torch.from_numpy(colour_index(imgs))
    p = torch.from_numpy(post)[idx]
    w = torch.from_numpy(which)[idx]
    return torch.stack([p * (w == c) for c in range(n_colors)], 1)


# The finder proposed here: histograms of the thin-structure residual, not of the colour.
RB, RLO, RHI = 32, -128.0, 128.0  # residual histogram: 32³ bins over [−128, 128) per RGB channel


def _pool(x: torch.Tensor, k: int, mx: bool) -> torch.Tensor:
    "Separable k×k max (or min) filter of (n,C,H,W)."
    s = 1 if mx else -1
    x = F.max_pool2d(s * x, (1, k), 1, (0, k // 2))
    return s * F.max_pool2d(x, (k, 1), 1, (k // 2, 0))


def residual(imgs: np.ndarray, k: int = 7, chunk: int = 32) -> torch.Tensor:
    """Frame minus its local background (n,3,H,W): background = mean of open∘close and close∘open by a k² square, which
    removes every structure thinner than k px (strokes) and keeps wide ones (skin, clothing, background patches)."""
    out = []
    for i in range(0, len(imgs), chunk):
        x = torch.from_numpy(imgs[i:i + chunk]).permute(0, 3, 1, 2).float()
        op = lambda v: _pool(_pool(v, k, False), k, True)  # noqa: E731
        cl = lambda v: _pool(_pool(v, k, True), k, False)  # noqa: E731
        out.append(x - (op(cl(x)) + cl(op(x))) / 2)
    return torch.cat(out)


def residual_index(D: torch.Tensor) -> torch.Tensor:
    q = ((D.clamp(RLO, RHI - 1e-3) - RLO) * RB / (RHI - RLO)).long()
    return (q[:, 0] * RB + q[:, 1]) * RB + q[:, 2]  # (n, H, W)


def residual_posterior(D_marked: torch.Tensor, D_unmarked: torch.Tensor, z: float = 3.0) -> torch.Tensor:
    """P(paint | residual bin) = max(0, h_M − r·h_U − z·sqrt(h_M + r²·h_U)) / h_M over the thin-structure residuals
    of marked (h_M) and unmarked (h_U) frames (3³-smoothed counts; r = pixel-count ratio; z: Poisson significance)."""
    h = lambda D: torch.bincount(residual_index(D).ravel(), minlength=RB ** 3).double()  # noqa: E731
    bl = lambda v: F.avg_pool3d(v.reshape(1, 1, RB, RB, RB), 3, 1, 1, count_include_pad=False).ravel() * 27  # noqa: E731
    hM, hU = h(D_marked), h(D_unmarked)
    r = hM.sum() / hU.sum()
    hm, hu = bl(hM), bl(hU)
    ex = hm - r * hu - z * (hm + r * r * hu).sqrt()
    return torch.where(hm > 0, ex.clamp_min(0) / hm.clamp_min(1e-9), torch.zeros_like(hm)).float()


def residual_paint(imgs: np.ndarray, D: torch.Tensor, post: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """Soft paint map per colour at source resolution (n,C,H,W): P(paint | residual) of each pixel, given to the
    template colour c whose direction from the local background (255·c − background) the residual points along."""
    p = post[residual_index(D)]  # (n, H, W)
    if len(colors) == 1: return p[:, None]
    bg = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() - D  # (n, 3, H, W)
    dirs = colors.float()[None, :, :, None, None] * 255 - bg[:, None]  # (n, C, 3, H, W)
    cos = (dirs * D[:, None]).sum(2) / (dirs.norm(dim=2) * D.norm(dim=1)[:, None]).clamp_min(1e-6)
    best = cos.argmax(1)  # (n, H, W)
    return torch.stack([p * (best == c) for c in range(len(colors))], 1)


def resize_map(maps: torch.Tensor, size: int, how: str) -> torch.Tensor:
    k = maps.shape[-1] // size
    return F.max_pool2d(maps, k) if how == "max" else F.avg_pool2d(maps, k)


def sample_soft(maps: torch.Tensor, k: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    "k paint pixels per image and colour drawn with probability ∝ weight (no replacement): (B,C,k,2), (B,C,k)."
    b, c, h, w = maps.shape
    flat = maps.reshape(b, c, h * w).clamp_min(0)
    u = torch.rand(flat.shape, generator=gen).clamp_min(1e-12)
    key = torch.where(flat > 0, u.log() / flat.clamp_min(1e-12), torch.full_like(flat, -1e9))  # Efraimidis–Spirakis
    top, idx = key.topk(min(k, h * w), -1)
    x = (idx % w).float().add(0.5).mul(2 / w).sub(1)
    y = (idx // w).float().add(0.5).mul(2 / h).sub(1)
    return torch.stack([x, y], -1), top > -1e8


def robust_paint_loss(points, segments, segment_color, paint, valid, per_segment=4, max_paint_distance=0.1,
                      max_line_distance=0.1):
    "paint_loss with the line → paint term truncated at `max_line_distance` too (missing paint stops pulling lines)."
    line_pts = segment_samples(points, segments, per_segment)
    line_col = segment_color.repeat_interleave(per_segment)
    a, b = points[:, segments[:, 0]], points[:, segments[:, 1]]
    total, count = points.new_zeros(points.shape[0]), points.new_zeros(points.shape[0])
    for c in range(paint.shape[1]):
        sel, ok = line_col == c, valid[:, c]
        has = ok.any(1).float()
        if not sel.any() or not has.any(): continue
        d = torch.cdist(line_pts[:, sel], paint[:, c]).masked_fill(~ok[:, None], 1e3)
        to_paint = d.amin(2).clamp_max(max_line_distance).mean(1)
        segc = segment_color == c
        ds = point_segment_distance(paint[:, c], a[:, segc], b[:, segc]).amin(2).clamp_max(max_paint_distance)
        to_lines = (ds * ok).sum(1) / ok.sum(1).clamp_min(1)
        total, count = total + (to_paint + to_lines) * has, count + has
    return total / count.clamp_min(1)


def weighted_paint_loss(points, segments, segment_color, maps, per_segment=4, max_paint_distance=0.1,
                        max_line_distance=0.1, top=1024):
    """Deterministic chamfer against a soft map (B,C,S,S), no sampling: line → paint = distance to the nearest pixel
    of weight ≥ ½, truncated at `max_line_distance`; paint → lines = the weight-averaged distance of every pixel
    (the `top` heaviest) to its colour's lines, capped at `max_paint_distance` (stray paint)."""
    b, c, h, w = maps.shape
    flat = maps.reshape(b, c, h * w)
    wt, idx = flat.topk(min(top, h * w), -1)  # (B, C, T)
    pos = torch.stack([(idx % w).float().add(0.5).mul(2 / w).sub(1), (idx // w).float().add(0.5).mul(2 / h).sub(1)], -1)
    line_pts = segment_samples(points, segments, per_segment)
    line_col = segment_color.repeat_interleave(per_segment)
    a, bb = points[:, segments[:, 0]], points[:, segments[:, 1]]
    total, count = points.new_zeros(points.shape[0]), points.new_zeros(points.shape[0])
    for ci in range(c):
        sel, strong = line_col == ci, wt[:, ci] >= 0.5
        has = strong.any(1).float()
        if not sel.any() or not has.any(): continue
        d = torch.cdist(line_pts[:, sel], pos[:, ci]).masked_fill(~strong[:, None], 1e3)
        to_paint = d.amin(2).clamp_max(max_line_distance).mean(1)
        segc = segment_color == ci
        ds = point_segment_distance(pos[:, ci], a[:, segc], bb[:, segc]).amin(2).clamp_max(max_paint_distance)
        to_lines = (ds * wt[:, ci]).sum(1) / wt[:, ci].sum(1).clamp_min(1e-6)
        total, count = total + (to_paint + to_lines) * has, count + has
    return total / count.clamp_min(1)


def per_frame_paint_loss(points, segments, segment_color, paint, valid):
    "genlm.losses.paint_loss for each item of the batch separately → (B,)."
    return torch.stack([paint_loss(points[i:i + 1], segments, segment_color, paint[i:i + 1], valid[i:i + 1])
                        for i in range(points.shape[0])])


def colour_split(maps: torch.Tensor, gt: np.ndarray, t, line_color: torch.Tensor, size: int) -> torch.Tensor:
    "One-channel map (n,1,S,S) → (n,C,S,S): each pixel given the colour of its nearest true line."
    segs = np.asarray(t.segments()); sl = torch.from_numpy(np.asarray(t.segment_lines()))
    yy, xx = np.mgrid[0:size, 0:size]
    pix = torch.from_numpy(np.stack([xx, yy], -1).reshape(1, -1, 2).astype(np.float32)).add(0.5).mul(2 / size).sub(1)
    C = int(line_color.max()) + 1
    out = torch.zeros(len(maps), C, size, size)
    for i in range(len(gt)):
        g = torch.from_numpy(gt[i])[None]
        want = line_color[sl][point_segment_distance(pix, g[:, segs[:, 0]], g[:, segs[:, 1]])[0].argmin(1)]
        for c in range(C): out[i, c] = maps[i, 0] * (want == c).reshape(size, size)
    return out


def colour_accuracy(found: torch.Tensor, gt: np.ndarray, t, line_color: torch.Tensor, size: int, near) -> float:
    "Share of found true paint pixels (found (n,C,S,S), near (n,S,S)) whose colour is that of the nearest true line."
    segs = np.asarray(t.segments()); sl = np.asarray(t.segment_lines())
    yy, xx = np.mgrid[0:size, 0:size]
    pix = torch.from_numpy(np.stack([xx, yy], -1).reshape(1, -1, 2).astype(np.float32)).add(0.5).mul(2 / size).sub(1)
    ok = tot = 0
    for i in range(len(gt)):
        g = torch.from_numpy(gt[i])[None]
        d = point_segment_distance(pix, g[:, segs[:, 0]], g[:, segs[:, 1]])[0]  # (S², segs)
        want = line_color[torch.from_numpy(sl)][d.argmin(1)].reshape(size, size)
        f = found[i] & near[i][None]  # (C, S, S)
        for c in range(found.shape[1]):
            ok += int((f[c] & (want == c)).sum()); tot += int(f[c].sum())
    return ok / max(tot, 1)


# ---------------------------------------------------------------- candidates for the loss-minimum check
def candidates(gt: np.ndarray, template: np.ndarray, lines: list, size: int, rng) -> tuple[list[str], np.ndarray]:
    "gt (N,2) normalised → names and (K,N,2): truth first, then the template and perturbations of the truth."
    names, out = ["truth", "template"], [gt, template]
    ctr = gt.mean(0)
    def sim(s=1.0, deg=0.0, t=(0, 0)):
        a = np.deg2rad(deg)
        R = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        return (gt - ctr) @ R.T + ctr + np.asarray(t)
    for s in (0.8, 0.9, 1.1):
        names.append(f"scale×{s}"); out.append(sim(s))
    names.append("shrunk×0.81"); out.append(sim(0.81))
    for d in (-5, 5):
        names.append(f"rot{d:+d}°"); out.append(sim(deg=d))
    for t in ((0.06, 0), (-0.06, 0), (0, 0.06), (0, -0.06)):  # 3% of the frame = 0.06 normalised units
        names.append(f"shift{t}"); out.append(sim(t=t))
    px = 2 / size  # one training pixel in normalised units
    for li, ln in enumerate(lines):
        for mag in (2, 4):
            ang = rng.uniform(0, 2 * np.pi)
            p = gt.copy(); p[ln.points] += mag * px * np.array([np.cos(ang), np.sin(ang)])
            names.append(f"{ln.name}+{mag}px"); out.append(p)
    return names, np.stack(out).astype(np.float32)


# ---------------------------------------------------------------- main
def run(data: Path, size: int, n: int, n_unmarked: int, seed: int = 0, k: int = 128) -> dict:
    torch.manual_seed(seed)
    t = get_template("face")
    single = "template" not in data.name
    line_colors = [BLUE] * len(t.lines) if single else [ln.color for ln in t.lines]
    colors, line_color = paint_colors(torch.tensor(line_colors))
    segments = torch.as_tensor(np.asarray(t.segments()), dtype=torch.long)
    segment_color = line_color[torch.as_tensor(np.asarray(t.segment_lines()), dtype=torch.long)]
    C = len(colors)

    t0 = time.time()
    M = load_split(data, "marked", n)
    U = load_split(data, "unmarked", n_unmarked)
    alpha = np.load(data / "paint_truth.npz")["alpha"][:n]
    gt = np.load(data / "gt.npz")
    src = M.shape[1]
    gt_M = from_pixels(gt["marked"][:n], (src, src)).astype(np.float32)
    load_s = time.time() - t0
    res = dict(data=str(data), size=size, n=len(M), n_unmarked=len(U), colors=C, rows=[], loss={})

    # --- 1. today's paint_mask at the training size
    strong, thin, near = true_paint(alpha, size)
    XM, XU = to_train(M, size), to_train(U, size)
    t0 = time.time()
    pm = paint_mask(XM, colors)  # (n, C, S, S), cfg defaults (tol 0.4, min_chroma 0.3, density 0.4 in 9²)
    pm_s = (time.time() - t0) / len(M)
    pmU = paint_mask(XU, colors)
    def row(name, found, foundU, ms):
        r, rt, p = recall_precision(found, strong, thin, near)
        cov_u = float(foundU.float().mean()) * 100  # % of unmarked pixels called paint (all wrong)
        frames_u = float((foundU.flatten(1).float().mean(1) > 0.002).float().mean()) * 100
        res["rows"].append(dict(finder=name, recall=r, recall_thin=rt, precision=p, unmarked_cov=cov_u,
                                unmarked_frames=frames_u, ms=ms))
    row("paint_mask (today)", pm.any(1), pmU.any(1), pm_s * 1e3)

    # --- 2. the threshold-free finder: histograms at source resolution
    t0 = time.time()
    post, which = paint_posterior(colour_hist(M), colour_hist(U), colors.numpy())
    fit_s = time.time() - t0
    t0 = time.time()
    sm, su = soft_paint(M, post, which, C), soft_paint(U, post, which, C)
    for how in ("max", "area"):
        row(f"colour histogram, {how}-pool", (resize_map(sm, size, how) > 0.5).any(1),
            (resize_map(su, size, how) > 0.5).any(1), float("nan"))
    t0 = time.time()
    DM, DU = residual(M), residual(U)
    rpost = residual_posterior(DM, DU)
    res["fit_s"] = time.time() - t0
    res["paint_bins"] = int((rpost > 0.5).sum())
    soft = {}
    t0 = time.time()
    sm = residual_paint(M, DM, rpost, colors)
    su = residual_paint(U, DU, rpost, colors)
    ms = (time.time() - t0) / (len(M) + len(U)) * 1e3 + res["fit_s"] / (len(M) + len(U)) * 1e3
    for how in ("max", "area"):
        a, b = resize_map(sm, size, how), resize_map(su, size, how)
        row(f"residual histogram, {how}-pool", (a > 0.5).any(1), (b > 0.5).any(1), ms)
        soft[how] = a
    if C > 1:  # colour assignment: found paint given the colour of the line it lies on (truth: nearest true line)
        res["colour_ok"] = colour_accuracy(soft["max"] > 0.5, gt_M, t, line_color, size, near)
    # --- 3. the loss-minimum check
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    tp = np.asarray(t.points, np.float32)
    names = None
    oracle = (torch.from_numpy(alpha).float()[:, None] / 255)
    soft["true"] = F.max_pool2d(oracle, src // size)  # true paint (max-pooled alpha), for reference
    if C > 1:  # the true paint in the colour of its nearest line
        soft["true"] = colour_split(soft["true"], gt_M, t, line_color, size)
    variants = {
        "(o) TRUE paint (max-pooled alpha), weighted, truncated — reference": ("true", weighted_paint_loss),
        "(a) paint_mask + paint_loss": ("mask", paint_loss),
        "(a') paint_mask + truncated line→paint": ("mask", robust_paint_loss),
        "(b) residual soft map (max-pool) + paint_loss": ("max", paint_loss),
        "(c) residual soft map (max-pool) + truncated line→paint": ("max", robust_paint_loss),
        "(d) residual soft map (max-pool), every pixel weighted, truncated line→paint": ("max", weighted_paint_loss),
    }
    scores = {v: [] for v in variants}
    for i in range(len(M)):
        nm, cand = candidates(gt_M[i], tp, t.lines, size, rng)
        names = nm
        P = torch.from_numpy(cand)
        for v, (src_map, fn) in variants.items():
            if fn is weighted_paint_loss:
                scores[v].append(fn(P, segments, segment_color, soft[src_map][i:i + 1].expand(len(P), -1, -1, -1)).numpy())
                continue
            if src_map == "mask":
                paint, valid = sample_paint(pm[i:i + 1], k, generator=gen)
            else:
                paint, valid = sample_soft(soft[src_map][i:i + 1], k, gen)
            paint, valid = paint.expand(len(P), -1, -1, -1), valid.expand(len(P), -1, -1)
            if fn is paint_loss: s = per_frame_paint_loss(P, segments, segment_color, paint, valid)
            else: s = fn(P, segments, segment_color, paint, valid)
            scores[v].append(s.numpy())
    # lines actually painted in each frame: ≥ half of their true points within 2 px of alpha ≥ 0.3 (source resolution)
    amax = F.max_pool2d(torch.from_numpy(alpha).float()[:, None] / 255, 5, 1, 2)[:, 0].numpy()
    gi = np.clip(np.round(gt["marked"][:n]).astype(int), 0, src - 1)
    on = amax[np.arange(len(M))[:, None], gi[..., 1], gi[..., 0]] >= 0.3  # (n, 72)
    painted = np.stack([on[:, ln.points].mean(1) >= 0.5 for ln in t.lines], 1)  # (n, lines)
    res["unpainted_line_frames"] = float((~painted).any(1).mean()) * 100
    drop = np.zeros((len(M), len(names)), bool)
    for j, nm in enumerate(names):
        for li, ln in enumerate(t.lines):
            if nm.startswith(ln.name + "+"): drop[:, j] = ~painted[:, li]
    for v in variants:
        S = np.stack(scores[v])  # (frames, candidates)
        Sp = np.where(drop, np.inf, S)
        glob = [j for j, nm in enumerate(names) if j > 0 and "px" not in nm]  # template + similarity perturbations
        global_ok = float((S[:, glob] > S[:, :1]).all(1).mean()) * 100
        painted_ok = float((Sp[:, 1:] > Sp[:, :1]).all(1).mean()) * 100
        ties_ok = float((S[:, 1:] >= S[:, :1]).all(1).mean()) * 100
        best = S.argmin(1)
        best[(S[:, 1:] <= S[:, :1]).any(1)] = np.argmin(np.where(np.arange(S.shape[1]) == 0, np.inf, S), 1)[
            (S[:, 1:] <= S[:, :1]).any(1)]  # a tie is no win for the truth
        wins = np.bincount(best, minlength=len(names))
        beats = [(names[j], int(wins[j])) for j in np.argsort(-wins) if j != 0 and wins[j] > 0][:3]
        res["loss"][v] = dict(truth_best=float((best == 0).mean()) * 100, truth_not_beaten=ties_ok, truth_best_painted=painted_ok, truth_best_global=global_ok, loss_truth=float(S[:, 0].mean()),
                              loss_template=float(S[:, 1].mean()),
                              loss_shrunk=float(S[:, names.index("shrunk×0.81")].mean()), beaten_by=beats,
                              # margin: how much lower the truth is than the best other candidate, median
                              margin=float(np.median(S[:, 1:].min(1) - S[:, 0])))
    res["load_s"] = load_s
    return res


def print_tables(r: dict) -> str:
    out = [f"\n### {r['data']} at {r['size']}² — {r['n']} marked / {r['n_unmarked']} unmarked frames, "
           f"{r['colors']} paint colour(s); residual histogram fit {r['fit_s']:.1f} s, {r['paint_bins']} residual bins with P > 0.5\n",
           "| finder | recall R | recall R_thin | precision | unmarked: % px called paint | unmarked: % frames > 0.2% px | ms/frame |",
           "|---|---|---|---|---|---|---|"]
    for x in r["rows"]:
        out.append(f"| {x['finder']} | {x['recall']:.3f} | {x['recall_thin']:.3f} | {x['precision']:.3f} | "
                   f"{x['unmarked_cov']:.3f} | {x['unmarked_frames']:.1f} | {x['ms']:.2f} |")
    out += ["", "| loss variant | truth strictly best (% frames) | no candidate lower (% frames) | strictly best, shifts of unpainted lines left out | beats template + similarity perturbations | loss at truth | at template | at truth×0.81 | median margin | most often beaten by |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for v, x in r["loss"].items():
        b = ", ".join(f"{n} ({c})" for n, c in x["beaten_by"]) or "—"
        out.append(f"| {v} | {x['truth_best']:.1f} | {x['truth_not_beaten']:.1f} | {x['truth_best_painted']:.1f} | {x['truth_best_global']:.1f} | {x['loss_truth']:.4f} | {x['loss_template']:.4f} | "
                   f"{x['loss_shrunk']:.4f} | {x['margin']:.4f} | {b} |")
    if "colour_ok" in r: out.insert(4 + len(r["rows"]), f"\nfound paint (residual, max-pool) given the right line colour: {r['colour_ok']:.3f}\n")
    out.append(f"\n{r['unpainted_line_frames']:.0f}% of frames have a line that is (mostly) not painted.")
    s = "\n".join(out)
    print(s, flush=True)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames", type=int, default=150, help="marked frames used (the histogram and the checks)")
    ap.add_argument("--unmarked", type=int, default=150, help="unmarked frames used (the histogram)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=128, help="paint pixels sampled per frame and colour (cfg.paint_k)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    print_tables(run(a.data, a.size, a.frames, a.unmarked, a.seed, a.k))
    print(f"\n({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
