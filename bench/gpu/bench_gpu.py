"""bench/gpu/run.sh's measurements (see there). Every trainer gets the same packed batches (document
masks included) and the same random initial weights: the torch engine three ways (SDPA with a dense
document mask, eager; flex_attention with a BlockMask, eager blocks; flex with torch.compile'd
blocks) and a plain PyTorch + transformers loop. FLOPs are PaLM's count per token:
6 * (parameters that multiply: every Linear, the tied output projection) + 12 * layers * hidden * seq
(attention scores and values, forward + backward, without discounting the causal/document mask)."""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
import time

import torch
import torch.distributed as dist
from torch._dynamo.utils import counters as dynamo_counters

from cptflow_torch.model import MicroBatch, build_model, summed_loss
from cptflow_torch.trainer import EngineOptions, ShardedTrainer

# NVIDIA H200 Tensor Core GPU datasheet: BF16 Tensor Core 1,979 TFLOPS (H200 SXM), quoted with 2:4
# sparsity; dense is half of it.
H200_BF16_DENSE_PEAK = 989e12

# The torch engine's variants: (attention, torch.compile of every block).
ENGINE_VARIANTS = {
    "torch_engine_sdpa": ("sdpa", False),
    "torch_engine_flex": ("flex", False),
    "torch_engine_flex_compiled": ("flex", True),
}
PLAIN = "plain_pytorch_transformers"

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


def timed(fn, warmup: int, steps: int, device: torch.device) -> tuple[float, float]:
    """(seconds of the warm-up steps, where compilation happens; seconds per timed step)."""
    started = time.perf_counter()
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    warm = time.perf_counter()
    for _ in range(steps):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return warm - started, (time.perf_counter() - warm) / steps


def start_memory_count(device: torch.device) -> None:
    gc.collect()  # the previous variant's modules and optimizer state (FSDP2 keeps reference cycles)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_memory_gib(device: torch.device) -> float | None:
    """The variant's high-water mark of allocated GPU memory; None on a CPU (not measured there)."""
    return torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None


def compiled_graphs() -> int:
    """Graphs dynamo has compiled in this process so far. Per variant, the difference: 1 for the
    compiled blocks means one graph serves every block and every batch; more means dynamo
    specialised (a recompile per block or per document layout), and past its recompile limit it
    would quietly run blocks eager."""
    return int(dynamo_counters["stats"]["unique_graphs"])


