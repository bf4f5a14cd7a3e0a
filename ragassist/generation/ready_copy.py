"""The ready copy of a GGUF model: dequantised once by transformers, saved as safetensors.

Dequantising takes 15-80 s at every load; the ready copy loads in a few seconds. A manifest
records the source (sha256 or path, size, mtime) and the transformers version, so a copy made
from another file or by another transformers is never used.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

READY_FORMAT = 1  # bump when the layout of a ready copy changes


def _manifest(identity: dict[str, Any]) -> dict[str, Any]:
    import transformers

    return {"format": READY_FORMAT, "transformers": transformers.__version__, "source": identity}


def ready_copy_is_current(ready: Path, identity: dict[str, Any]) -> bool:
    """True when a ready copy exists and was made from this source with this transformers."""
    try:
        saved = json.loads((ready / "ragassist.json").read_text())
    except (OSError, ValueError):
        return False
    return saved == _manifest(identity)


def load_gguf(path: Path, dtype: torch.dtype | None = None) -> tuple[Any, Any]:
    """Tokenizer and model dequantised from a GGUF file by transformers (slow: 15-40 s)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=dtype or torch.float32
    )
    return tok, model.eval()


def save_ready_copy(tok: Any, model: Any, ready: Path, identity: dict[str, Any]) -> None:
    """Save a GGUF-loaded model as safetensors so the next load skips dequantising.

    transformers refuses to save a model it loaded through its GGUF quantizer; the weights are
    already plain tensors, so the quantizer markers are cleared first (pinned transformers).
    """
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    ready.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=ready.parent, prefix="ready.", suffix=".tmp"))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        (tmp / "ragassist.json").write_text(json.dumps(_manifest(identity), indent=1))
        if ready.exists():
            shutil.rmtree(ready)
        os.replace(tmp, ready)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_ready(folder: Path, dtype: torch.dtype) -> tuple[Any, Any]:
    """(tokenizer, model) from a ready copy or any Hugging Face model folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    return tok, model.eval()
