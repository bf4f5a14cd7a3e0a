"""The default generator backend: the model exported once to ONNX and run by onnxruntime-genai.

A 0.1-0.5B model is dominated by per-token overhead, which PyTorch eager pays in Python for each
of its few hundred small operations; onnxruntime runs the whole step as one fused graph, and
with int8 weights it reads a quarter of the bytes (bench/generate.py has the figures). The
export is onnxruntime-genai's own model builder, run once per model and precision in a
subprocess from the Hugging Face folder (the ready copy), written to a temporary folder and
renamed, so an interrupted export leaves nothing half-made. The prompt is tokenised by the
Hugging Face tokenizer, so every backend sees the same ids and the decoding loop is shared.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import GenerateConfig
from ..errors import ConfigError, LoadError, ModelMissingError
from .decoding import DecodingLoop, Trace, reusable_prefix

log = logging.getLogger(__name__)

# Prompt tokens evaluated per call. onnxruntime-genai holds the GIL for a whole call: a
# 1,441-token prompt in one call froze every other thread of the process for its 30 s prefill
# (a server's event loop and searches included); in chunks they run between chunks.
PREFILL_CHUNK = 128

INSTALL = "pip install 'onnxruntime-genai==0.18.0' 'onnx==1.23.2' 'onnx-ir==1.1.0'"
PRECISIONS = {"float32": "fp32", "int8": "int8", "int4": "int4"}  # generate.dtype -> builder's
ONNX_FORMAT = 1  # bump when the export's options change
STALE_EXPORT_S = 3600.0  # an export takes under a minute; an older temporary folder was killed
# A ready copy larger than this is first re-saved in bfloat16: the builder's peak memory follows
# the weights it loads (Qwen 1.5B: 17.3 GB from fp32, 14.5 GB from bf16, in 110 s on 2 cores).
STAGE_BF16_ABOVE = 3 << 30
PEAK_PER_WEIGHT_BYTE = 4.7  # measured: 14.5 GB peak for 3.1 GB of bf16 weights
_STAGE = (
    "import sys, torch\n"
    "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
    "m = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.bfloat16)\n"
    "m.save_pretrained(sys.argv[2])\n"
    "AutoTokenizer.from_pretrained(sys.argv[1]).save_pretrained(sys.argv[2])\n"
)


def _import_og() -> Any:
    try:
        import onnxruntime_genai as og
    except ImportError as e:
        raise ModelMissingError(
            "onnxruntime-genai (the default generator backend; or set generate.backend = "
            "'transformers')",
            INSTALL,
        ) from e
    og.disable_telemetry_events()
    return og


def _manifest(source: Path, precision: str) -> dict[str, Any]:
    import onnxruntime_genai as og

    try:
        made_from = json.loads((source / "ragassist.json").read_text())
    except (OSError, ValueError):  # a user's own folder: its config and weights' size and time
        files = sorted(p for p in source.iterdir() if p.is_file())
        made_from = {str(p.name): [p.stat().st_size, p.stat().st_mtime_ns] for p in files}
    return {
        "format": ONNX_FORMAT,
        "onnxruntime_genai": og.__version__,
        "precision": precision,
        "source": str(source),
        "made_from": made_from,
    }


def weight_bytes(folder: Path) -> int:
    """Bytes of a Hugging Face folder's safetensors weights."""
    return sum(p.stat().st_size for p in folder.glob("*.safetensors"))


