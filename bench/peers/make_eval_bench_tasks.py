#!/usr/bin/env python3
"""Writes larger benchmark task files for bench/eval.ts, in the same schemas and hub layouts as
libs/evaluation/fixtures/eval (it reuses that script's writers), with items assembled deterministically from
sentences of the repository's held-out corpora (data/corpora/*.heldout.jsonl.gz). The items are
nonsense as questions; they exist to give both evaluators realistic prompt lengths and counts.

Usage: make_eval_bench_tasks.py OUT_DIR [DOCS_PER_TASK]
"""
import gzip
import importlib.util
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
spec = importlib.util.spec_from_file_location("fixture_tasks", os.path.join(ROOT, "libs", "evaluation", "fixtures", "eval", "make_task_files.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)

MMLU_SUBJECTS = ["abstract_algebra", "high_school_government_and_politics", "world_religions"]


def corpus_sentences():
    sentences = []
    for name in ("general.heldout.jsonl.gz", "domain.heldout.jsonl.gz"):
        with gzip.open(os.path.join(ROOT, "data", "corpora", name), "rt", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                for s in re.split(r"(?<=[.!?])\s+", text):
                    s = " ".join(s.split())
                    if 6 <= len(s.split()) <= 40:
                        sentences.append(s)
    return sentences


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rng = random.Random(0)
    S = corpus_sentences()
    sent = lambda: rng.choice(S)
    phrase = lambda lo=3, hi=9: " ".join(sent().split()[: rng.randint(lo, hi)]).rstrip(".,;:")
    fx.DATA = out

    # MMLU: test (n per subject) + dev (5)
    repo = os.path.join(out, "cais", "mmlu")
    configs = {}
    for subject in MMLU_SUBJECTS:
        configs[subject] = {}
        for split, count in (("test", n), ("dev", 5)):
            rows = [{"question": sent(), "subject": subject, "choices": [phrase() for _ in range(4)], "answer": rng.randrange(4)} for _ in range(count)]
            fx.write_parquet(os.path.join(repo, subject, f"{split}-00000-of-00001.parquet"), rows, fx.MMLU_SCHEMA)
            configs[subject][split] = f"{subject}/{split}-*"
    fx.write_configs_readme(repo, configs)

    # ARC (Easy / Challenge): test n, train 5
    repo = os.path.join(out, "allenai", "ai2_arc")
    configs = {}
    for name in ("ARC-Easy", "ARC-Challenge"):
        configs[name] = {}
        for split, count in (("test", n), ("train", 5)):
            rows = []
            for i in range(count):
                k = rng.choice([3, 4, 4, 5])
                labels = [chr(65 + j) for j in range(k)]
                rows.append({"id": f"{name}-{split}-{i}", "question": sent(), "choices": {"text": [phrase() for _ in range(k)], "label": labels},
                             "answerKey": rng.choice(labels)})
            fx.write_parquet(os.path.join(repo, name, f"{split}-00000-of-00001.parquet"), rows, fx.ARC_SCHEMA)
            configs[name][split] = f"{name}/{split}-*"
    fx.write_configs_readme(repo, configs)

    # HellaSwag: validation n, train 5
    repo = os.path.join(out, "Rowan", "hellaswag")
    for split, count in (("validation", n), ("train", 5)):
        rows = [fx.hs(i, phrase(1, 3), sent(), phrase(1, 4), [phrase(6, 20) + "." for _ in range(4)], rng.randrange(4), split[:3]) for i in range(count)]
        fx.write_parquet(os.path.join(repo, "data", f"{split}-00000-of-00001.parquet"), rows, fx.HS_SCHEMA)

    # Winogrande: one word of a sentence becomes the blank
    repo = os.path.join(out, "allenai", "winogrande")
    configs = {"winogrande_xl": {}}
    for split, count in (("validation", n), ("train", 5)):
        rows = []
        for _ in range(count):
            words = sent().split()
            at = rng.randrange(1, len(words) - 2)
            other = rng.choice(sent().split())
            answer = rng.choice(["1", "2"])
            o1, o2 = (words[at], other) if answer == "1" else (other, words[at])
            rows.append(fx.wg(" ".join(words[:at] + ["_"] + words[at + 1:]), o1, o2, answer))
        fx.write_parquet(os.path.join(repo, "winogrande_xl", f"{split}-00000-of-00001.parquet"), rows, fx.WG_SCHEMA)
        configs["winogrande_xl"][split] = f"winogrande_xl/{split}-*"
    fx.write_configs_readme(repo, configs)

    # BoolQ (JSONL): a passage of several sentences
    repo = os.path.join(out, "aps", "super_glue")
    configs = {"boolq": {}}
    for split, count in (("validation", n), ("train", 5)):
        rows = [{"question": sent().rstrip(".?!").lower(), "passage": " ".join(sent() for _ in range(rng.randint(3, 6))), "idx": i, "label": rng.randrange(2)} for i in range(count)]
        fx.write_jsonl(os.path.join(repo, "boolq", f"{split}.jsonl"), rows)
        configs["boolq"][split] = f"boolq/{split}.jsonl"
    fx.write_configs_readme(repo, configs)

    # PIQA (JSONL)
    repo = os.path.join(out, "baber", "piqa")
    for split, count in (("validation", n), ("train", 5)):
        rows = [fx.pq_(sent(), phrase(5, 20), phrase(5, 20), rng.randrange(2)) for _ in range(count)]
        fx.write_jsonl(os.path.join(repo, "data", f"{split}.jsonl"), rows)
    print(f"wrote {n} documents per task under {out}")


if __name__ == "__main__":
    main()
