#!/usr/bin/env bash
# The GPU benchmark of the torch engine (libs/torch-engine): MobileLLM-125M shapes at 2048 tokens,
# bf16, FSDP2 on one GPU, three ways (SDPA with a dense document mask; flex_attention with a
# BlockMask; flex with torch.compile'd blocks), against a plain PyTorch + transformers loop on the
# same batches: tokens/s, MFU, peak memory each; and scoring samples/s. Needs only Python with
# torch, transformers, safetensors (no Node, no network).
#
#   bash bench/gpu/run.sh                          # one GPU -> bench/results/gpu.json
#   bash bench/gpu/run.sh --tiny --device cpu      # a few seconds on CPU (CI runs this)
#
# The result file is rewritten after each variant and no variant starts after --budget-s (420), so a
# run stopped at a lease's limit keeps what it measured.
#
# Interpreter: $CPTFLOW_PYTHON, else the repo's .cache/python (scripts/python-env.sh), else python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${CPTFLOW_PYTHON:-}
[ -z "$python" ] && [ -x .cache/python/bin/python ] && python=.cache/python/bin/python
python=${python:-python3}
export PYTHONPATH="$PWD/libs/torch-engine/python${PYTHONPATH:+:$PYTHONPATH}"
# One process, through torchrun like the engine's workers, so FSDP2 runs exactly as in training.
exec "$python" -m torch.distributed.run --standalone --nproc-per-node 1 bench/gpu/bench_gpu.py "$@"
