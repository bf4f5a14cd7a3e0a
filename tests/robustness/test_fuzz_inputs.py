"""Fuzzing the files a user hands over: verify-file JSONL, rag-corpus questions, ragassist.toml.

Property: each file ends in well-typed rows (or a Config whose every field has its declared
type), or in the project's InputError/ConfigError with a message that names the file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ragassist.config import Config
from ragassist.errors import ConfigError, InputError
from ragassist.evaluation.detection import read_verify_file
from ragassist.evaluation.rag_corpus import read_questions

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
good_text = st.text(min_size=1, max_size=40).filter(str.strip)
FIELDS = ["context", "answer", "label", "question", "answers", "source", "answerable"]
VALID = {
    "context": "Otters hold hands while sleeping.",
    "answer": "They hold hands.",
    "label": 0,
    "question": "What do otters do?",
    "answers": ["hold hands"],
    "source": "otters.md",
    "answerable": True,
}


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    """A valid row of either file with a few fields dropped or replaced by any JSON value."""
    row = dict(VALID)
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(FIELDS) | st.text(max_size=8))
        if draw(st.booleans()):
            row.pop(name, None)
        else:
            row[name] = draw(
                json_values
                | good_text
                | st.sampled_from([0, 1, True, False, "yes", " No ", "hallucinated", "", " "])
                | st.lists(good_text, max_size=3)
            )
    return row


@st.composite
def jsonl_lines(draw: st.DrawFn) -> bytes:
    """A JSONL file of mostly plausible rows, with broken, deep, empty and non-UTF-8 lines."""
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(
                ["object", "object", "object", "value", "text", "bytes", "deep", "blank"]
            )
        )
        if kind == "object":
            lines.append(
                json.dumps(draw(objects()), ensure_ascii=draw(st.booleans())).encode(
                    "utf-8", "surrogatepass"
                )
            )
        elif kind == "value":
            lines.append(json.dumps(draw(json_values)).encode())
        elif kind == "text":
            lines.append(draw(st.text(max_size=40)).encode("utf-8", "surrogatepass"))
        elif kind == "bytes":
            lines.append(draw(st.binary(max_size=40)))
        elif kind == "deep":
            depth = draw(st.integers(1, 200_000))
            opener = draw(st.sampled_from(["[", '{"a":']))
            closer = "]" if opener == "[" else "}"
            lines.append((opener * depth + "1" + closer * depth).encode())
        else:
            lines.append(b"   ")
    return b"\n".join(lines)


def write(data: bytes, name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    path = folder / name
    path.write_bytes(data)
    return path


@given(jsonl_lines())
def test_verify_file_reader(within, data: bytes) -> None:
    path = write(data, "rows.jsonl")
    with within():
        try:
            rows = read_verify_file(path)
        except InputError as e:
            assert str(path) in str(e)
            return
    assert rows
    for row in rows:
        assert isinstance(row["context"], str) and row["context"].strip()
        assert isinstance(row["answer"], str) and row["answer"].strip()
        assert isinstance(row["question"], str)
    assert len({"label" in r for r in rows}) == 1
    assert all(r["label"] in (0, 1) for r in rows if "label" in r)


@given(jsonl_lines())
def test_rag_corpus_question_reader(within, data: bytes) -> None:
    path = write(data, "questions.jsonl")
    with within():
        try:
            rows = read_questions(path)
        except InputError as e:
            assert str(path) in str(e)
            return
    assert rows
    for row in rows:
        assert isinstance(row["question"], str) and row["question"].strip()
        assert isinstance(row["answerable"], bool) and isinstance(row["source"], str)
        assert all(isinstance(a, str) for a in row["answers"])
        assert not row["answerable"] or row["answers"]


# --- ragassist.toml ---------------------------------------------------------------------
SECTIONS = {f.name: f for f in dataclasses.fields(Config)}
toml_scalars = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["hash-64", "dense", "flag", "qa", "auto", "onnxruntime", "none"])
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def toml_value(value: Any) -> str:
    """A TOML literal for a Python value (inline tables and arrays for containers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def toml_files(draw: st.DrawFn) -> bytes:
    """A ragassist.toml: known and unknown sections and keys, values of any type, broken syntax."""
    out = []
    for _ in range(draw(st.integers(0, 4))):
        section = draw(st.sampled_from(sorted(SECTIONS)) | st.text(min_size=1, max_size=6))
        field_type = SECTIONS.get(section)
        known = (
            [f.name for f in dataclasses.fields(field_type.default_factory())]
            if field_type and section != "index_dir"
            else []
        )  # type: ignore[misc]
        if section == "index_dir" or draw(st.integers(0, 9)) == 0:
            out.append(f"{json.dumps(section)} = {toml_value(draw(toml_values))}")
            continue
        out.append(f"[{json.dumps(section)}]")
        for _ in range(draw(st.integers(0, 4))):
            key = (
                draw(st.sampled_from(known) | st.text(min_size=1, max_size=6))
                if known
                else draw(st.text(min_size=1, max_size=6))
            )
            out.append(f"{json.dumps(key)} = {toml_value(draw(toml_values))}")
    text = "\n".join(out).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 5)) == 0:  # a broken file: cut, or a stray byte
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.binary(max_size=3))
    return text


def assert_typed(config: Any, name: str = "config") -> None:
    """Every field holds a value of its default's type (an int where a float is expected is fine)."""
    for f in dataclasses.fields(config):
        value, default = (
            getattr(config, f.name),
            getattr(type(config)(), f.name)
            if dataclasses.is_dataclass(config) and f.name != "index_dir"
            else None,
        )
        if dataclasses.is_dataclass(value):
            assert_typed(value, f"{name}.{f.name}")
        elif f.name == "index_dir":
            assert isinstance(value, Path), f"{name}.{f.name} = {value!r}"
        elif isinstance(default, float):
            assert isinstance(value, int | float) and not isinstance(value, bool), (
                f"{name}.{f.name} = {value!r}"
            )
        elif isinstance(default, tuple):
            assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), (
                f"{name}.{f.name} = {value!r}"
            )
        else:
            assert type(value) is type(default), f"{name}.{f.name} = {value!r}"


@given(toml_files())
def test_config_file(within, data: bytes) -> None:
    path = write(data, "ragassist.toml")
    with within():
        try:
            config = Config.load(path)
        except ConfigError as e:
            assert str(path) in str(e)
            return
    assert_typed(config)
