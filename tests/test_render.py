"Behaviour of genlm.render: agreement with an independent dense reference, gradients, fitting, smoothness, errors, memory; PyTorch3D parity."
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from genlm.render import Renderer, render, torch_coverage, segment_graph, ramp
from genlm.template import Line, Template, get_template, to_pixels

try:
    import pytorch3d  # noqa: F401
    HAVE_P3D = True
except ImportError:
    HAVE_P3D = False
needs_p3d = pytest.mark.skipif(not HAVE_P3D, reason="PyTorch3D is not importable here: run tools/pytorch3d_env.sh")


def dense(points, size, t, width_scale=1.0, softness=0.75):
    "Independent reference: per line, the exact distance of every pixel to the polyline; smoothstep; union over lines."
    H, W = size
    p = (points.double() + 1) * torch.tensor([W / 2, H / 2]).double() - 0.5
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    alphas, cols = [], []
    for l in t.lines:
        idx = l.points + l.points[:1] if l.closed else l.points
        best = np.full((p.shape[0], H, W), np.inf)
        for i, j in zip(idx[:-1], idx[1:]):
            a, b = p[:, i].numpy(), p[:, j].numpy()
            d = b - a
            tt = np.clip(((xx[None] - a[:, 0, None, None]) * d[:, 0, None, None] + (yy[None] - a[:, 1, None, None]) * d[:, 1, None, None])
                         / (d ** 2).sum(-1)[:, None, None], 0, 1)
            dist = np.hypot(xx[None] - a[:, 0, None, None] - tt * d[:, 0, None, None], yy[None] - a[:, 1, None, None] - tt * d[:, 1, None, None])
            best = np.minimum(best, dist)
        half = l.width * width_scale * (H + W) / 8
        u = np.clip((half + softness - best) / (2 * softness), 0, 1)
        alphas.append(u * u * (3 - 2 * u)); cols.append(np.array(l.color) * 2 - 1)
    a = np.stack(alphas, 1)  # (B, L, H, W)
    alpha = 1 - np.prod(1 - a, 1, keepdims=True)
    col = np.einsum("blhw,lc->bchw", a, np.stack(cols)) / np.maximum(a.sum(1, keepdims=True), 1e-8)
    return torch.tensor(alpha), torch.tensor(col)


def zigzag():
    "Two lines that do not touch themselves: an open zigzag and a wide bar."
    return Template("zz", [[-0.8, -0.5], [-0.4, 0.1], [0.0, -0.3], [0.5, 0.2], [-0.6, 0.6], [0.7, 0.75]],
                    [Line("zig", [0, 1, 2, 3], color=(0.2, 0.4, 1.0), width=0.06), Line("bar", [4, 5], color=(1, 0, 0), width=0.12)])


@pytest.mark.parametrize("size", [(32, 32), (40, 56), (96, 72)])
@pytest.mark.parametrize("softness", [0.4, 1.3])
def test_matches_dense_reference(size, softness):
    t = zigzag()
    torch.manual_seed(size[0])
    pts = torch.tensor(t.points)[None].repeat(2, 1, 1).double() + torch.randn(2, 6, 2).double() * 0.05
    alpha, col = Renderer(t, softness=softness, width_scale=1.7).double().coverage(pts, size)
    ra, rc = dense(pts, size, t, 1.7, softness)
    assert torch.allclose(alpha, ra, atol=1e-6)
    assert torch.allclose(col * alpha, rc * ra, atol=1e-6)


def test_ramp_values():
    # 3u²−2u³ at u = (h + s − d) / 2s; h = 2.5, s = 1.5: d = 2.5 → u = .5; d = 3.25 → u = .25
    got = ramp(torch.tensor([0.0, 1.0, 2.5, 3.25, 4.0, 9.0]), 2.5, 1.5)
    assert torch.allclose(got, torch.tensor([1.0, 1.0, 0.5, 0.15625, 0.0, 0.0]))


def test_paint_compositing():
    t = zigzag()
    pts = torch.tensor(t.points)[None]
    img = torch.rand(1, 3, 48, 48) * 2 - 1
    R = Renderer(t)
    out = R(pts, img)
    alpha, col = R.coverage(pts, (48, 48))
    assert torch.allclose(out, img * (1 - alpha) + col * alpha)
    assert torch.equal(out[alpha.expand_as(out) == 0], img[alpha.expand_as(out) == 0])
    full = alpha[0, 0] > 0.999  # inside the bar the paint is the bar's colour
    assert full.sum() > 20 and torch.allclose(out[0, :, full].mean(1), torch.tensor([1.0, -1.0, -1.0]), atol=1e-3)
    assert torch.allclose(render(img, pts, t), out)


