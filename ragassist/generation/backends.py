"""Which backend decodes: onnxruntime, hybrid (PyTorch prompt, onnxruntime tokens), PyTorch or
llama.cpp; "auto" (the default) picks hybrid on CPUs with AMX and onnxruntime elsewhere.

Kept apart from decoding.py, whose DecodingLoop the backends subclass, so that no module imports
the module that imports it back.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace

from ..config import GenerateBackend, GenerateConfig
from .decoding import DecodingLoop

log = logging.getLogger(__name__)


@functools.cache
def has_amx() -> bool:
    """Whether the CPU has AMX bfloat16 tiles, as PyTorch reports: where PyTorch's bf16 prompt
    was measured 3-4x faster than the int8 export (docs/results.md, Speed, session 18)."""
    import torch

    return bool(torch.cpu.get_capabilities().get("amx_bf16"))


def resolve_backend(backend: GenerateBackend) -> GenerateBackend:
    """The backend "auto" stands for on this CPU; any other name as it is."""
    if backend != "auto":
        return backend
    return "hybrid" if has_amx() else "onnxruntime"


def make_generator(config: GenerateConfig) -> DecodingLoop:
    """The generator of the configured backend ("auto" resolved here); loads on first use."""
    config = replace(config, backend=resolve_backend(config.backend))
    if config.backend == "llama.cpp":
        from .llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(config)
    if config.backend == "hybrid":
        from .hybrid_backend import HybridGenerator

        if not has_amx():
            log.warning(
                "backend 'hybrid' on a CPU without AMX: PyTorch's bfloat16 is emulated here (a "
                "300-token prompt of the 1.5B took 4.7x the int8 export's time on an AVX2 CPU); "
                'set backend = "auto" or "onnxruntime" for the faster one'
            )

        return HybridGenerator(config)
    if config.backend == "transformers":
        from .torch_backend import TransformersGenerator

        return TransformersGenerator(config)
    from .onnx_backend import OnnxGenerator

    return OnnxGenerator(config)
