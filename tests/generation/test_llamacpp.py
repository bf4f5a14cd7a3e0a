"""The optional llama.cpp backend: a clear error without it; with it, the same answers' start."""

from __future__ import annotations

import sys

import pytest

from ragassist.config import GenerateConfig
from ragassist.errors import ModelMissingError
from ragassist.generation.llamacpp_backend import LlamaCppGenerator


def test_missing_llama_cpp_names_the_install_command(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import fails as if not installed
    gen = LlamaCppGenerator(GenerateConfig(backend="llama.cpp"))
    with pytest.raises(ModelMissingError, match="make install-llamacpp"):
        gen.complete("Hello")


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="generate.backend"):
        GenerateConfig(backend="vllm")  # type: ignore[arg-type]


@pytest.mark.slow
def test_llama_cpp_matches_transformers_on_the_first_tokens() -> None:
    """Same GGUF, same prompt ids: llama.cpp (quantised) and PyTorch (dequantised) agree closely."""
    pytest.importorskip("llama_cpp")
    from ragassist.generation.torch_backend import TransformersGenerator

    config = GenerateConfig(model="smollm2-135m", max_new_tokens=8, dtype="float32")
    fast = LlamaCppGenerator(config)
    plain = TransformersGenerator(config)
    prompt = plain.tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France? Answer in one word."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    fast_text, plain_text = fast.complete(prompt), plain.complete(prompt)
    assert "Paris" in fast_text and "Paris" in plain_text
    first_fast, first_plain = fast.last_trace.steps[0], plain.last_trace.steps[0]
    assert first_fast.token_id == first_plain.token_id
    assert abs(first_fast.logprob - first_plain.logprob) < 0.5
    again = fast.complete(prompt)  # the whole prompt is in llama.cpp's cache now
    assert (
        again == fast_text
        and fast.last_trace.cached_tokens
        == len(plain.tokenizer(prompt, add_special_tokens=False)["input_ids"]) - 1
    )
