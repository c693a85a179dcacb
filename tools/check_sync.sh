#!/usr/bin/env bash
# Fail if nbdev-export or nbdev-clean would change the tree (library out of sync with notebooks, or notebooks not clean).
set -euo pipefail
bin=${1:-.venv/bin}
snap() { find genlm nbs -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*' | sort | xargs sha1sum; }
before=$(snap)
"$bin/nbdev-export"
"$bin/nbdev-clean"
after=$(snap)
if [ "$before" != "$after" ]; then
  echo "nbdev-export / nbdev-clean changed these files: export and clean, then commit them with the notebooks" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
"$bin/python" tools/readme.py --check
echo "notebooks, library and README are in sync"
