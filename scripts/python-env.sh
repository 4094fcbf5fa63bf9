#!/usr/bin/env bash
# Makes the project's Python environment: a venv under .cache/python with the packages listed in
# python/requirements-*.txt, all from PyPI. Used by the torch engine (GPU / multi-node training) and by
# the tests that cross-check against Python libraries; `npm start` never needs it.
#
#   bash scripts/python-env.sh            # torch engine + cross-checks (python/requirements-torch.txt)
#   bash scripts/python-env.sh references # also the reference tools that regenerate fixtures
#
# Prints the interpreter's path on its last line. Idempotent: a stamp of the requirement files' digest
# skips the install when nothing changed. CPTFLOW_PYTHON, when set, names an interpreter to use instead
# (it must already have the packages); nothing is installed then.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CPTFLOW_PYTHON:-}" ]; then
  "$CPTFLOW_PYTHON" -c 'import torch, transformers, safetensors' || {
    echo "CPTFLOW_PYTHON=$CPTFLOW_PYTHON lacks torch/transformers/safetensors: pip install -r python/requirements-torch.txt" >&2
    exit 2
  }
  echo "$CPTFLOW_PYTHON"; exit 0
fi
venv=.cache/python
files=(python/requirements-torch.txt)
[ "${1:-}" = references ] && files+=(python/requirements-references.txt)
stamp="$venv/.requirements.sha256"
digest=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && [ -x "$venv/bin/python" ]; then
  echo "$PWD/$venv/bin/python"; exit 0
fi
command -v python3 >/dev/null || { echo "python3 (>= 3.10) is needed to make the torch environment" >&2; exit 2; }
python3 -m venv "$venv"
args=(); for f in "${files[@]}"; do args+=(-r "$f"); done
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" >&2
echo "$digest" > "$stamp"
echo "$PWD/$venv/bin/python"
