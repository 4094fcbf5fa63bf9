"""One optimizer step on every rank of the group, matching libs/model/src/llama's LlamaTrainer.trainStep:
    for each of this rank's micro-batches: forward + backward of (summed token loss / step tokens)
    then once: clip by the global norm of the mean gradient, AdamW (decoupled decay on the chosen
    parameters), parameters and moments sharded by FSDP2 (one unit per decoder block + the root).
Every rank scales its summed loss by world / (loss tokens of the whole step) and FSDP2 averages the
gradients over the ranks, so any split of the micro-batches over ranks gives the same update."""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.distributed.fsdp import CPUOffloadPolicy, MixedPrecisionPolicy, fully_shard
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import DTensor, distribute_tensor

from .model import MicroBatch, build_model, score, summed_loss


@dataclass
class EngineOptions:
    """TrainerOptions of libs/model/src/llama plus the torch section of the trainer's config."""

    adamw: dict
    decay: str = "matrices"
    max_grad_norm: float | None = None
    document_mask: bool = True
    device: str = "cpu"
    bf16: bool = False
    offload: bool = False
    activation_checkpointing: bool = False
    attention: str = "sdpa"
    # torch.compile of every decoder block; None: eager. "inductor" on a GPU; "aot_eager" traces the
    # same graphs without generating kernels (CPU tests, no C++ compiler).
    compile_backend: str | None = None

    @staticmethod
    def from_json(o: dict) -> "EngineOptions":
        return EngineOptions(
            adamw=o["adamw"],
            decay=o.get("decay") or "matrices",
            max_grad_norm=o.get("maxGradNorm"),
            document_mask=o.get("documentMask", True),
            device=o.get("device", "cpu"),
            bf16=o.get("bf16", False),
            offload=o.get("offload", False),
            activation_checkpointing=o.get("activationCheckpointing", False) or o.get("recomputeLayers", False),
            attention=o.get("attention", "sdpa"),
            compile_backend=(o.get("compileBackend") or "inductor") if o.get("compile", False) else None,
        )


def decays(name: str, param: torch.Tensor, policy: str) -> bool:
    """libs/model/src/llama trainer.ts decayPredicate: matrices (ndim >= 2), optionally not the embedding."""
    if policy == "matrices":
        return param.ndim >= 2
    if policy == "matrices-except-embeddings":
        return param.ndim >= 2 and name != "model.embed_tokens.weight"
    raise ValueError(f"decay policy {policy!r} is not one the torch engine knows")


def compile_blocks(model: torch.nn.Module, backend: str) -> None:
    """torch.compile each decoder block in place (parameter names unchanged), after activation
    checkpointing and before FSDP2 wraps it, as torchtitan orders it: the blocks are alike, so one
    graph normally serves them all, and FSDP2's all-gathers stay outside the graphs. Not the whole
    model: the embedding, the tied output projection and the loss stay eager."""
    layers = model.model.layers
    # Dynamo keeps only a few graphs per code object: should it specialise on something that differs
    # per block, the blocks past that limit would silently run eager. Room for one graph each.
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 2 * len(layers))
    # The default mode: "reduce-overhead" records CUDA graphs, which FSDP2's per-block all-gathers
    # and a new block mask every micro-batch defeat; "max-autotune" searches kernels for minutes.
    for block in layers:
        block.compile(backend=backend)


