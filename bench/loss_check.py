"""The library's own paint finding and paint loss on the development set (issue 12, items 1 and 2), as a run uses them:
`genlm.train.fit_finder` + `genlm.data.paint_maps` at the training size, scored against the true paint, and
`genlm.model.paint_objective` (the training loss) at the ground truth against the template, similarity perturbations,
per-line shifts (candidates of bench/paint_check.py) and a trained run's own answer, L_delta(G(M)); both ways of reading
the soft paint maps (`paint_weights` false: 4·paint_k pixels sampled ∝ P; true: the heaviest pixels weighed by P), and
the sampled loss with the robust kernel term added (`paint_sigma` 1.5 px, `lambda_kernel` 0.3), and render and compare
(`genlm.losses.render_paint_loss`) alone and added to the sampled loss (`lambda_render`); and two readings of the picture
itself, not the finder's maps (twenty-third session): "cycle", the paper's cycle loss |M − R(points, G(M))| with each line
drawn in its found colour, and "G residual", render and compare against |M − G(M)| (largest channel) as the map; their
"true paint" column is the found one for "cycle" and render and compare on the true paint for "G residual". A sampled loss is
scored as training sees it over many steps: its mean over `--draws` draws of the paint pixels, the same draws for
every candidate (one draw, as before the eighth session, is noisier than the loss L_delta descends).

    python bench/loss_check.py RUN [--data runs/devset] [--frames 150] [--draws 8] [--refit] [--merge] [--modes sampled …]

The finder is the run's own (`--refit`: fitted afresh, as a new run would, ~9 min for the drawn one).

The training size and template are the run's. Rules (recall, precision, unpainted lines) as in bench/PAINT.md; with the
development set's contrast (bench/devset.py: `shown`, what the paint changes in the frame as written, after noise and
JPEG; `visible`, before them, in sets built before the twenty-third session) a row also leaves out shifts of lines whose
paint does not show at the training size (one row for each contrast in `--shows`), and one row leaves out instead the shifts that slide a line along its own path (the median shifted point
within ½ training px of the true line's open polyline), which paint can tell only by the line's ends. `--reach full` keeps the maps at the frames' own size, as a run with `paint_scale` 2 does on 256² frames (the
landmarks are continuous: every mode reads maps of any size).
"""
import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from paint_check import candidates, recall_precision, run_paint, true_paint
from genlm.data import load_frames, to_float
from genlm.losses import paint_colors, point_segment_distance
from genlm.model import GenLM, paint_objective, render_term
from genlm.template import from_pixels


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", type=Path, default=Path("runs/devset"))
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=8, help="draws of the sampled paint pixels averaged per candidate")
    ap.add_argument("--refit", action="store_true", help="fit the finder afresh instead of using the run's")
    ap.add_argument("--save", type=Path, help="keep every frame's scores (found and true paint) per mode in this .npz")
    ap.add_argument("--reach", default="spread", help="how the finder's map reaches the training size (paint_check.run_paint)")
    ap.add_argument("--merge", action="store_true", help="one map of any colour (the maximum over the finder's maps): every line matched to all paint")
    ap.add_argument("--shows", type=float, nargs="+", default=[SHOWS], help="contrasts (0–1) below which a line's paint counts as not showing: a row each")
    ap.add_argument("--modes", nargs="+", default=["sampled", "weighed", "sampled + kernel"], help="which paint losses to check")
    a = ap.parse_args()
    files = sorted((a.data / "marked").glob("*.png"))[:a.frames]
    m, P = run_paint(a.run, files, a.data if a.refit else None, a.reach)  # P: (n, C, S, S) in [0, 1]
    if a.merge: P = P.amax(1, keepdim=True)
    S, full = m.cfg.size, P.shape[-1]  # the training size; the maps' (larger with --reach full)
    if full != S: print(f"maps at {full}² (recall and precision on their {S}² area mean)")
    truth_npz = np.load(a.data / "paint_truth.npz")
    alpha = truth_npz["alpha"][:len(files)]
    strong, thin, near = true_paint(alpha, S)
    r, rt, p = recall_precision((F.avg_pool2d(P, full // S) > 0.5).any(1), strong, thin, near)
    whose = "refitted" if a.refit else "the run's"
    print(f"# {a.data}, {len(files)} marked frames at {S}² (run {a.run}, finder {whose}, "
          f"{a.draws} draws, maps: {a.reach}); one map per colour: {bool(m.paint_by_color) and not a.merge}")
    print(f"paint found (P > 0.5, any colour): recall {r:.3f} (thin rule {rt:.3f}), precision {p:.3f}")
    gt = np.load(a.data / "gt.npz")
    src = int(gt["size"])
    truth = from_pixels(gt["marked"][:len(files)], (src, src)).astype(np.float32)
    M = to_float(load_frames(files, S, progress=False).frames)
    answer = torch.cat([m.L(m.G(x)) for x in M.split(32)]).numpy()  # the run's own answer on these frames
    rng, t = np.random.default_rng(a.seed), m.template
    amax = F.max_pool2d(torch.from_numpy(alpha).float()[:, None] / 255, 5, 1, 2)[:, 0].numpy()
    gi = np.clip(np.round(gt["marked"][:len(files)]).astype(int), 0, src - 1)
    on = amax[np.arange(len(files))[:, None], gi[..., 1], gi[..., 0]] >= 0.3
    painted = np.stack([on[:, ln.points].mean(1) >= 0.5 for ln in t.lines], 1)  # (n, lines) lines the set painted
    showing = {c: painted & _showing(truth_npz, gt["marked"][:len(files)], src, S, t, c) for c in a.shows} if "visible" in truth_npz.files else {}
    for c, sh in showing.items():
        print(f"{100 * (painted & ~sh).any(1).mean():.0f}% of frames have a painted line whose paint does not show at {S}² (contrast < {c} at half its "
              f"points or more, {'in the frame as written' if 'shown' in truth_npz.files else 'before noise and JPEG'}): "
              f"{100 * (painted & ~sh).sum() / max(1, painted.sum()):.1f} % of the painted lines")
    T = F.avg_pool2d(torch.from_numpy(alpha).float()[:, None] / 255, alpha.shape[-1] // full)  # the true paint as P: one map
    print(f"{100 * (~painted).any(1).mean():.0f}% of frames have a line the set left unpainted")
    modes = {"sampled": dict(paint_weights=False, paint_sigma=0.0), "weighed": dict(paint_weights=True, paint_sigma=0.0),
             "sampled + kernel": dict(paint_weights=False, paint_sigma=1.5, lambda_kernel=0.3),
             **{f"render alone σ={s}": dict(render_alone=s) for s in (0.5, 1.0, 2.0)},  # not a Config field: read below
             "cycle": dict(cycle=True),  # not a Config field: the picture itself, |M − R(points, G(M))|
             "G residual σ=0.5": dict(gres=0.5),  # not a Config field: render and compare against |M − G(M)| as the paint map
             **{f"sampled + {w} × render σ={s}": dict(paint_weights=False, paint_sigma=0.0, lambda_render=w, render_sigma=s)
                for w, s in ((0.1, 0.5), (0.3, 0.5), (1.0, 0.5))}}
    saved = {}
    for mode, settings in {k: v for k, v in modes.items() if k in a.modes}.items():
        m.cfg.lambda_render, alone = 0.0, settings.get("render_alone")
        for k, v in settings.items():
            if k not in ("render_alone", "cycle", "gres"): setattr(m.cfg, k, v)
        R = _paint_renderer(m) if settings.get("cycle") else None
        rng = np.random.default_rng(a.seed)  # the same candidates for every mode
        S_all, T_all, on_path, names = [], [], [], None
        for i in range(len(files)):
            names, cand = candidates(truth[i], np.asarray(t.points, np.float32), t.lines, S, rng)
            cand = np.concatenate([cand, answer[i:i + 1]])
            on_path.append(_on_own_path(cand, _line_of(names + ["answer"], t), t, S))
            if R is not None:  # the frame itself: no other reading of the true paint
                S_all.append(_cycle_score(R, m, cand, M[i:i + 1])); T_all.append(S_all[-1]); continue
            if settings.get("gres"):  # G's residual as the map; the true column reads the true paint
                res = (M[i:i + 1] - m.G(M[i:i + 1])).abs().amax(1, keepdim=True).clamp(0, 1)
                S_all.append(render_term(m, torch.from_numpy(cand), res, settings["gres"]).numpy())
                T_all.append(_mean_score(m, cand, T[i:i + 1], a.seed + i, a.draws, settings["gres"])); continue
            S_all.append(_mean_score(m, cand, P[i:i + 1], a.seed + i, a.draws, alone))
            T_all.append(_mean_score(m, cand, T[i:i + 1], a.seed + i, a.draws, alone))
        names = names + ["run's answer L_delta(G(M))"]
        found, true = np.stack(S_all), np.stack(T_all)
        on_path = np.stack(on_path)
        saved.update({f"{mode}/found": found, f"{mode}/true": true, "names": np.array(names), "painted": painted,
                      "shows": np.array(list(showing)), "showing": np.array(list(showing.values())), "on_path": on_path})
        print(f"\n## {mode}: {settings}\n| check | % frames, paint found | % frames, the true paint |\n|---|---|---|")
        rows_f, rows_t = _checks(found, names, t, painted, showing, on_path), _checks(true, names, t, painted, showing, on_path)
        for k in rows_f: print(f"| {k} | {rows_f[k]:.1f} | {rows_t[k]:.1f} |")
        wins = (found[:, 1:] <= found[:, :1]).mean(0)  # how often each candidate scores at least the truth's
        print("most often at least as good as the truth (paint found): " +
              ", ".join(f"{names[1 + j]} {100 * wins[j]:.0f}%" for j in np.argsort(-wins)[:4]))
        print(f"mean loss (paint found): truth {found[:, 0].mean():.4f}, template {found[:, 1].mean():.4f}, "
              f"run's answer {found[:, -1].mean():.4f}")
    if a.save: np.savez(a.save, **saved)


SHOWS = 0.1  # paint shows at the training size where it changes a pixel's colour by this much (largest channel, 0–1)


def _showing(truth_npz, gt_px: np.ndarray, src: int, S: int, t, shows: float = SHOWS) -> np.ndarray:
    """(n, lines): lines whose paint shows at the training size: contrast ≥ `shows` within 1 px of half their points or more
    (in the frame as written where the set has it, `shown`; else before noise and JPEG, `visible`)."""
    key = "shown" if "shown" in truth_npz.files else "visible"
    v = torch.from_numpy(truth_npz[key][:len(gt_px)]).float()[:, None] / 255
    v = F.max_pool2d(F.avg_pool2d(v, src // S), 3, 1, 1)[:, 0].numpy()
    gi = np.clip(np.floor((gt_px + 0.5) * S / src).astype(int), 0, S - 1)  # source pixel centres at integers
    on = v[np.arange(len(gt_px))[:, None], gi[..., 1], gi[..., 0]] >= shows
    return np.stack([on[:, ln.points].mean(1) >= 0.5 for ln in t.lines], 1)


def _line_of(names: list[str], t) -> list[int | None]:
    "Each candidate's shifted line (its index in t.lines), None for the rest."
    return [next((li for li, ln in enumerate(t.lines) if nm.startswith(ln.name + "+")), None) for nm in names]


def _on_own_path(cand: np.ndarray, line_of: list[int | None], t, size: int) -> np.ndarray:
    """(K,) the line shifts that keep the line on its own path (most of its shifted points within ½ training px of the true
    polyline: a line slid along itself, which paint can tell only by its ends); cand[0] is the truth."""
    out, px = np.zeros(len(cand), bool), 2 / size
    for j, li in enumerate(line_of):
        if li is None: continue
        ln = t.lines[li]
        true, moved = torch.from_numpy(cand[0][ln.points])[None], torch.from_numpy(cand[j][ln.points])[None]
        d = point_segment_distance(moved, true[:, :-1], true[:, 1:]).amin(-1)[0]
        out[j] = float(d.median()) < px / 2
    return out


def _checks(S_: np.ndarray, names: list[str], t, painted: np.ndarray, showing: dict[float, np.ndarray], on_path: np.ndarray) -> dict[str, float]:
    """% of frames where the truth beats: every candidate; every one but shifts of lines left unpainted (or whose paint
    does not show at each contrast of `showing`, or that slide a line along itself); the global ones; the run's answer."""
    drop, hide = np.zeros_like(S_, bool), {c: np.zeros_like(S_, bool) for c in showing}
    for j, li in enumerate(_line_of(names, t)):
        if li is None: continue
        drop[:, j] = ~painted[:, li]
        for c, sh in showing.items(): hide[c][:, j] = ~sh[:, li]
    glob = [j for j, nm in enumerate(names) if j > 0 and "px" not in nm and "answer" not in nm]
    two = np.broadcast_to(np.array([nm.endswith("+2px") for nm in names]), S_.shape)
    rows = {"truth strictly best": (S_[:, 1:] > S_[:, :1]).all(1),
            "… shifts of lines the set left unpainted left out": (np.where(drop, np.inf, S_)[:, 1:] > S_[:, :1]).all(1),
            **{f"… and shifts of lines whose paint does not show at the training size (contrast < {c})": (np.where(h, np.inf, S_)[:, 1:] > S_[:, :1]).all(1)
               for c, h in hide.items()},
            "… shifts of unpainted lines and 2-px shifts left out (4 px and all the rest kept)": (np.where(drop | two, np.inf, S_)[:, 1:] > S_[:, :1]).all(1),
            "… shifts of unpainted lines and shifts that slide a line along its own path left out": (np.where(drop | on_path, np.inf, S_)[:, 1:] > S_[:, :1]).all(1),
            "beats the template and every similarity perturbation": (S_[:, glob] > S_[:, :1]).all(1),
            "beats the run's own answer": S_[:, -1] > S_[:, 0]}
    return {k: 100 * float(v.mean()) for k, v in rows.items()}


def _score(m: GenLM, pts: torch.Tensor, maps: torch.Tensor, seed: int) -> torch.Tensor:
    "The training paint loss of one frame's candidate, with the frame's paint sampled the same way for every candidate."
    torch.manual_seed(seed)
    return paint_objective(m, pts, maps, per_frame=True)[0]


def _mean_score(m: GenLM, cand: np.ndarray, maps: torch.Tensor, seed: int, draws: int, alone: float | None = None) -> np.ndarray:
    "Each candidate's (K,N,2) paint loss on one frame, averaged over `draws` draws of its paint (common to all candidates); `alone`: render and compare alone at that σ."
    if alone: return render_term(m, torch.from_numpy(cand), maps, alone).numpy()
    one = lambda d: torch.stack([_score(m, torch.from_numpy(c)[None], maps, seed + 100_000 * d) for c in cand]).numpy()
    return np.mean([one(d) for d in range(draws)], 0)


def _paint_renderer(m: GenLM):
    """The run's renderer R with each line drawn in its found paint colour, as the frames show it: one map, the one colour
    found; one map per colour, each line's colour's (its template colour where none was found)."""
    from genlm.render import Renderer
    R = Renderer(m.template, backend=m.cfg.renderer)
    if not bool(m.paint_by_color): R.color.copy_(m.paint_found[0].expand(len(R.color), 3)); return R
    _, line_color = paint_colors(torch.tensor([ln.color for ln in m.template.lines]))
    found = m.paint_found[line_color]  # (L, 3); −1: none found for that colour
    R.color.copy_(torch.where(found[:, :1] >= 0, found, R.color))
    return R


def _cycle_score(R, m: GenLM, cand: np.ndarray, M: torch.Tensor) -> np.ndarray:
    "Each candidate's (K,N,2) mean |M − R(points, G(M))| on one frame M (1,3,S,S): the paper's cycle loss, read on the picture."
    fake = m.G(M)
    pts = torch.from_numpy(cand)
    return (R(pts, fake.expand(len(pts), -1, -1, -1)) - M).abs().mean((1, 2, 3)).numpy()


if __name__ == "__main__":
    main()
