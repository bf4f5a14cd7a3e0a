"""The ready copy of a GGUF model: dequantised once by transformers, saved as safetensors.

Dequantising takes 15-80 s at every load; the ready copy loads in a few seconds. A manifest
records the source (sha256 or path, size, mtime) and the transformers version, so a copy made
from another file or by another transformers is never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

READY_FORMAT = 1  # bump when the layout of a ready copy changes
# an unfinished copy older than this was left by a killed process (a copy takes a few minutes),
# not by one still writing: it is removed when the next copy is made (GBs of disk otherwise)
STALE_SECONDS = 3600


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


@contextlib.contextmanager
def _written_as(folder: Path, identity: dict[str, Any]) -> Iterator[Path]:
    """A temporary folder to fill; on success it gets the manifest and replaces `folder` whole,
    so a copy interrupted mid-write is never taken for a finished one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f"{folder.name}.*.tmp"):  # left by a killed process
        if time.time() - stale.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f"{folder.name}.", suffix=".tmp"))
    try:
        yield tmp
        (tmp / "ragassist.json").write_text(json.dumps(_manifest(identity), indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_ready_copy(tok: Any, model: Any, ready: Path, identity: dict[str, Any]) -> None:
    """Save a GGUF-loaded model as safetensors so the next load skips dequantising.

    transformers refuses to save a model it loaded through its GGUF quantizer; the weights are
    already plain tensors, so the quantizer markers are cleared first (pinned transformers).
    """
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with _written_as(ready, identity) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)


def narrow_copy(ready: Path, dtype: torch.dtype) -> Path:
    """A sibling of a float32 ready copy with its weights stored in `dtype`, made once, tensor by
    tensor (about 20 s for the 1.5B).

    Loading the float32 file into bfloat16 reads all of it and then casts: the 1.5B's load and a
    prompt peaked at 10.9 GB, against 3.6 GB from the bf16 file, whose weights safetensors maps
    (scripts/experiments/measure_bf16_load.py).
    """
    from safetensors import safe_open
    from safetensors.torch import save_file

    name = str(dtype).removeprefix("torch.")
    narrow = ready.with_name(f"{ready.name}-{name}")
    source = json.loads((ready / "ragassist.json").read_text())
    identity = {"dtype": name, "ready": source}
    if ready_copy_is_current(narrow, identity):
        return narrow
    with _written_as(narrow, identity) as tmp:
        for weights in sorted(ready.glob("*.safetensors")):  # one file, or shards and their index
            tensors: dict[str, torch.Tensor] = {}
            with safe_open(str(weights), framework="pt") as f:
                metadata = f.metadata()
                for key in f.keys():
                    tensor = f.get_tensor(key)
                    tensors[key] = tensor.to(dtype) if tensor.is_floating_point() else tensor
            save_file(tensors, str(tmp / weights.name), metadata=metadata)
            del tensors
        for other in ready.iterdir():
            if other.suffix != ".safetensors" and other.name != "ragassist.json":
                shutil.copy2(other, tmp / other.name)
        config = json.loads((tmp / "config.json").read_text())
        config["dtype"] = name
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
    return narrow


def load_ready(folder: Path, dtype: torch.dtype) -> tuple[Any, Any]:
    """(tokenizer, model) from a ready copy or any Hugging Face model folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    return tok, model.eval()
