"""Attention confined to documents (causal AND same document, as attentionBias in
libs/model/src/llama/layers.ts), two ways, chosen by the engine's `attention` setting:

- `sdpa`: a dense boolean mask [batch, 1, seq, seq] handed to transformers' SDPA attention. Simple
  and exact, but a dense mask rules out the flash kernel on a GPU and costs O(seq^2) per row.
- `flex`: torch's flex_attention with a BlockMask built from the document ids: blocks that no query
  may see are skipped, nothing seq x seq is stored. Registered with transformers' attention
  interface under FLEX, so LlamaForCausalLM calls it with the BlockMask the engine passes as its
  (already prepared, 4D) attention mask.
"""
from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch._higher_order_ops.flex_attention import flex_attention as flex_attention_op
from torch.nn.attention.flex_attention import BlockMask, _apply_kernel_options, create_block_mask, flex_attention
from transformers import AttentionInterface

# The name under which the flex path is registered with transformers (config._attn_implementation).
FLEX = "cptflow_flex"
IMPLEMENTATIONS = {"sdpa": "sdpa", "flex": FLEX}

# flex_attention's default tile: document ids are padded to a multiple of it so a mask function
# evaluated on a partial last tile never indexes past the row.
_TILE = 128


def implementation(attention: str) -> str:
    """The transformers attention implementation for the engine's `attention` setting."""
    if attention not in IMPLEMENTATIONS:
        raise ValueError(f"attention {attention!r} is not one the torch engine knows (one of {', '.join(IMPLEMENTATIONS)})")
    return IMPLEMENTATIONS[attention]


def document_mask(doc_ids: torch.Tensor) -> torch.Tensor:
    """[batch, 1, seq, seq] bool, True where query i may attend key j: j <= i and the same document.
    Every query sees at least itself, so no row is empty."""
    seq = doc_ids.shape[1]
    causal = torch.ones(seq, seq, dtype=torch.bool, device=doc_ids.device).tril()
    same_document = doc_ids[:, :, None] == doc_ids[:, None, :]
    return (causal & same_document)[:, None]


def document_block_mask(doc_ids: torch.Tensor) -> BlockMask:
    """The same rule as document_mask, as flex_attention's BlockMask (one for all heads)."""
    batch, seq = doc_ids.shape
    padded = F.pad(doc_ids, (0, -seq % _TILE), value=-1)

    def causal_same_document(b, h, q, k):
        return (k <= q) & (padded[b, q] == padded[b, k])

    return create_block_mask(causal_same_document, batch, None, seq, seq, device=doc_ids.device)


def attention_mask_for(implementation_name: str, input_ids: torch.Tensor, doc_ids: torch.Tensor | None):
    """What the model gets as attention_mask: None (transformers' plain causal mask) or the dense
    document mask for SDPA; always a BlockMask for flex (one document per row without doc_ids)."""
    if implementation_name == FLEX:
        return document_block_mask(doc_ids if doc_ids is not None else torch.zeros_like(input_ids))
    return document_mask(doc_ids) if doc_ids is not None else None


@functools.cache
def _compiled_flex():
    # Eager flex_attention materialises the scores; compiled, it is one fused kernel.
    return torch.compile(flex_attention)


def _reference_flex(query, key, value, block_mask: BlockMask, scale: float) -> torch.Tensor:
    """torch's own dense implementation behind flex_attention, with autograd: the public function
    refuses backward on a CPU (torch 2.11), so CPU training and the CPU tests go through this. Same
    BlockMask, same mask function; only the kernel differs from the GPU path. Private torch names:
    python/requirements-torch.txt pins the version they are read from."""
    options = _apply_kernel_options(query, key, value, False, None)
    out, _, _ = flex_attention_op(query, key, value, lambda score, b, h, q, k: score, block_mask.as_tuple(), scale, options)
    return out


def flex_document_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **_):
    """transformers' attention-function signature: q [b, heads, s, d], k/v [b, kv_heads, s, d];
    returns ([b, s, heads, d], None)."""
    if not isinstance(attention_mask, BlockMask):
        # Without a BlockMask every token would see every other: refuse rather than leak the future.
        raise ValueError("flex attention needs the document BlockMask (cptflow_torch.attention.attention_mask_for)")
    if dropout:
        raise ValueError("flex attention runs without attention dropout")
    group = query.shape[1] // key.shape[1]
    # torch's flex kernel for short queries (scoring) shares a key/value head only among a power of
    # two of query heads; otherwise (MobileLLM: 9 heads over 3) each query head gets its own copy.
    shared_kv = (group & (group - 1)) == 0
    if not shared_kv:
        key, value = key.repeat_interleave(group, 1), value.repeat_interleave(group, 1)
    scale = scaling if scaling is not None else query.shape[-1] ** -0.5
    if query.device.type == "cpu":
        out = _reference_flex(query, key, value, attention_mask, scale)
    else:
        # Inside a compiled block flex_attention is traced into the block's graph; eager blocks
        # call the once-compiled kernel.
        flex = flex_attention if torch.compiler.is_compiling() else _compiled_flex()
        out = flex(query, key, value, block_mask=attention_mask, scale=scale, enable_gqa=shared_kv and group > 1)
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(FLEX, flex_document_attention)
