#!/usr/bin/env python3
"""The peer side of bench/eval.ts: lm-evaluation-harness (PyPI lm_eval, HF backend, CPU, fp32) on
the same model directory and the same local task files, timed, with its per-sample predictions.

Usage: lm_eval_peer.py MODEL_DIR TASK_DATA_DIR OUT_JSON [--batch-size N] [--threads N]
Writes {lm_eval_version, load_seconds, eval_seconds, docs, tasks: {name: [{doc_id, pred, pred_norm?}]}}.
Timing: load_seconds = HFLM construction (model + tokenizer); eval_seconds (wall) and
eval_cpu_seconds (process CPU time, all threads) = simple_evaluate
(task files read and processed, requests built and tokenized, model calls, metrics).
"""
import argparse
import json
import os
import shutil
import tempfile
import time

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A fresh datasets cache: `datasets` keys the cache of a local multi-config directory by its config
# name and relative data_files patterns, so another directory with the same layout (libs/evaluation/src/eval's
# fixtures, an earlier bench run) would otherwise be served from the cache instead of these files.
DATASETS_CACHE = tempfile.mkdtemp(prefix="cptflow-bench-hf-datasets-")
os.environ["HF_DATASETS_CACHE"] = DATASETS_CACHE

import numpy as np
import torch
import yaml
import lm_eval
from lm_eval import simple_evaluate
from lm_eval.models.huggingface import HFLM
from lm_eval.tasks import TaskManager

MMLU_SUBJECTS = ["abstract_algebra", "high_school_government_and_politics", "world_religions"]


def task_group(include_dir, data):
    """One group over the seven tasks with dataset_path pointed at the local files (every other field
    is the harness's own task YAML)."""
    local = lambda *p: os.path.join(data, *p)
    tasks = [
        {"task": "arc_easy", "dataset_path": local("allenai", "ai2_arc")},
        {"task": "arc_challenge", "dataset_path": local("allenai", "ai2_arc")},
        {"task": "hellaswag", "dataset_path": local("Rowan", "hellaswag")},
        {"task": "winogrande", "dataset_path": local("allenai", "winogrande")},
        {"task": "boolq", "dataset_path": local("aps", "super_glue")},
        {"task": "piqa", "dataset_path": local("baber", "piqa")},
    ] + [{"task": f"mmlu_{s}", "dataset_path": local("cais", "mmlu")} for s in MMLU_SUBJECTS]
    with open(os.path.join(include_dir, "bench_eval.yaml"), "w") as f:
        yaml.safe_dump({"group": "bench_eval", "task": tasks}, f)
    return "bench_eval"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("data_dir")
    ap.add_argument("out")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    lm = HFLM(pretrained=args.model_dir, device="cpu", batch_size=args.batch_size, dtype="float32")
    load_seconds = time.perf_counter() - t0

    include_dir = tempfile.mkdtemp(prefix="cptflow-bench-lm-eval-")
    try:
        group = task_group(include_dir, args.data_dir)
        tm = TaskManager(include_path=include_dir)
        t1 = time.perf_counter()
        c1 = time.process_time()
        res = simple_evaluate(model=lm, tasks=[group], num_fewshot=0, log_samples=True, bootstrap_iters=0, task_manager=tm)
        eval_seconds = time.perf_counter() - t1
        eval_cpu_seconds = time.process_time() - c1
    finally:
        shutil.rmtree(include_dir)
        shutil.rmtree(DATASETS_CACHE, ignore_errors=True)

    tasks = {}
    for name, samples in res["samples"].items():
        rows = []
        for s in sorted(samples, key=lambda s: s["doc_id"]):
            lls = np.array([float(r[0]) for r in s["filtered_resps"]])
            row = {"doc_id": s["doc_id"], "pred": int(np.argmax(lls))}
            if "acc_norm" in s:
                lens = np.array([float(len(a[1][1:])) for a in s["arguments"]])
                row["pred_norm"] = int(np.argmax(lls / lens))
            rows.append(row)
        tasks[name] = rows
    out = {
        "lm_eval_version": getattr(lm_eval, "__version__", "unknown"),
        "torch_version": torch.__version__,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "load_seconds": load_seconds,
        "eval_seconds": eval_seconds,
        "eval_cpu_seconds": eval_cpu_seconds,
        "docs": sum(len(v) for v in tasks.values()),
        "tasks": tasks,
    }
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