class ShardedTrainer:
    def __init__(self, config_json: dict, options: EngineOptions, leader: int):
        self.options = options
        self.leader = leader
        self.device = torch.device(options.device, torch.cuda.current_device()) if options.device == "cuda" else torch.device("cpu")
        model = build_model(config_json, options.attention)
        if options.activation_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if options.compile_backend is not None:
            compile_blocks(model, options.compile_backend)
        shard_options: dict = {"mesh": init_device_mesh(self.device.type, (dist.get_world_size(),))}
        if options.bf16:
            shard_options["mp_policy"] = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
        if options.offload:
            shard_options["offload_policy"] = CPUOffloadPolicy()
        for block in model.model.layers:
            fully_shard(block, **shard_options)
        fully_shard(model, **shard_options)
        # fully_shard moves parameters (to the GPU, or keeps them in host memory with offload); the
        # buffers (RoPE's inv_freq) go where the compute runs.
        if self.device.type == "cuda":
            for buffer in model.buffers():
                buffer.data = buffer.data.to(self.device)
        self.model = model
        self.names = [name for name, _ in model.named_parameters()]
        self.params = dict(model.named_parameters())
        adamw = options.adamw
        decayed = [p for n, p in self.params.items() if decays(n, p, options.decay)]
        plain = [p for n, p in self.params.items() if not decays(n, p, options.decay)]
        self.optimizer = torch.optim.AdamW(
            [{"params": decayed, "weight_decay": adamw["weightDecay"]}, {"params": plain, "weight_decay": 0.0}],
            lr=0.0,
            betas=(adamw["beta1"], adamw["beta2"]),
            eps=adamw["eps"],
        )
        self.step = 0

    # ---- state in, state out: full fp32 tensors under HF names, on the leader only ----

    @torch.no_grad()
    def load(self, tensors: dict[str, torch.Tensor] | None, step: int) -> None:
        """`tensors` (the leader's; None elsewhere): parameters, and `exp_avg.<name>` /
        `exp_avg_sq.<name>` when resuming. Each is scattered into the ranks' shards."""
        has_moments = step > 0
        for name in self.names:
            param = self.params[name]
            param.to_local().copy_(self._shard_from_leader(tensors, name, param))
            if has_moments:
                self.optimizer.state[param] = {
                    "step": torch.tensor(float(step)),
                    "exp_avg": self._shard_from_leader(tensors, f"exp_avg.{name}", param, as_dtensor=True),
                    "exp_avg_sq": self._shard_from_leader(tensors, f"exp_avg_sq.{name}", param, as_dtensor=True),
                }
        self.step = step

    def _shard_from_leader(self, tensors, name: str, like: DTensor, as_dtensor: bool = False):
        full = tensors[name] if tensors is not None else torch.empty(like.shape, dtype=torch.float32)
        if tuple(full.shape) != tuple(like.shape):
            raise ValueError(f"{name}: shape {tuple(full.shape)}, model expects {tuple(like.shape)}")
        full = full.to(like.to_local().device, torch.float32).contiguous()
        sharded = distribute_tensor(full, like.device_mesh, like.placements, src_data_rank=self.leader)
        return sharded if as_dtensor else sharded.to_local()

    @torch.no_grad()
    def state(self) -> dict[str, torch.Tensor]:
        """Every rank gathers (a collective); the caller keeps the leader's copy."""
        out: dict[str, torch.Tensor] = {}
        for name in self.names:
            param = self.params[name]
            out[name] = param.full_tensor().detach().cpu()
            moments = self.optimizer.state.get(param, {})
            for key in ("exp_avg", "exp_avg_sq"):
                out[f"{key}.{name}"] = moments[key].full_tensor().cpu() if key in moments else torch.zeros(param.shape, dtype=torch.float32)
        return out

    # ---- one optimizer step ----

    def train_step(self, batches: list[MicroBatch], lr: float, step_tokens: int) -> dict:
        started = time.perf_counter()
        # On the compute device: NCCL reduces only GPU tensors.
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        # FSDP2 averages gradients over the ranks; times world / step tokens makes that the step's mean.
        scale = dist.get_world_size() / step_tokens
        for batch in batches:
            loss = summed_loss(self.model, batch.to(self.device))
            (loss * scale).backward()
            loss_sum += loss.detach().double()
        dist.all_reduce(loss_sum)
        max_norm = self.options.max_grad_norm if self.options.max_grad_norm is not None else float("inf")
        grads = [p for p in self.params.values() if p.grad is not None]
        norm = torch.nn.utils.clip_grad_norm_(grads, max_norm)
        norm = norm.full_tensor() if isinstance(norm, DTensor) else norm
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return {
            "loss": float(loss_sum) / step_tokens,
            "grad_norm": float(norm),
            "tokens": step_tokens,
            "compute_ms": (time.perf_counter() - started) * 1000,
        }

    def score(self, requests: list[tuple[torch.Tensor, int]]) -> tuple[list[float], list[bool]]:
        """Every rank runs the same batch (FSDP2 needs all ranks in each forward); the leader answers."""
        self.model.eval()
        try:
            return score(self.model, requests, self.device)
        finally:
            self.model.train()
