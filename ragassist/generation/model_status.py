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


def _trained_here() -> list[ModelInfo]:
    """The verifier's small models, trained here and shipped in the package: present and
    matching their pinned sha256, or the command that trains them again."""
    from ..errors import RagassistError
    from ..verification import reply_checker, span_reader

    rows = []
    for name, folder, command, description in (
        ("span-reader", span_reader.SHIPPED, span_reader.TRAIN_COMMAND,
         "all-MiniLM-L6-v2 fine-tuned here to mark the words of a passage that answer a "
         "question: checks every answer (verify.span_reader)"),
        ("reply-checker", reply_checker.SHIPPED, reply_checker.TRAIN_COMMAND,
         "all-MiniLM-L6-v2 fine-tuned here to tell a dialogue reply the knowledge holds from "
         "an invented one (verify --profile dialogue)"),
    ):  # fmt: skip
        try:
            span_reader.check_weights(folder, command, name)
            ok = True
        except RagassistError:
            ok = False
        size = _folder_size(folder) if folder.is_dir() else 0
        how = command.format(path=folder)
        rows.append(ModelInfo(name, "checker", how, ok, None, size, description))
    return rows


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def available_models() -> list[ModelInfo]:
    """Every packaged model: whether its package is installed and a ready copy is cached; then
    the small models trained here."""
    rows = []
    for entry in REGISTRY.values():
        folders = [package_dir(module) for module in entry.packages]
        installed = all(f is not None for f in folders)
        onnx: tuple[str, ...] = ()
        if entry.role == "generator":
            cached: bool | None = (ready_dir_for(entry.name) / "ragassist.json").exists()
            size = entry.size
            exports = (models_dir() / entry.name).glob("onnx-*/ragassist.json")
            onnx = tuple(sorted(m.parent.name.removeprefix("onnx-") for m in exports))
        else:
            cached = None
            size = _folder_size(folders[0]) if installed and folders[0] else 0
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
            )
        )
    return rows + _trained_here()
