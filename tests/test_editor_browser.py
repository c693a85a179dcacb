"""The template editor in a real JupyterLab, clicked with Playwright in Debian's Chromium: the saved points are where the clicks were."""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from genlm.editor import display_size
from genlm.template import to_pixels

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]
IMAGE_HW, SHOW = (192, 256), 512  # a 4:3 image, shown 512 px wide
NOTEBOOK_CODE = f"""
import numpy as np
from genlm.editor import TemplateEditor
img = np.zeros((*{IMAGE_HW}, 3), np.uint8); img[..., 1] = 120; img[::16] = 200  # a known image
ed = TemplateEditor(img, path="saved.json", size={SHOW})
ed
"""


def _need(module: str):
    try: __import__(module)
    except ImportError: pytest.skip(f"the browser test needs the Python package {module!r} (pip install {module})")


@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on 127.0.0.1 (free port, token) serving `tmp_path`; stopped whatever happens."
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        pytest.skip(f"the browser test needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    _need("jupyterlab"); _need("playwright"); _need("nbformat")
    import nbformat
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(NOTEBOOK_CODE.strip())]
    nbformat.write(nb, tmp_path / "editor.ipynb")
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    log = open(tmp_path / "lab.log", "w")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.disable_check_xsrf=True",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0: cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            if proc.poll() is not None: pytest.fail(f"jupyterlab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            try: urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1); break
            except OSError: time.sleep(0.25)
        else: pytest.fail("jupyterlab did not answer within 30 s")
        yield dict(url=url, token=token, root=tmp_path)
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try: os.killpg(proc.pid, sig)
            except ProcessLookupError: break
            try: proc.wait(10); break
            except subprocess.TimeoutExpired: pass
        log.close()


def test_clicks_land_in_saved_template(lab):
    from playwright.sync_api import sync_playwright
    hw = display_size(IMAGE_HW, SHOW)  # (384, 512) display pixels
    shot = os.environ.get("GENLM_EDITOR_SCREENSHOT")  # a path, to look at the widget while developing
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(f"{lab['url']}/lab/tree/editor.ipynb?token={lab['token']}")
            page.locator(".jp-Notebook .jp-Cell").first.click()
            page.keyboard.press("Shift+Enter")
            plot = page.locator(".js-plotly-plot .nsewdrag").first
            plot.wait_for()
            status = page.locator(".widget-html", has_text="springs").first

            def wait_points(n):
                status.filter(has_text=f" {n} points,").wait_for()

            def click(xy):
                "Click the image at normalised `xy`: move there, let plotly's throttled hover catch up, click."
                box = plot.bounding_box()
                px = to_pixels(np.float32(xy), hw)
                x, y = float(box["x"] + (px[0] + 0.5) * box["width"] / hw[1]), float(box["y"] + (px[1] + 0.5) * box["height"] / hw[0])
                page.mouse.move(x, y, steps=4); time.sleep(0.2); page.mouse.click(x, y)

            def press(name):
                page.get_by_role("button", name=name, exact=True).click()

            line0 = [(-0.6, -0.5), (-0.4, 0.0), (-0.5, 0.5)]
            for k, xy in enumerate(line0): click(xy); wait_points(k + 1)
            page.get_by_placeholder("line name").fill("b")
            press("new line"); status.filter(has_text="line b").wait_for()
            b = [(0.1, -0.3), (0.2, -0.1), (0.9, 0.9)]
            for k, xy in enumerate(b): click(xy); wait_points(4 + k)
            press("undo"); wait_points(5)  # the stray third point goes
            b[2] = (0.3, 0.2); click(b[2]); wait_points(6)
            click(line0[0]); status.filter(has_text="selected point 0").wait_for()  # select point 0 ...
            line0[0] = (-0.7, -0.6); click(line0[0])  # ... and move it
            status.filter(has_not_text="selected point").wait_for()
            press("mirror"); wait_points(9)  # mirrors line0, the selected point's line
            if shot: page.screenshot(path=shot, full_page=True)
            press("save")
            saved = lab["root"] / "saved.json"
            for _ in range(100):
                if saved.exists(): break
                time.sleep(0.1)
            assert saved.exists(), f"no saved.json; status: {status.inner_text()}"
        except Exception:
            if shot: page.screenshot(path=shot, full_page=True)
            raise
        finally:
            browser.close()
    t = json.loads(saved.read_text())
    mirrored = [(-x, y) for x, y in line0]
    assert [l["name"] for l in t["lines"]] == ["line0", "b", "line0_mirror"]
    expected = np.array(line0 + b + mirrored)
    got = np.array(t["points"])[[i for l in t["lines"] for i in l["points"]]]
    assert got.shape == expected.shape
    # within 1% of the image's size: 0.02 in normalised units (the image spans 2)
    np.testing.assert_allclose(got, expected, atol=0.02)
    assert sorted(map(tuple, t["symmetry"])) == [(0, 6), (1, 7), (2, 8)]
