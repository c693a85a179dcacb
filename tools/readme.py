"""Write README.md from nbs/index.ipynb, offline (no quarto): markdown cells as they are, code cells fenced.

Cells marked `#| hide` are left out; so are cell outputs (notebooks are committed clean).
Run: `python tools/readme.py` (the Makefile's `readme` target).
"""
import json
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def cell_text(cell: dict) -> str | None:
    src = "".join(cell["source"]).strip()
    lines = src.splitlines()
    directives = [l for l in lines if l.startswith("#|")]
    if any("hide" in d for d in directives): return None
    body = "\n".join(l for l in lines if not l.startswith("#|")).strip()
    if not body: return None
    return body if cell["cell_type"] == "markdown" else f"```python\n{body}\n```"


def render(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    parts = [t for t in map(cell_text, nb["cells"]) if t]
    return "\n\n".join(parts) + "\n\n<!-- generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file -->\n"


if __name__ == "__main__":
    out = render(root / "nbs" / "index.ipynb")
    if "--check" in sys.argv:
        sys.exit(0 if (root / "README.md").read_text(encoding="utf-8") == out else "README.md is stale: run `make readme`")
    (root / "README.md").write_text(out, encoding="utf-8")
