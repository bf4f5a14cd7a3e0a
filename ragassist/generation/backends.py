"""Which backend decodes: the configured one of onnxruntime (default), PyTorch or llama.cpp.

Kept apart from decoding.py, whose DecodingLoop the backends subclass, so that no module imports
the module that imports it back.
"""

from __future__ import annotations

from ..config import GenerateConfig
from .decoding import DecodingLoop


def make_generator(config: GenerateConfig) -> DecodingLoop:
    """The generator of the configured backend (onnxruntime by default); loads on first use."""
    if config.backend == "llama.cpp":
        from .llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(config)
    if config.backend == "hybrid":
        from .hybrid_backend import HybridGenerator

        return HybridGenerator(config)
    if config.backend == "transformers":
        from .torch_backend import TransformersGenerator

        return TransformersGenerator(config)
    from .onnx_backend import OnnxGenerator

    return OnnxGenerator(config)
