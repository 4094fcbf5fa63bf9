"""transformers' LlamaForCausalLM built from the trainer's HF config, and one micro-batch's summed
token loss with attention confined to documents the way libs/model/src/llama's graphs confine it
(attention.py: a dense mask for SDPA, or a BlockMask for flex_attention)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM

from .attention import attention_mask_for, implementation

IGNORE_INDEX = -100


def build_model(config_json: dict, attention: str = "sdpa") -> LlamaForCausalLM:
    """fp32 parameters always: on GPU bf16 is FSDP2's compute dtype, the masters stay fp32.
    `attention`: "sdpa" or "flex" (attention.py)."""
    config = LlamaConfig.from_dict(config_json)
    config._attn_implementation = implementation(attention)
    config.use_cache = False
    with torch.device("cpu"):
        model = LlamaForCausalLM(config).to(torch.float32)
    return model


@dataclass
class MicroBatch:
    """int64 [batch, seq] tensors, as libs/model/src/llama's TokenBatch: targets already shifted (HF labels
    moved one left), -100 where no loss is taken; doc_ids present when rows pack documents."""

    input_ids: torch.Tensor
    position_ids: torch.Tensor
    targets: torch.Tensor
    doc_ids: torch.Tensor | None

    def to(self, device: torch.device) -> "MicroBatch":
        move = lambda t: None if t is None else t.to(device, non_blocking=True)  # noqa: E731
        return MicroBatch(move(self.input_ids), move(self.position_ids), move(self.targets), move(self.doc_ids))

    def loss_tokens(self) -> int:
        return int((self.targets != IGNORE_INDEX).sum())


def summed_loss(model: torch.nn.Module, batch: MicroBatch) -> torch.Tensor:
    """Sum of token negative log-likelihoods (fp32), the quantity whose gradient libs/model/src/llama sums."""
    mask = attention_mask_for(model.config._attn_implementation, batch.input_ids, batch.doc_ids)
    logits = model(input_ids=batch.input_ids, position_ids=batch.position_ids, attention_mask=mask).logits
    return F.cross_entropy(logits.float().flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE_INDEX, reduction="sum")


@torch.no_grad()
def score(model: torch.nn.Module, requests: list[tuple[torch.Tensor, int]], device: torch.device) -> tuple[list[float], list[bool]]:
    """Per (tokens, continuation length): Σ log p(continuation token | everything before it) and
    whether each continuation token is the argmax, as lm-evaluation-harness's HFLM computes them
    (fp32 log-softmax). Rows are right-padded to one batch: causal attention never sees the padding."""
    inputs = [tokens[:-1] for tokens, _ in requests]
    longest = max(len(t) for t in inputs)
    ids = torch.zeros(len(inputs), longest, dtype=torch.long)
    for row, t in enumerate(inputs):
        ids[row, : len(t)] = t
    positions = torch.arange(longest).expand(len(inputs), longest)
    ids = ids.to(device)
    mask = attention_mask_for(model.config._attn_implementation, ids, None)
    logits = model(input_ids=ids, position_ids=positions.to(device), attention_mask=mask).logits.float()
    logprobs, greedy = [], []
    for row, (tokens, continuation) in enumerate(requests):
        end = len(tokens) - 1
        window = torch.log_softmax(logits[row, end - continuation : end], dim=-1)
        targets = tokens[-continuation:].to(window.device)
        logprobs.append(float(window.gather(-1, targets[:, None]).sum()))
        greedy.append(bool((window.argmax(-1) == targets).all()))
    return logprobs, greedy