def test_gradcheck_float64():
    t = zigzag()
    R = Renderer(t, learn_paint=True, softness=0.8).double()
    p0 = (torch.tensor(t.points, dtype=torch.float64)[None] + 0.011).requires_grad_()
    img = torch.rand(1, 3, 10, 12, dtype=torch.float64) * 2 - 1
    f = lambda p, c, w, s: torch.func.functional_call(R, {"color": c, "log_width": w, "log_softness": s}, (p, img))
    assert torch.autograd.gradcheck(f, (p0, R.color * 0.8 + 0.1, R.log_width + 0.5, R.log_softness), atol=1e-6)


def test_learn_paint_parameters():
    R = Renderer(zigzag(), learn_paint=True)
    assert {n for n, _ in R.named_parameters()} == {"color", "log_width", "log_softness"}
    R(torch.tensor(zigzag().points)[None], torch.zeros(1, 3, 24, 24)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in R.parameters())
    assert list(Renderer(zigzag()).parameters()) == []


def _descend(R, true, start, steps=150, size=64):
    bg = -torch.ones(1, 3, size, size)
    with torch.no_grad(): target = R(true, bg)
    p = start.clone().requires_grad_()
    opt = torch.optim.Adam([p], lr=0.004)
    loss = lambda q: ((R(q, bg) - target) ** 2).mean()
    l0 = loss(p).item()
    for _ in range(steps):
        opt.zero_grad(); loss(p).backward(); opt.step()
    return ((p.detach() - true) * size / 2).norm(dim=-1), loss(p).item() / l0  # error in px, loss ratio


def test_descent_recovers_points():
    "Adam on the points alone, each shifted by up to 1.5 px, ends within 0.5 px of the target's points (64×64)."
    t = zigzag()  # every point is a corner or an end, so the rendering determines it
    true = torch.tensor(t.points)[None]
    g = torch.Generator().manual_seed(1)
    err, ratio = _descend(Renderer(t, width_scale=2.0), true, true + (torch.rand(true.shape, generator=g) * 2 - 1) * 1.5 / 2**0.5 / 32)
    assert err.max() < 0.5 and ratio < 1e-2, (err.max(), ratio)


def test_descent_recovers_face():
    "The face shifted by 1.5 px: the rendering is recovered and most points within 0.5 px (points inside straight runs,"
    " such as the nose bridge, may slide along their line without changing the image)."
    t = get_template("face")
    true = torch.tensor(t.points)[None]
    err, ratio = _descend(Renderer(t, width_scale=2.0), true, true + torch.tensor([1.2, -0.9]) / 32)
    assert ratio < 0.05 and err.median() < 0.5 and (err < 0.5).float().mean() > 0.75, (ratio, err.median())


def test_subpixel_motion_is_smooth():
    t = get_template("face")
    R = Renderer(t)
    pts = torch.tensor(t.points)[None]
    areas = torch.stack([R.coverage(pts + torch.tensor([s, -0.4 * s]) / 32, (64, 64))[0].sum() for s in torch.linspace(0, 2, 81)])
    steps = areas.diff().abs()
    assert steps.max() < 1e-3 * areas.mean(), steps.max()  # a pixel switching on would be ~1


def test_bad_input_names_the_argument():
    t = get_template("face")
    R = Renderer(t)
    pts, img = torch.tensor(t.points)[None], torch.zeros(1, 3, 32, 32)
    for bad, word in [(pts[0], "points"), (pts[:, :10], "points"), (pts.clone().fill_(float("nan")), "points"),
                      (pts[..., :1], "points")]:
        with pytest.raises(ValueError, match=word): R(bad, img)
    with pytest.raises(ValueError, match="N=10"): R(pts[:, :10], img)
    with pytest.raises(ValueError, match="image"): R(pts, img[:, :2])
    with pytest.raises(ValueError, match="image"): R(pts, img[0])
    with pytest.raises(ValueError, match="image"): R(pts, img.repeat(2, 1, 1, 1))
    with pytest.raises(ValueError, match="size"): R.coverage(pts, (32,))
    with pytest.raises(ValueError, match="backend"): Renderer(t, backend="gl")
    with pytest.raises(ValueError, match="softness"): Renderer(t, softness=0)


