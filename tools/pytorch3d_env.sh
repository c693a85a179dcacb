#!/usr/bin/env bash
# Create (or reuse) the PyTorch3D environment OUTSIDE the checkout and run the pytorch3d-marked tests there.
#   tools/pytorch3d_env.sh [extra pytest args]
# GENLM_P3D_VENV  where the venv lives (default ~/.cache/genlm/p3d-venv); cached between runs
# GENLM_P3D_PYTHON  the interpreter that creates it (default python3)
# GENLM_P3D_TESTS   0 to only build the environment
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${GENLM_P3D_VENV:-$HOME/.cache/genlm/p3d-venv}"
py="${GENLM_P3D_PYTHON:-python3}"
torch_pin="torch==2.11.0"
p3d_pin="$(sed -n 's/^pytorch3d_requirements *= *//p' "$root/settings.ini")"
p3d_pin="${p3d_pin:-easypytorch3d==0.7.9.post1}"
stamp="$venv/.genlm-p3d-ok"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "[p3d] creating $venv with $($py -V)"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv"
fi
pip="$venv/bin/python -m pip"
if [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$torch_pin $p3d_pin" ]]; then
  echo "[p3d] installing $torch_pin $p3d_pin (a CUDA build of about 5 GB; cached in $venv)"
  $pip install --upgrade pip wheel setuptools
  $pip install "$torch_pin" "$p3d_pin"
  # genlm's own light dependencies: only what the renderer, the template and the tests import
  $pip install "numpy>=1.24" "pytest>=8" fastcore
  echo "$torch_pin $p3d_pin" > "$stamp"
fi
# genlm itself, editable and without its dependency list (which would pull torch again)
$pip install --no-deps --no-build-isolation -e "$root" >/dev/null
"$venv/bin/python" - <<'PY'
import torch, pytorch3d
from pytorch3d.renderer import PointsRasterizer
print(f"[p3d] torch {torch.__version__}, pytorch3d {pytorch3d.__version__}, cuda {torch.cuda.is_available()}")
PY
if [[ "${GENLM_P3D_TESTS:-1}" != 0 ]]; then
  cd "$root"
  exec "$venv/bin/python" -m pytest -m pytorch3d tests/test_render.py "$@"
fi
