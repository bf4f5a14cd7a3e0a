"""Weights on disk: one safetensors file plus one JSON config per model, nothing pickled."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any, TypeVar

import torch
from safetensors.torch import load_file, save_file

from ..errors import ModelMissingError

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).parent / "weights"
TRAIN_HINT = "ragassist train-image --data shapes --out ragassist/image/weights/shapes"

C = TypeVar("C")


def save_model(
    model: torch.nn.Module, config: Any, folder: Path, name: str, extra: dict | None = None
) -> None:
    """Write folder/name.safetensors and folder/name.json (the config and any extra facts)."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(tensors, str(folder / f"{name}.safetensors"))
    meta = {"config": dataclasses.asdict(config), **(extra or {})}
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    log.info("saved %s to %s", name, folder)


def read_meta(folder: Path, name: str) -> dict:
    """The JSON beside a weights file; a clear error when it is missing."""
    path = folder / f"{name}.json"
    if not path.exists() or not (folder / f"{name}.safetensors").exists():
        raise ModelMissingError(f"The image model weights {folder / name}.safetensors", TRAIN_HINT)
    return json.loads(path.read_text())


def load_model(model_cls: type, config_cls: type[C], folder: Path, name: str) -> tuple[Any, dict]:
    """Build model_cls(config) from folder/name.json and fill it from the safetensors file."""
    meta = read_meta(folder, name)
    config = config_cls(**meta["config"])
    model = model_cls(config)
    model.load_state_dict(load_file(str(folder / f"{name}.safetensors")))
    model.eval()
    return model, meta
