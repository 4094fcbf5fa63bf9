#!/usr/bin/env python3
"""datatrove's filter + MinHash dedup + tokenize pipeline, single process, for bench/pipeline.ts.

The peer of cptflow's quality -> dedup -> packer stages on the same corpus:

  read     gzip + json per line into datatrove Documents (the same files cptflow ingests)
  filter   GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter(filter_no_terminal_punct=False),
           FineWebQualityFilter, chained as datatrove chains steps (each step's run() generator),
           in FineWeb's order and with its settings (datatrove's examples/fineweb.py)
  dedup    MinhashDedupSignature -> MinhashDedupBuckets (one task per bucket, 14 of them, run one
           after another) -> MinhashDedupCluster -> MinhashDedupFilter, with FineWeb's MinHash
           config: word 5-grams, 14 buckets x 8 hashes, HashConfig("sha1", 64)
  tokenize DocumentTokenizer with the given tokenizer.json, the post-processor set to "<s> $A </s>"
           so every document gets exactly the ids cptflow's packer makes (BOS from the tokenizer,
           EOS appended); shuffle_documents=False (cptflow does not shuffle either)

Everything runs in this one process with one worker (no executor pool): each step's run() is called
with rank/world_size the way LocalPipelineExecutor(tasks=..., workers=1) would call it, minus its
logging and stats files. The filtered documents stay in memory between the filter and the two
MinHash passes over them (FineWeb writes them to disk and reads them back: that would cost more).

Prints one line, "RESULT {json}", with wall and CPU seconds (resource.getrusage of this process:
every thread, so the Rust tokenizer's worker threads count) per stage and the counts of what was
kept, rejected and removed as duplicate, and the number of tokens written.

    "$(bash scripts/python-env.sh references)" bench/peers/datatrove_pipeline.py --tokenizer PATH \
        data/corpora/domain.jsonl.gz data/corpora/general.jsonl.gz [--repeat N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import struct
import sys
import tempfile
import time
from collections import Counter
from importlib.metadata import version


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU seconds per named stage."""

    def __init__(self):
        self.stages: dict[str, dict[str, float]] = {}

    def timed(self, name: str, fn):
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        result = fn()
        entry = self.stages.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0})
        entry["wall_s"] += time.perf_counter() - wall0
        entry["cpu_s"] += cpu_seconds() - cpu0
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="JSONL(.gz) corpora: one {id, text} object per line")
    parser.add_argument("--tokenizer", required=True, help="tokenizer.json (cptflow's defaultTokenizerPath())")
    parser.add_argument("--repeat", type=int, default=1, help="read the corpus this many times, ids made distinct")
    parser.add_argument("--workdir", default=None, help="scratch folder for MinHash and token files (default: a temp dir)")
    args = parser.parse_args()

    os.environ.setdefault("TQDM_DISABLE", "1")
    cpu_at_start = cpu_seconds()
    wall_at_start = time.perf_counter()

    from datatrove.data import Document
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.tokens.tokenizer import DocumentTokenizer
    from datatrove.utils.hashing import HashConfig
    from tokenizers.processors import TemplateProcessing

    # datatrove logs every MinHash bucket through loguru at INFO; keep warnings only, so the log is
    # readable and the terminal costs nothing.
    from loguru import logger as loguru_logger

    loguru_logger.remove()
    loguru_logger.add(sys.stderr, level="WARNING")

    import_s = time.perf_counter() - wall_at_start
    workdir = args.workdir or tempfile.mkdtemp(prefix="datatrove-bench-")
    clock = Clock()

    # ---- setup (not counted as document work: loading spaCy, the tokenizer, numpy parameters)
    def setup():
        filters = [
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False),
            FineWebQualityFilter(),
        ]
        minhash = MinhashConfig(hash_config=HashConfig(hash_fc="sha1", precision=64))
        signature = MinhashDedupSignature(output_folder=f"{workdir}/signatures", config=minhash)
        buckets = MinhashDedupBuckets(input_folder=f"{workdir}/signatures", output_folder=f"{workdir}/buckets", config=minhash)
        cluster = MinhashDedupCluster(input_folder=f"{workdir}/buckets", output_folder=f"{workdir}/remove_ids", config=minhash)
        dedup_filter = MinhashDedupFilter(input_folder=f"{workdir}/remove_ids")
        tokenizer = DocumentTokenizer(
            output_folder=f"{workdir}/tokens",
            tokenizer_name_or_path=args.tokenizer,
            shuffle_documents=False,
        )
        tok = tokenizer.tokenizer  # loads tokenizer.json now, not inside the timed stage
        bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
        tok.post_processor = TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
        # Warm the word splitters (spaCy loads lazily on first use) so their load is not charged to documents.
        for f in filters:
            f.filter(Document(text="warm up the word tokenizer.", id="warm"))
        signature.get_shingles("warm up the word tokenizer with a few words")
        return filters, minhash, signature, buckets, cluster, dedup_filter, tokenizer

    filters, minhash, signature, buckets, cluster, dedup_filter, tokenizer = clock.timed("setup", setup)

    # ---- read
    def read():
        docs = []
        for copy in range(args.repeat):
            for path in args.files:
                with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
                    for line in f:
                        row = json.loads(line)
                        doc_id = row["id"] if copy == 0 else f'{row["id"]}#copy{copy}'
                        docs.append(Document(text=row["text"], id=doc_id, metadata={"source": path}))
        return docs

    docs = clock.timed("read", read)

    # ---- filter: steps chained as generators, as a datatrove pipeline runs them
    def run_filters():
        stream = iter(docs)
        for step in filters:
            stream = step(stream, 0, 1)
        return list(stream)

    kept = clock.timed("filter", run_filters)
    rejected_reasons = Counter()
    for f in filters:
        for key, stat in f.stats.stats.items():
            if key.startswith("dropped_"):
                rejected_reasons[f"{type(f).__name__}/{key[len('dropped_'):]}"] += stat.total

    # ---- dedup: the four MinHash stages
    def run_dedup():
        for _ in signature(iter(kept), 0, 1) or ():
            pass
        for bucket in range(minhash.num_buckets):
            for _ in buckets(None, bucket, minhash.num_buckets) or ():
                pass
        for _ in cluster(None, 0, 1) or ():
            pass
        return list(dedup_filter(iter(kept), 0, 1))

    unique = clock.timed("dedup", run_dedup)

    # ---- tokenize (+ write the token file and its document-boundary index)
    def run_tokenizer():
        for _ in tokenizer(iter(unique), 0, 1) or ():
            pass

    clock.timed("tokenize", run_tokenizer)
    tokens = 0
    token_files = [f for f in os.listdir(f"{workdir}/tokens") if f.endswith(".ds")]
    for name in token_files:
        tokens += os.path.getsize(f"{workdir}/tokens/{name}") // tokenizer.token_size
    index_files = [f for f in os.listdir(f"{workdir}/tokens") if f.endswith(".ds.index")]
    documents_written = sum(os.path.getsize(f"{workdir}/tokens/{f}") // struct.calcsize("<Q") for f in index_files)

    work = ["read", "filter", "dedup", "tokenize"]
    result = {
        "peer_name": "datatrove",
        "versions": {"datatrove": version("datatrove"), "tokenizers": version("tokenizers"), "spacy": version("spacy"),
                     "python": sys.version.split()[0]},
        "documents": len(docs),
        "kept_after_filter": len(kept),
        "rejected": len(docs) - len(kept),
        "rejected_by_rule": dict(sorted(rejected_reasons.items())),
        "duplicates_removed": len(kept) - len(unique),
        "unique": len(unique),
        "tokens": tokens,
        "documents_tokenized": documents_written,
        "stages": clock.stages,
        "wall_s": sum(clock.stages[s]["wall_s"] for s in work),
        "cpu_s": sum(clock.stages[s]["cpu_s"] for s in work),
        "process_cpu_s": cpu_seconds() - cpu_at_start,
        "import_s": import_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
