"""What `ragassist models` lists: each packaged model, whether it is installed, and its caches.

Kept apart from models.py, which finds, joins and loads the weights; this only looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .models import REGISTRY, Role, models_dir, package_dir, ready_dir_for


@dataclass(frozen=True)
class ModelInfo:
    """One row of `ragassist models`."""

    name: str
    role: Role
    package: str  # the pip command that installs it
    installed: bool
    cached: bool | None  # a ready dequantised copy exists (None: nothing to cache)
    size: int  # bytes of the weights as shipped
    description: str
    onnx: tuple[str, ...] = ()  # precisions exported for the onnxruntime backend ("int8", ...)
    copies: int = 0  # bytes on disk of its joined file, ready copies and exports (deletable)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def available_models() -> list[ModelInfo]:
    """Every packaged model: whether its package is installed and a ready copy is cached (the
    small models trained here: verification.small_models.trained_models)."""
    rows = []
    for entry in REGISTRY.values():
        folders = [package_dir(module) for module in entry.packages]
        installed = all(f is not None for f in folders)
        onnx: tuple[str, ...] = ()
        copies = 0
        if entry.role == "generator":
            cached: bool | None = (ready_dir_for(entry.name) / "ragassist.json").exists()
            size = entry.size
            exports = (models_dir() / entry.name).glob("onnx-*/ragassist.json")
            onnx = tuple(sorted(m.parent.name.removeprefix("onnx-") for m in exports))
            copies = folder_size(models_dir() / entry.name)
        else:
            cached = None
            size = folder_size(folders[0]) if installed and folders[0] else 0
        rows.append(
            ModelInfo(
                entry.name,
                entry.role,
                entry.pip_command,
                installed,
                cached,
                size,
                entry.description,
                onnx,
                copies,
            )
        )
    return rows
