"""bench/gpu/run.sh's measurements (see there). Both trainers get the same packed batches (document
masks included) and the same random initial weights; FLOPs are PaLM's count per token:
6 * (parameters that multiply: every Linear, the tied output projection) + 12 * layers * hidden * seq
(attention scores and values, forward + backward, without discounting the causal/document mask)."""
from __future__ import annotations

import argparse
import json
import os
import time

import torch
import torch.distributed as dist

from cptflow_torch.model import MicroBatch, build_model, summed_loss
from cptflow_torch.trainer import EngineOptions, ShardedTrainer

H200_BF16_DENSE_PEAK = 989e12

MOBILELLM_125M = dict(vocab_size=32000, hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, head_dim=64, intermediate_size=1536)
TINY = dict(vocab_size=256, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16, intermediate_size=96)


def hf_config(shapes: dict, seq: int) -> dict:
    return dict(shapes, model_type="llama", architectures=["LlamaForCausalLM"], max_position_embeddings=seq, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True, hidden_act="silu", initializer_range=0.02)


def flops_per_token(shapes: dict, seq: int) -> float:
    h, kv, f, layers = shapes["hidden_size"], shapes["num_key_value_heads"] * shapes["head_dim"], shapes["intermediate_size"], shapes["num_hidden_layers"]
    q = shapes["num_attention_heads"] * shapes["head_dim"]
    per_layer = h * q + 2 * h * kv + q * h + 3 * h * f
    matmul_params = layers * per_layer + shapes["vocab_size"] * h
    return 6 * matmul_params + 12 * layers * q * seq


def packed_batches(count: int, rows: int, seq: int, vocab: int, seed: int = 0) -> list[MicroBatch]:
    """Rows of several documents (lengths 64..seq/2), positions restarting per document, no loss
    across a boundary: what the packer sends."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(count):
        ids = torch.randint(0, vocab, (rows, seq), generator=g)
        doc = torch.zeros(rows, seq, dtype=torch.long)
        pos = torch.zeros(rows, seq, dtype=torch.long)
        targets = torch.cat([ids[:, 1:], torch.full((rows, 1), -100)], 1)
        for r in range(rows):
            start, d = 0, 0
            while start < seq:
                length = int(torch.randint(max(2, seq // 32), max(3, seq // 2), (1,), generator=g))
                end = min(seq, start + length)
                doc[r, start:end] = d
                pos[r, start:end] = torch.arange(end - start)
                if end < seq:
                    targets[r, end - 1] = -100
                start, d = end, d + 1
        out.append(MicroBatch(ids, pos, targets, doc))
    return out


def timed(fn, warmup: int, steps: int, device: torch.device) -> float:
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiny", action="store_true", help="a 2-layer model at 128 tokens (CI smoke run)")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--rows", type=int, default=None, help="rows of one micro-batch")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--out", default="bench/results/gpu.json")
    a = ap.parse_args()
    dist.init_process_group("nccl" if a.device == "cuda" else "gloo")
    if a.device == "cuda":
        torch.cuda.set_device(0)
    device = torch.device("cuda", 0) if a.device == "cuda" else torch.device("cpu")
    shapes, seq = (TINY, 128) if a.tiny else (MOBILELLM_125M, 2048)
    rows = a.rows or (2 if a.tiny else 16)
    steps = a.steps or (3 if a.tiny else 20)
    bf16 = device.type == "cuda"
    config = hf_config(shapes, seq)
    torch.manual_seed(0)
    initial = {n: p.detach().clone() for n, p in build_model(config).named_parameters()}
    batches = packed_batches(steps + 2, rows, seq, shapes["vocab_size"])
    adamw = {"beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weightDecay": 0.1}
    tokens_per_step = rows * seq

    # The torch engine's step: FSDP2 per block + root, bf16 compute with fp32 masters on GPU.
    engine = ShardedTrainer(config, EngineOptions(adamw=adamw, max_grad_norm=1.0, device=a.device, bf16=bf16), leader=0)
    engine.load(initial, 0)
    feed = iter(batches * 2)
    engine_losses: list[float] = []

    def engine_step() -> None:
        b = next(feed)
        engine_losses.append(engine.train_step([b], 3e-4, b.loss_tokens())["loss"])

    engine_seconds = timed(engine_step, 2, steps, device)

    # Plain PyTorch + transformers: the same model and batches, autocast bf16, fused AdamW on GPU.
    plain = build_model(config).to(device)
    plain.load_state_dict(initial, strict=False)
    optimizer = torch.optim.AdamW(plain.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=device.type == "cuda")
    feed = iter(batches * 2)
    plain_losses: list[float] = []

    def plain_step() -> None:
        b = next(feed).to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = summed_loss(plain, b)
        (loss / b.loss_tokens()).backward()
        torch.nn.utils.clip_grad_norm_(plain.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        plain_losses.append(float(loss.detach()) / b.loss_tokens())

    plain_seconds = timed(plain_step, 2, steps, device)

    # Scoring: forward only, per-token log-probabilities of the targets (what the evaluator needs).
    score_rows = rows * 2
    score_batch = packed_batches(1, score_rows, seq, shapes["vocab_size"], seed=1)[0].to(device)

    @torch.no_grad()
    def score() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = plain(input_ids=score_batch.input_ids, position_ids=score_batch.position_ids).logits
        logp = torch.log_softmax(logits.float(), -1).gather(-1, score_batch.targets.clamp(min=0)[..., None])
        float(logp.sum())

    plain.eval()
    score_seconds = timed(score, 1, max(2, steps // 2), device)

    fpt = flops_per_token(shapes, seq)
    engine_tps = tokens_per_step / engine_seconds
    plain_tps = tokens_per_step / plain_seconds
    result = {
        "command": "bash bench/gpu/run.sh" + (" --tiny" if a.tiny else "") + f" --device {a.device}",
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "model": "tiny" if a.tiny else "MobileLLM-125M shapes (random init)",
        "seq_len": seq,
        "rows_per_step": rows,
        "tokens_per_step": tokens_per_step,
        "dtype": "bf16 compute, fp32 master weights" if bf16 else "fp32",
        "attention": "sdpa with a dense document mask",
        "steps_timed": steps,
        "flops_per_token": fpt,
        "torch_engine_fsdp2": {"tokens_per_s": engine_tps, "step_s": engine_seconds, "mfu": fpt * engine_tps / H200_BF16_DENSE_PEAK, "first_losses": engine_losses[:3]},
        "plain_pytorch_transformers": {"tokens_per_s": plain_tps, "step_s": plain_seconds, "mfu": fpt * plain_tps / H200_BF16_DENSE_PEAK, "first_losses": plain_losses[:3]},
        "engine_vs_plain": engine_tps / plain_tps,
        "scoring": {"samples_per_s": score_rows / score_seconds, "tokens_per_sample": seq},
        "mfu_peak_flops": H200_BF16_DENSE_PEAK,
    }
    if device.type == "cuda":
        result["max_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