def test_memory_is_bounded():
    "Saved-for-backward bytes at B=2, N≈500, 256² stay far below the dense B×S×H×W distance tensor."
    t = get_template("face").resample(56)  # 504 points
    pts = torch.tensor(t.points)[None].repeat(2, 1, 1).requires_grad_()
    saved = []
    def pack(x): saved.append(x.numel() * x.element_size()); return x
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
        out = Renderer(t)(pts, torch.zeros(2, 3, 256, 256))
    out.sum().backward()
    dense_bytes = 2 * len(t.segments()) * 256 * 256 * 4
    assert sum(saved) < dense_bytes / 8, (sum(saved), dense_bytes)


def test_long_segments_are_cut():
    "A 2-point line across a large image is painted exactly, without one huge patch per segment."
    t = Template("diag", [[-1.2, -1.1], [1.1, 0.9]], [Line("d", [0, 1], width=0.05)])
    pts = torch.tensor(t.points)[None].double()
    alpha, _ = Renderer(t).double().coverage(pts, (200, 160))
    assert torch.allclose(alpha, dense(pts, (200, 160), t)[0], atol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    t = get_template("face")
    pts = torch.tensor(t.points)[None].repeat(2, 1, 1)
    img = torch.rand(2, 3, 64, 64) * 2 - 1
    R = Renderer(t)
    assert torch.allclose(R.cuda()(pts.cuda(), img.cuda()).cpu(), Renderer(t)(pts, img), atol=1e-4)


# --- the PyTorch3D backend (run in its own environment: tools/pytorch3d_env.sh) ---

def _both(t, pts, img, tgt, **kw):
    out = {}
    for b in ("torch", "pytorch3d"):
        p = pts.clone().requires_grad_()
        o = Renderer(t, backend=b, **kw)(p, img)
        ((o - tgt) ** 2).sum().backward()
        out[b] = (o.detach(), p.grad.flatten())
    return out


@pytest.mark.pytorch3d
@needs_p3d
@pytest.mark.parametrize("size", [(64, 64), (96, 80)])
def test_p3d_parity(size):
    "Images: mean |Δ| < 0.005 and < 1% of pixels off by more than 0.05; position gradients: cosine > 0.9."
    t = get_template("face")
    torch.manual_seed(0)
    pts = torch.tensor(t.points)[None].repeat(2, 1, 1) + torch.randn(2, t.n_points, 2) * 0.01
    img, tgt = torch.rand(2, 3, *size) * 2 - 1, torch.rand(2, 3, *size) * 2 - 1
    r = _both(t, pts, img, tgt)
    diff = (r["torch"][0] - r["pytorch3d"][0]).abs()
    assert diff.mean() < 0.005 and (diff > 0.05).float().mean() < 0.01, (diff.mean(), (diff > 0.05).float().mean())
    assert F.cosine_similarity(r["torch"][1], r["pytorch3d"][1], dim=0) > 0.9


@pytest.mark.pytorch3d
@needs_p3d
def test_p3d_orientation():
    "A short stroke in the top-left corner lands in the top-left corner (PyTorch3D's NDC has +X left, +Y up)."
    t = Template("corner", [[-0.8, -0.7], [-0.5, -0.7]], [Line("c", [0, 1], width=0.08)])
    a, _ = Renderer(t, backend="pytorch3d").coverage(torch.tensor(t.points)[None], (40, 60))
    ys, xs = (a[0, 0] > 0.5).nonzero(as_tuple=True)
    # y = −0.7 → row (−0.7 + 1)·20 − 0.5 = 5.5; x from −0.8 → column 5.5 to −0.5 → column 14.5
    assert len(ys) and abs(ys.float().mean() - 5.5) < 0.6 and xs.min() >= 4 and xs.max() <= 16, (ys, xs)


@pytest.mark.pytorch3d
@needs_p3d
def test_p3d_recovers_points():
    t = zigzag()
    R = Renderer(t, backend="pytorch3d", width_scale=1.5)
    true = torch.tensor(t.points)[None]
    bg = -torch.ones(1, 3, 64, 64)
    with torch.no_grad(): target = R(true, bg)
    p = (true + torch.tensor([[1.0, -0.8]]) / 32).requires_grad_()
    opt = torch.optim.Adam([p], lr=0.004)
    for _ in range(100):
        opt.zero_grad(); ((R(p, bg) - target) ** 2).mean().backward(); opt.step()
    assert ((p.detach() - true) * 32).norm(dim=-1).max() < 0.5
