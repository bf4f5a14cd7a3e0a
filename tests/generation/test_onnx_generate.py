"""The onnxruntime backend: a tiny random Llama exported to ONNX must decode as PyTorch does."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ragassist.config import GenerateConfig
from ragassist.errors import ConfigError, ModelMissingError
from ragassist.generation import backends, hybrid_backend
from ragassist.generation.backends import make_generator
from ragassist.generation.hybrid_backend import HybridGenerator
from ragassist.generation.onnx_backend import OnnxGenerator, onnx_copy
from ragassist.generation.prompt import build_prompt
from ragassist.generation.tiny import tiny_causal_lm
from ragassist.generation.torch_backend import TransformersGenerator
from ragassist.types import Chunk, Hit

TEXT = "The Eiffel Tower was completed in 1889 and is 330 metres tall."
HITS = [Hit(Chunk("c1", "/docs/paris.md", "Paris", "", 0, len(TEXT), TEXT), 1.0)]


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    """The tiny random Llama saved as a Hugging Face folder, as a user's own model would be."""
    tok, model = tiny_causal_lm(seed=0)
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ragassist-home")


@pytest.fixture
def config(tiny_folder: Path, home: Path, monkeypatch) -> GenerateConfig:
    monkeypatch.setenv("RAGASSIST_HOME", str(home))
    return GenerateConfig(
        model=str(tiny_folder),
        backend="onnxruntime",
        max_new_tokens=24,
        context_tokens=512,
        dtype="float32",
    )


@pytest.mark.parametrize(("amx", "expected"), [(True, HybridGenerator), (False, OnnxGenerator)])
def test_auto_backend_is_hybrid_only_where_the_cpu_has_amx(
    config: GenerateConfig, monkeypatch, amx: bool, expected: type
) -> None:
    monkeypatch.setattr(backends, "has_amx", lambda: amx)
    gen = make_generator(replace(config, backend="auto"))
    assert type(gen) is expected and gen.config.backend != "auto"
    assert make_generator(config).config.backend == "onnxruntime"  # a named backend stays


def test_hybrid_pinned_on_a_cpu_without_amx_says_it_is_slow_there(
    config: GenerateConfig, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(backends, "has_amx", lambda: False)
    assert type(make_generator(replace(config, backend="hybrid"))) is HybridGenerator
    assert "without AMX" in caplog.text and "onnxruntime" in caplog.text
    caplog.clear()
    monkeypatch.setattr(backends, "has_amx", lambda: True)
    make_generator(replace(config, backend="hybrid"))
    assert "without AMX" not in caplog.text


def prompt_for(gen, question: str):
    return build_prompt(question, HITS, gen.tokenizer, gen.window, gen.config.max_new_tokens)


def run(gen, question: str) -> list[tuple[int, float]]:
    gen.eos_ids = frozenset()  # a random model: decode the full budget every time
    gen.complete(prompt_for(gen, question))
    return [(s.token_id, s.logprob) for s in gen.last_trace.steps]


def test_onnx_fp32_decodes_the_same_tokens_as_pytorch(config: GenerateConfig) -> None:
    onnx = make_generator(config)
    assert isinstance(onnx, OnnxGenerator) and config.backend == "onnxruntime"
    torch_gen = TransformersGenerator(replace(config, backend="transformers"))
    ours, theirs = run(onnx, "How tall is the tower?"), run(torch_gen, "How tall is the tower?")
    assert [t for t, _ in ours] == [t for t, _ in theirs] and len(ours) == 24
    assert max(abs(a - b) for (_, a), (_, b) in zip(ours, theirs, strict=True)) < 1e-3


def test_next_prompt_reuses_the_shared_prefix(config: GenerateConfig) -> None:
    gen = OnnxGenerator(config)
    run(gen, "How tall is the tower?")
    second = run(gen, "When was the tower completed?")
    assert gen.last_trace.cached_tokens > 10  # the system prompt and passages were kept
    fresh = OnnxGenerator(config).with_config(config)  # shares the model, not the cache
    assert [t for t, _ in run(fresh, "When was the tower completed?")] == [t for t, _ in second]
    assert fresh.last_trace.cached_tokens == 0


def test_export_is_made_once_and_an_interrupted_one_is_ignored_then_swept(
    config: GenerateConfig,
) -> None:
    first = onnx_copy(config.model, "fp32")
    stamp = (first / "model.onnx").stat().st_mtime_ns
    (first.parent / "onnx-fp32.abc.tmp").mkdir()  # what a killed export leaves behind
    assert onnx_copy(config.model, "fp32") == first
    assert (first / "model.onnx").stat().st_mtime_ns == stamp
    old = first.parent / "onnx-fp32.old.tmp"
    old.mkdir()
    os.utime(old, (time.time() - 2 * 3600,) * 2)  # left by an export killed two hours ago
    (first / "ragassist.json").write_text("{broken")  # a damaged manifest: exported again
    assert onnx_copy(config.model, "fp32") == first
    assert (first / "model.onnx").stat().st_mtime_ns != stamp
    assert not old.exists()  # swept before the new export
    assert (first.parent / "onnx-fp32.abc.tmp").exists()  # recent: may be another live export


def test_int8_export_generates(config: GenerateConfig) -> None:
    gen = OnnxGenerator(replace(config, dtype="int8", max_new_tokens=6))
    assert gen.name.endswith("(onnxruntime int8)")
    assert len(run(gen, "How tall?")) == 6


def test_unsupported_dtype_and_missing_package_are_clear(config, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="onnxruntime backend"):
        OnnxGenerator(replace(config, dtype="bfloat16"))
    assert GenerateConfig().resolved_dtype == "int8"
    assert GenerateConfig(backend="transformers").resolved_dtype == "bfloat16"
    monkeypatch.setitem(sys.modules, "onnxruntime_genai", None)
    with pytest.raises(ModelMissingError, match="pip install 'onnxruntime-genai"):
        OnnxGenerator(config).complete("hello")


@pytest.mark.parametrize("export_tokens", [0, 1000])
def test_hybrid_hands_the_prompt_cache_to_the_int8_export_and_reuses_it(
    config: GenerateConfig, monkeypatch, export_tokens: int
) -> None:
    """backend = "hybrid": the prompt runs in PyTorch bf16, the tokens in the int8 export; a
    second prompt sharing a prefix decodes as a fresh generator does from the whole prompt,
    whether its new tokens run in PyTorch (export_tokens 0) or in the export (1000)."""
    hybrid = make_generator(replace(config, backend="hybrid"))
    assert isinstance(hybrid, HybridGenerator) and hybrid.config.resolved_dtype == "int8"
    first = run(hybrid, "How tall is the tower?")
    assert len(first) == 24
    monkeypatch.setattr(hybrid_backend, "EXPORT_TOKENS", export_tokens)
    second = run(hybrid, "When was the tower completed?")
    assert hybrid.last_trace.cached_tokens > 10
    fresh = make_generator(replace(config, backend="hybrid"))
    assert [t for t, _ in run(fresh, "When was the tower completed?")] == [t for t, _ in second]
    assert fresh.last_trace.cached_tokens == 0
    again = run(fresh, "When was the tower completed?")  # the whole prompt cached but one token
    assert [t for t, _ in again] == [t for t, _ in second]