def available_memory() -> int:
    """Bytes of memory the kernel says can be had without swapping (0 when it does not say)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def check_export_memory(name: str, weights: int) -> None:
    """Refuse an export that would likely run the machine out of memory, saying what to do."""
    need, have = int(weights * PEAK_PER_WEIGHT_BYTE), available_memory()
    if have and have < need:
        raise LoadError(
            name,
            f"exporting it to ONNX needs about {need / 2**30:.1f} GB of free memory and "
            f"{have / 2**30:.1f} GB are available; close other programs and retry, or use "
            "the PyTorch backend (generate.backend / verify.answer_judge_backend = 'transformers')",
        )


def _is_current(dest: Path, manifest: dict[str, Any]) -> bool:
    try:
        return bool(json.loads((dest / "ragassist.json").read_text()) == manifest)
    except (OSError, ValueError):
        return False


def sweep_stale_exports(parent: Path, max_age_s: float = STALE_EXPORT_S) -> list[Path]:
    """Remove temporary export folders a killed process left (older than max_age_s); the removed."""
    now = time.time()
    stale = [
        p for p in parent.glob("onnx-*.tmp") if p.is_dir() and now - p.stat().st_mtime > max_age_s
    ]
    for path in stale:
        log.info("removing %s, left by an interrupted ONNX export", path)
        shutil.rmtree(path, ignore_errors=True)
    return stale


def onnx_copy(name: str, precision: str) -> Path:
    """The ONNX export of a generator at a precision ("fp32", "int8", "int4"), made on first use."""
    from .models import models_dir, ready_folder

    _import_og()
    source = ready_folder(name)
    if models_dir().resolve() in source.resolve().parents:  # a ready copy: export beside it
        dest = source.parent / f"onnx-{precision}"
    else:  # a user's own model folder: the export goes to the cache, keyed by its path
        digest = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:12]
        dest = models_dir() / f"local-{source.name}-{digest}" / f"onnx-{precision}"
    weights = weight_bytes(source)
    staged = weights > STAGE_BF16_ABOVE
    manifest = _manifest(source, precision) | ({"staged": "bfloat16"} if staged else {})
    if _is_current(dest, manifest):
        return dest
    check_export_memory(name, weights // 2 if staged else weights)
    log.info("exporting %s to ONNX (%s), once: 10-120 s", name, precision)
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_exports(dest.parent)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f"onnx-{precision}.", suffix=".tmp"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        out, work, model_in = tmp / "model", tmp / "work", source
        if staged:  # a bfloat16 copy first, in its own process: the builder then loads half
            model_in = tmp / "bf16"
            cmd = [sys.executable, "-c", _STAGE, str(source), str(model_in)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-3:]
                raise LoadError(str(source), "the bfloat16 copy failed: " + " | ".join(tail))
        cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(model_in)]
        cmd += ["-o", str(out), "-p", precision, "-e", "cpu", "-c", str(work)]
        cmd += ["--extra_options", "prune_lm_head=true"]  # prompt: last position's logits only
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0 or not (out / "genai_config.json").exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise LoadError(
                str(source),
                "the ONNX export failed (set generate.backend = 'transformers' to skip it): "
                + " | ".join(tail),
            )
        (out / "ragassist.json").write_text(json.dumps(manifest, indent=1))
        if _is_current(dest, manifest):  # another process finished the same export first
            return dest
        shutil.rmtree(dest, ignore_errors=True)
        try:
            os.replace(out, dest)
        except OSError:
            if not _is_current(dest, manifest):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class OnnxGenerator(DecodingLoop):
    """A generator from the registry (or a local folder) run by onnxruntime; loads on first use.

    One onnxruntime-genai generator is kept between prompts: the next prompt rewinds it to the
    tokens the two share (the system prompt at least) and evaluates only the rest.
    """

    def __init__(self, config: GenerateConfig | None = None) -> None:
        self.config = replace(config or GenerateConfig(), backend="onnxruntime")
        dtype = self.config.resolved_dtype
        if dtype not in PRECISIONS:
            raise ConfigError(
                f"generate.dtype = {dtype!r} is not available with the onnxruntime backend; "
                f"use one of {', '.join(PRECISIONS)}"
            )
        self.precision = PRECISIONS[dtype]
        self.name = f"{self.config.model} (onnxruntime {self.precision})"
        self.last_trace = Trace()
        self._model: Any = None
        self._tokenizer: Any = None
        self._meta: dict[str, Any] = {}
        self._gen: Any = None
        self._seq: list[int] = []  # the tokens the kept generator holds

    def _load(self) -> None:
        from transformers import AutoTokenizer

        from .models import ready_folder

        og = _import_og()
        folder = onnx_copy(self.config.model, self.precision)
        cfg = og.Config(str(folder))
        cfg.clear_providers()  # the CPU
        # no spin-waiting: on a busy CPU spinning threads took the core from the job beside them
        # (2 threads decoded SmolLM2 at 42 tokens/s spinning, 64 not; 1 thread 61)
        # every core by default: onnxruntime's own default counted one here, where 2 threads
        # halved the time to the first token
        threads = self.threads
        options = {
            "intra_op_num_threads": threads,
            "inter_op_num_threads": 1,
            "session.intra_op.allow_spinning": "0",
        }
        cfg.overlay(json.dumps({"model": {"decoder": {"session_options": options}}}))
        self._model = og.Model(cfg)
        self._meta = json.loads((folder / "genai_config.json").read_text())["model"]
        self._tokenizer = AutoTokenizer.from_pretrained(str(ready_folder(self.config.model)))
        log.info("onnxruntime loaded %s (%s, %d threads)", folder, self.precision, threads)

    @property
    def threads(self) -> int:
        """Threads while generating: the configured number, or every core (0)."""
        return self.config.threads or os.cpu_count() or 1

    @property
    def window(self) -> int:  # type: ignore[override]
        """Prompt + answer tokens: the config cap or the model's context, whichever is smaller."""
        _ = self.model
        return min(int(self._meta.get("context_length", 2048)), self.config.context_tokens)

    def reset_cache(self) -> None:
        self._gen, self._seq = None, []

    def with_config(self, config: GenerateConfig) -> OnnxGenerator:
        other = OnnxGenerator(config)
        if config.resolved_dtype == self.config.resolved_dtype:
            other._model, other._tokenizer, other._meta = self.model, self.tokenizer, self._meta
        return other

    def _model_eos(self) -> list[int]:
        _ = self.model
        eos = self._meta.get("eos_token_id", [])
        return [eos] if isinstance(eos, int) else list(eos)

    def _logits(self) -> Any:
        import torch

        return torch.from_numpy(self._gen.get_logits()[0, -1].copy()).float()

    def _start(self, ids: list[int], prefix_tokens: int) -> Any:
        """Evaluate the prompt, keeping the leading tokens the kept generator already holds."""
        import onnxruntime_genai as og  # imported (and checked) by _load

        keep = reusable_prefix(self._seq, ids)
        if self._gen is None or keep == 0:
            params = og.GeneratorParams(self.model)
            params.set_search_options(max_length=self.window)
            self._gen, keep = og.Generator(self.model, params), 0
        elif keep < len(self._seq):
            self._gen.rewind_to(keep)
        self.last_trace.cached_tokens = keep
        rest = ids[keep:]
        for i in range(0, len(rest), PREFILL_CHUNK):  # the GIL is free between chunks
            self._gen.append_tokens(rest[i : i + PREFILL_CHUNK])
        self._seq = list(ids)
        return self._logits()

    def _next(self, token: int) -> Any:
        self._gen.append_tokens([token])
        self._seq.append(token)
        return self._logits()
