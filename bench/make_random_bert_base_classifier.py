"""A stand-in for the FineWeb-Edu classifier's cost in bench/scorer-event-loop.ts: a randomly initialised
BertForSequenceClassification with bert-base shapes (those of its base model, Snowflake/snowflake-arctic-embed-m:
12 layers, hidden 768, vocab 30,522, 512 positions; regression head), exported to ONNX the way optimum's
text-classification export looks (inputs input_ids, attention_mask, token_type_ids; output logits).
Nothing is downloaded. ~438 MB: write it outside the repository.
    "$(bash scripts/python-env.sh references)" bench/make_random_bert_base_classifier.py OUT_DIR
    node dist/bench/scorer-event-loop.js 8 4 OUT_DIR/model.onnx libs/data/fixtures/model-scorer/tiny-bert/tokenizer.json
"""
import os
import sys
import tempfile

import torch
from transformers import BertConfig, BertForSequenceClassification

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "bert-base")
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
model = BertForSequenceClassification(BertConfig(num_labels=1, problem_type="regression")).eval()
ids = torch.ones(2, 16, dtype=torch.long)
names = ["input_ids", "attention_mask", "token_type_ids"]
with torch.no_grad():
    torch.onnx.export(model, (ids, ids, torch.zeros_like(ids)), os.path.join(out, "model.onnx"), input_names=names, output_names=["logits"],
                      dynamic_axes={n: {0: "batch_size", 1: "sequence_length"} for n in names} | {"logits": {0: "batch_size"}},
                      opset_version=17, dynamo=False)
print(f"{sum(p.numel() for p in model.parameters())} parameters -> {out}/model.onnx")
