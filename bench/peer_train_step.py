#!/usr/bin/env python3
"""PyTorch peer for bench/train-step.ts: trains transformers' LlamaForCausalLM (CPU, float32) on the
batches the TypeScript side wrote, and prints one JSON line with its throughput.

    "$(bash scripts/python-env.sh references)" bench/peer_train_step.py <spec.json>

spec.json (written by train-step.ts): {"config": {HF LlamaConfig fields}, "batches": [[[ids]]],
"warmup": n, "lr": x, "threads": n}. Timing covers forward, backward and AdamW.step for each
batch after the warm-up ones, like the TypeScript side.
"""
import json
import resource
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    torch.set_num_threads(spec["threads"])
    config = LlamaConfig(**spec["config"])
    config._attn_implementation = "sdpa"
    model = LlamaForCausalLM(config)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=spec["lr"], betas=(0.9, 0.95), eps=1e-8,
    )
    times = []
    losses = []
    for i, batch in enumerate(spec["batches"]):
        ids = torch.tensor(batch, dtype=torch.long)
        start = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        elapsed = time.perf_counter() - start
        losses.append(loss.item())
        if i >= spec["warmup"]:
            times.append(elapsed)
    tokens = sum(len(b) * len(b[0]) for b in spec["batches"][spec["warmup"]:])
    print(json.dumps({
        "tokens_per_second": tokens / sum(times),
        "step_seconds": times,
        "losses": losses,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
        "attn_implementation": "sdpa",
    }))


if __name__ == "__main__":
    main()
