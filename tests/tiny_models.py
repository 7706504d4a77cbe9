"""Tiny random models built from a config, saved like any local model directory.

They borrow minilm's WordPiece tokenizer (shipped on disk), so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoTokenizer, BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

from tools.core.models import embedded_folder


def minilm_dir() -> Path:
    return embedded_folder("minilm")


def build_tiny_models(root: Path) -> dict[str, Path]:
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
    vocab = tokenizer.vocab_size
    bert = BertModel(BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=64, max_position_embeddings=64))
    llama = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=3,
                                         num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
                                         max_position_embeddings=64, bos_token_id=tokenizer.cls_token_id,
                                         eos_token_id=tokenizer.sep_token_id,
                                         pad_token_id=tokenizer.pad_token_id))
    paths = {"bert": root / "tiny-bert", "llama": root / "tiny-llama"}
    for name, model in (("bert", bert), ("llama", llama)):
        model.save_pretrained(paths[name])
        tokenizer.save_pretrained(paths[name])
    return paths