class ResultFile:
    """The result JSON, rewritten after every variant: a run stopped at its time limit still leaves
    what it measured ("complete": false)."""

    def __init__(self, path: str, header: dict):
        self.path, self.header = path, header
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write(self, variants: dict, complete: bool, **rest) -> dict:
        result = dict(self.header, complete=complete, variants=variants, **rest)
        with open(self.path + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(self.path + ".tmp", self.path)
        return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiny", action="store_true", help="a 2-layer model at 128 tokens (CI smoke run)")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--rows", type=int, default=None, help="rows of one micro-batch")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--budget-s", type=float, default=420.0, help="no variant starts after this many seconds (the run must end inside a GPU lease's 8 minutes)")
    ap.add_argument("--out", default="bench/results/gpu.json")
    a = ap.parse_args()
    began = time.perf_counter()
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

    fpt = flops_per_token(shapes, seq)
    # inductor generates the GPU kernels; on a CPU (the smoke run) aot_eager traces the same graphs,
    # since torch has no CPU kernels for flex_attention's backward.
    compile_backend = "inductor" if device.type == "cuda" else "aot_eager"
    results = ResultFile(a.out, {
        "command": "bash bench/gpu/run.sh" + (" --tiny" if a.tiny else "") + f" --device {a.device}",
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "model": "tiny" if a.tiny else "MobileLLM-125M shapes (random init)",
        "seq_len": seq,
        "rows_per_step": rows,
        "tokens_per_step": tokens_per_step,
        "dtype": "bf16 compute, fp32 master weights" if bf16 else "fp32",
        "steps_timed": steps,
        "flops_per_token": fpt,
        "mfu_peak_flops": H200_BF16_DENSE_PEAK,
        "peak_memory": "torch.cuda.max_memory_allocated per variant (GPU only)",
        "compiled_graphs": "graphs dynamo compiled during the variant: 1 for compiled blocks means one graph serves every block and batch",
    })
    variants: dict[str, dict] = {}

    def measured(step, losses: list[float], **about) -> dict:
        graphs_before = compiled_graphs()
        warmup_s, step_s = timed(step, 2, steps, device)
        tps = tokens_per_step / step_s
        return dict(about, tokens_per_s=tps, step_s=step_s, warmup_s=warmup_s, mfu=fpt * tps / H200_BF16_DENSE_PEAK, peak_memory_gib=peak_memory_gib(device), compiled_graphs=compiled_graphs() - graphs_before, first_losses=losses[:3])

    def record(name: str, variant: dict) -> None:
        variants[name] = variant
        results.write(variants, complete=False)
        shown = {k: variant[k] for k in ("tokens_per_s", "mfu", "warmup_s", "peak_memory_gib", "compiled_graphs", "error") if k in variant}
        print(f"[{time.perf_counter() - began:6.1f}s] {name}: {shown}", flush=True)

    # Plain PyTorch + transformers first, the baseline every ratio needs: the same model and batches
    # (SDPA, dense document mask), autocast bf16, fused AdamW on GPU.
    start_memory_count(device)
    plain = build_model(config).to(device)
    plain.load_state_dict(initial, strict=False)
    optimizer = torch.optim.AdamW(plain.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=device.type == "cuda")
    feed = iter(batches)
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

    record(PLAIN, measured(plain_step, plain_losses, attention="sdpa", compile=None))

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
    _, score_seconds = timed(score, 1, max(2, steps // 2), device)
    scoring = {"samples_per_s": score_rows / score_seconds, "tokens_per_sample": seq}
    plain = optimizer = score_batch = None

    # The torch engine's step: FSDP2 per block + root, bf16 compute with fp32 masters on GPU; in
    # rising order of compile time, so a run cut short keeps the cheap variants.
    for name, (attention, compiled) in ENGINE_VARIANTS.items():
        about = dict(attention=attention, compile=compile_backend if compiled else None)
        if time.perf_counter() - began > a.budget_s:
            record(name, dict(about, error=f"not run: the {a.budget_s:.0f} s budget was spent"))
            continue
        start_memory_count(device)
        try:
            engine = ShardedTrainer(config, EngineOptions(adamw=adamw, max_grad_norm=1.0, device=a.device, bf16=bf16, attention=attention, compile_backend=about["compile"]), leader=0)
            engine.load(initial, 0)
            feed = iter(batches)
            losses: list[float] = []

            def engine_step() -> None:
                b = next(feed)
                losses.append(engine.train_step([b], 3e-4, b.loss_tokens())["loss"])

            record(name, measured(engine_step, losses, **about))
        except Exception as error:  # noqa: BLE001 - one failed variant must not cost a GPU session the others
            traceback.print_exc()
            record(name, dict(about, error=f"{type(error).__name__}: {error}"))
        engine = None

    plain_tps = variants[PLAIN]["tokens_per_s"]
    vs_plain = {name: v["tokens_per_s"] / plain_tps for name, v in variants.items() if name != PLAIN and "error" not in v}
    print(json.dumps(results.write(variants, complete=True, vs_plain=vs_plain, scoring=scoring), indent=2))
    dist.destroy_process_group()
    failed = [name for name, v in variants.items() if "error" in v]
    if failed:
        sys.exit(f"variants that failed or did not run (reasons in {a.out}): {', '.join(failed)}")


if __name__ == "__main__":
    main()
