#!/usr/bin/env python3
"""PyTorch peer for cptflow's training-step benchmark (bench/results/train_step.json).

Trains a LLaMA config with transformers' LlamaForCausalLM on torch CPU (float32, AdamW) over given
batches and prints one JSON object: tokens/s over the timed steps, step times, peak RSS, losses.

    "$(bash scripts/python-env.sh references)" bench/peers/torch_train_step.py --config libs/model/fixtures/llama/tiny-llama/config.json \
        --batches libs/model/fixtures/llama/tiny-llama/train_batches.json --steps 20 --warmup 3 --threads 2

--batches: JSON {"input_ids": [[[int]*T]*B]*N, "labels": optional, same shape, -100 = ignored}; the
steps cycle through the N batches. Without --batches, --random-batch B,T draws random token ids
(seeded). Weights: --weights DIR loads model.safetensors (HF names); otherwise HF's random init
seeded by --seed. Loss: HF's shifted mean cross-entropy. AdamW: --lr, betas (0.9, 0.95), eps 1e-8,
--weight-decay on matrices only (RMSNorm weights undecayed), as in the golden fixtures.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="HF config.json of a LLaMA model")
    p.add_argument("--batches", help="JSON file with input_ids [N][B][T] (and optional labels)")
    p.add_argument("--random-batch", help="B,T: random batches instead of --batches")
    p.add_argument("--weights", help="directory with model.safetensors to start from")
    p.add_argument("--steps", type=int, default=10, help="timed optimizer steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=0.0, help="max global grad norm (0: none)")
    p.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"], help="attention implementation")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def load_batches(args, vocab_size):
    if args.batches:
        with open(args.batches) as f:
            data = json.load(f)
        ids = torch.tensor(data["input_ids"], dtype=torch.int64)
        labels = torch.tensor(data["labels"], dtype=torch.int64) if "labels" in data else ids.clone()
        if ids.ndim == 2:  # a single batch
            ids, labels = ids[None], labels[None]
        return list(zip(ids, labels))
    if not args.random_batch:
        sys.exit("give --batches FILE or --random-batch B,T")
    b, t = (int(x) for x in args.random_batch.split(","))
    gen = torch.Generator().manual_seed(args.seed + 1)
    ids = torch.randint(0, vocab_size, (4, b, t), generator=gen)
    return [(x, x.clone()) for x in ids]


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = LlamaConfig.from_pretrained(os.path.dirname(os.path.abspath(args.config))) \
        if os.path.basename(args.config) == "config.json" else LlamaConfig.from_json_file(args.config)
    config._attn_implementation = args.attn
    model = LlamaForCausalLM(config)
    if args.weights:
        from safetensors.torch import load_file
        state = load_file(os.path.join(args.weights, "model.safetensors"))
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
        if missing or unexpected:
            sys.exit(f"weights do not match the config: missing {missing}, unexpected {unexpected}")
    model.train()
    params = list(model.named_parameters())
    groups = [
        {"params": [p for _, p in params if p.ndim >= 2], "weight_decay": args.weight_decay},
        {"params": [p for _, p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    batches = load_batches(args, config.vocab_size)

    losses, times = [], []
    for step in range(args.warmup + args.steps):
        input_ids, labels = batches[step % len(batches)]
        started = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=input_ids, labels=labels).loss
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        elapsed = time.perf_counter() - started
        losses.append(loss.item())
        if step >= args.warmup:
            times.append(elapsed)

    batch_tokens = batches[0][0].numel()
    timed_tokens = batch_tokens * len(times)
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(json.dumps({
        "peer_name": "pytorch",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "threads": args.threads,
        "attn_implementation": args.attn,
        "parameters": sum(p.numel() for _, p in params),
        "batch_size": int(batches[0][0].shape[0]),
        "seq_len": int(batches[0][0].shape[1]),
        "warmup_steps": args.warmup,
        "timed_steps": len(times),
        "tokens_per_s": timed_tokens / sum(times) if times else None,
        "step_ms_mean": 1000 * statistics.mean(times) if times else None,
        "step_ms_median": 1000 * statistics.median(times) if times else None,
        "peak_rss_mb": peak_rss,
        "losses": losses,
    }))


if __name__ == "__main__":
    main()
