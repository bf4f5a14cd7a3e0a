"""Configuration: one frozen dataclass per stage, composed into Config.

Values come from defaults, then a ragassist.toml file, then RAGASSIST_* environment
variables, then CLI flags. Every field is checked when it is built.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .config_checks import check_choice, check_range, check_type
from .errors import ConfigError
from .paths import default_index_dir

SearchMode = Literal["dense", "keyword", "hybrid"]


@dataclass(frozen=True)
class SplitConfig:
    chunk_tokens: int = 200  # chunk size in embedder tokens (MiniLM reads at most 256)
    overlap_tokens: int = 40  # tokens shared by neighbouring chunks, so no fact is cut in two

    def __post_init__(self) -> None:
        check_range("split.chunk_tokens", self.chunk_tokens, 16, 256)
        check_range("split.overlap_tokens", self.overlap_tokens, 0, self.chunk_tokens - 1)


# torch: sentence-transformers fp32; onnx-fp32: fused onnxruntime graph, same vectors; onnx-int8:
# own index; torch-bf16: PyTorch with bf16 weights (fast on CPUs with AMX or AVX-512 BF16), own index
EmbedBackend = Literal["torch", "onnx-fp32", "onnx-int8", "torch-bf16"]


@dataclass(frozen=True)
class EmbedConfig:
    model: str = "all-MiniLM-L6-v2"  # a name from ragassist.generation.models, or a local sentence-transformers folder
    batch_size: int = 64  # passages embedded per forward pass
    backend: EmbedBackend = "torch"  # onnx-* only for all-MiniLM-L6-v2 (docs/results.md, Speed)
    threads: int = 0  # onnxruntime threads (0 = every core); torch keeps its own setting

    def __post_init__(self) -> None:
        check_range("embed.batch_size", self.batch_size, 1, 4096)
        check_choice("embed.backend", self.backend, EmbedBackend)
        check_range("embed.threads", self.threads, 0, 256)


@dataclass(frozen=True)
class IndexConfig:
    max_file_mb: float = 50.0  # larger files are skipped with a reason
    # exact search below this many chunks, HNSW above (`make bench-ann`, real MiniLM vectors):
    # exact costs 3 ms at 34k chunks and 86 ms at 1M, little beside an answer's seconds, while
    # HNSW's recall@10 at 1M was 0.81-0.89 (docs/results.md, "Approximate search")
    flat_below: int = 1_000_000

    def __post_init__(self) -> None:
        check_range("index.max_file_mb", self.max_file_mb, 0.001, 10_000)


@dataclass(frozen=True)
class RetrieveConfig:
    k: int = 5  # passages handed to the generator
    mode: SearchMode = "hybrid"  # dense, keyword or hybrid (reciprocal-rank fusion)
    rrf_k: int = 60  # the constant of reciprocal-rank fusion (Cormack et al. 2009)
    candidates: int = 50  # hits taken from each retriever before fusion
    # abstain without generating when the best passage's cosine is below this
    min_relevance: float = 0.30

    def __post_init__(self) -> None:
        check_choice("retrieve.mode", self.mode, SearchMode)
        check_range("retrieve.k", self.k, 1, 1000)


# auto: each backend's measured best (bench/generate.py): int8 for onnxruntime, bfloat16 for
# transformers (whose int8 is dynamic quantisation, opt-in); llama.cpp runs the GGUF as it is
GenerateDtype = Literal["auto", "float32", "bfloat16", "int8", "int4"]
# hybrid: the prompt in PyTorch bf16, the tokens in the onnxruntime int8 export (CPUs with AMX);
# auto: hybrid where the CPU has AMX, onnxruntime elsewhere (generation/backends.py)
GenerateBackend = Literal["auto", "onnxruntime", "transformers", "llama.cpp", "hybrid"]
AUTO_DTYPE = {
    "auto": "int8",
    "onnxruntime": "int8",
    "transformers": "bfloat16",
    "llama.cpp": "float32",
    "hybrid": "int8",
}


@dataclass(frozen=True)
class GenerateConfig:
    # a name from ragassist.generation.models, a local HF folder or a .gguf file. Qwen: gold answer contained
    # 0.400 vs SmolLM2 0.300 on the same 200 held-out HaluEval-QA questions, at half the speed
    model: str = "qwen2.5-0.5b"
    # onnxruntime: exported once to ONNX (int8 weights by default), 4-5x plain transformers;
    # "transformers" decodes in PyTorch; "llama.cpp" runs the GGUF (make install-llamacpp);
    # "auto" (default): "hybrid" on CPUs with AMX, whose prompts it evaluates 3-4x sooner
    backend: GenerateBackend = "auto"
    max_new_tokens: int = 160  # the answer is cut after this many tokens
    temperature: float = 0.0  # 0 means greedy decoding (reproducible); above 0 samples
    top_p: float = 1.0  # nucleus sampling mass, used only when temperature > 0
    repetition_penalty: float = 1.0  # >1 discourages repeating tokens (1.0 = off)
    stop: tuple[str, ...] = ("\nQuestion:",)  # stop sequences besides end-of-turn (echoed prompts)
    dtype: GenerateDtype = "auto"  # weights' precision; see GenerateDtype
    # threads while generating; 0 = each backend's measured best: onnxruntime every core,
    # without spin-waiting (as fast as 1 thread or faster on a busy 2-core CPU, 2x faster to
    # the first token on a quiet one); PyTorch 1 (its 2 threads fight other jobs)
    threads: int = 0
    context_tokens: int = 2048  # prompt budget in tokens, capped by the model's own window
    # 0: the passages whole; N: only the two windows of the passages closest to the question,
    # about N characters together (the answer judge's evidence), so far fewer tokens to prefill.
    # 100 HaluEval-QA training questions: gold contained 46 (900), 46 (1600), 43 (whole)
    excerpt_chars: int = 900
    max_question_tokens: int = 256  # longer questions are refused, not cut
    seed: int = 0  # sampling seed, used only when temperature > 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "stop", tuple(self.stop))
        check_choice("generate.dtype", self.dtype, GenerateDtype)
        check_choice("generate.backend", self.backend, GenerateBackend)
        check_range("generate.max_new_tokens", self.max_new_tokens, 1, 8192)
        check_range("generate.temperature", self.temperature, 0.0, 5.0)
        check_range("generate.top_p", self.top_p, 0.01, 1.0)
        check_range("generate.repetition_penalty", self.repetition_penalty, 0.5, 3.0)
        check_range("generate.threads", self.threads, 0, 256)
        check_range("generate.context_tokens", self.context_tokens, 256, 131072)
        check_range("generate.excerpt_chars", self.excerpt_chars, 0, 100_000)
        check_range("generate.max_question_tokens", self.max_question_tokens, 8, 8192)

    @property
    def resolved_dtype(self) -> str:
        """The dtype in force: `dtype`, or the backend's measured best when it is "auto"."""
        return AUTO_DTYPE[self.backend] if self.dtype == "auto" else self.dtype


VerifyPolicy = Literal["flag", "strict", "abstain"]
VerifyProfile = Literal["qa", "dialogue", "summarization", "general", "answers"]


@dataclass(frozen=True)
class VerifyConfig:
    enabled: bool = True  # split the answer into claims and check each against the evidence
    policy: VerifyPolicy = "flag"  # flag: mark claims; strict: drop flagged claims; abstain: refuse below abstain_below
    profile: VerifyProfile = "general"  # which fitted fusion (ragassist/verification/data/fusion.json) makes the probability; general = sentence claims
    answer_profile: VerifyProfile = "answers"  # the fusion for the assistant's own answers: fitted on them, it also weighs the generator's token probabilities and the retrieval similarity
    judge: bool = False  # also ask the LM judge (judge_model): +0.02 AUROC on QA, but doubles answer time (bench/verify.py)
    judge_model: str = "qwen2.5-0.5b"  # the judge LM: a ragassist.generation.models name; skipped when it is the generator
    judge_dtype: GenerateDtype = "bfloat16"  # bfloat16 is faster on CPUs with AVX512-BF16
    judge_tokens: int = 1536  # evidence tokens the judge reads (the best windows come first)
    threshold: float = -1.0  # flag below this probability; -1: the one fitted on training rows
    abstain_below: float = 0.3  # policy abstain: refuse the answer below this probability
    # also flag a claim whose every new word (beyond the question's) is in no passage
    flag_invented: bool = True
    window_chars: int = 1000  # evidence is cut into windows of about this many characters
    top_windows: int = 4  # windows per claim that the signals are computed on
    threads: int = 0  # torch intra-op threads for the judge; 0 leaves torch's default
    answer_judge: bool = True  # the assistant's own answers: a larger second model reads question, evidence and answer
    answer_judge_model: str = "qwen2.5-1.5b"  # never the generator's own model (skipped then)
    answer_judge_backend: GenerateBackend = "auto"  # as generate.backend
    answer_judge_chars: int = 900  # evidence it reads: the windows closest to the question
    # "X or Y?" comparisons and yes/no questions about two things: the judge reads one fact or
    # asks one question per thing, and the answer is put together in code
    compare_facts: bool = True
    span_reader: bool = (
        True  # a small extractive reader (MiniLM, trained here) checks the answer: ~0.1 s
    )
    reply_checker: bool = (
        True  # profile dialogue: a MiniLM cross-encoder trained here reads the reply
    )
    summary_checker: bool = (
        True  # profile summarization: a MiniLM cross-encoder trained here reads the summary
    )

    def __post_init__(self) -> None:
        check_choice("verify.policy", self.policy, VerifyPolicy)
        check_choice("verify.answer_judge_backend", self.answer_judge_backend, GenerateBackend)
        check_range("verify.answer_judge_chars", self.answer_judge_chars, 200, 20_000)
        check_choice("verify.profile", self.profile, VerifyProfile)
        check_choice("verify.answer_profile", self.answer_profile, VerifyProfile)
        check_choice("verify.judge_dtype", self.judge_dtype, GenerateDtype)
        if self.threshold != -1.0:
            check_range("verify.threshold", self.threshold, 0.0, 1.0)
        check_range("verify.abstain_below", self.abstain_below, 0.0, 1.0)
        check_range("verify.judge_tokens", self.judge_tokens, 64, 32768)
        check_range("verify.window_chars", self.window_chars, 100, 100_000)
        check_range("verify.top_windows", self.top_windows, 1, 100)
        check_range("verify.threads", self.threads, 0, 256)


RewriteMethod = Literal["none", "last-turn", "cues", "cues+relevance", "llm"]
REWRITE_METHODS: tuple[str, ...] = get_args(RewriteMethod)


@dataclass(frozen=True)
class ChatConfig:
    rewrite: RewriteMethod = (
        "cues+relevance"  # how follow-ups become standalone queries (eval/chat/report.md)
    )
    history_turns: int = 4  # earlier turns the rewriting may look at (the history window)
    max_terms: int = 12  # topic words carried over from the history into a rewritten query
    follow_up_relevance: float = (
        0.30  # cues+relevance: a question whose best passage cosine is below this leans on history
    )
    rewrite_tokens: int = 40  # llm: the rewritten question is cut after this many tokens

    def __post_init__(self) -> None:
        check_choice("chat.rewrite", self.rewrite, RewriteMethod)
        check_range("chat.history_turns", self.history_turns, 0, 100)
        check_range("chat.max_terms", self.max_terms, 1, 100)
        check_range("chat.follow_up_relevance", self.follow_up_relevance, 0.0, 1.0)
        check_range("chat.rewrite_tokens", self.rewrite_tokens, 8, 256)


@dataclass(frozen=True)
class Config:
    """Everything configurable, one section per stage."""

    index_dir: Path = field(default_factory=default_index_dir)
    split: SplitConfig = field(default_factory=SplitConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    retrieve: RetrieveConfig = field(default_factory=RetrieveConfig)
    generate: GenerateConfig = field(default_factory=GenerateConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    chat: ChatConfig = field(default_factory=ChatConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_dir", Path(self.index_dir).expanduser())

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> Config:
        """Defaults, then a TOML file (path, or ./ragassist.toml if present), then overrides.

        overrides are section-qualified like ``retrieve__k=8`` or top-level like ``index_dir=...``.
        """
        config = cls()
        toml_path = Path(path) if path else Path("ragassist.toml")
        if path and not toml_path.exists():
            raise ConfigError(f"config file {toml_path} does not exist; pass an existing TOML file")
        if toml_path.exists():
            with toml_path.open("rb") as f:
                try:
                    data = tomllib.load(f)
                except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                    raise ConfigError(f"{toml_path} is not valid TOML: {e}") from e
            config = config.merged(data, str(toml_path))
        flat: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            section, _, name = key.partition("__")
            if name:
                flat.setdefault(section, {})[name] = value
            else:
                top: dict[str, Any] = {section: Path(value) if section == "index_dir" else value}
                config = replace(config, **top)
        return config.merged(flat, "overrides")

    def merged(self, data: dict[str, Any], origin: str) -> Config:
        """A copy with the sections in `data` replaced; unknown keys are errors, not ignored."""
        changes: dict[str, Any] = {}
        sections = {f.name: f for f in fields(self)}
        for key, value in data.items():
            if key not in sections:
                raise ConfigError(
                    f"{origin}: unknown section {key!r}; known: {', '.join(sections)}"
                )
            current = getattr(self, key)
            if key == "index_dir":
                if not isinstance(value, str | Path):
                    raise ConfigError(f"{origin}: index_dir given as {value!r} must be a path")
                changes[key] = Path(value)
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: {key} given as {value!r} must be a [{key}] table")
            known = {f.name for f in fields(current)}
            unknown = set(value) - known
            if unknown:
                raise ConfigError(
                    f"{origin}: unknown key(s) {sorted(unknown)} in [{key}]; known: {sorted(known)}"
                )
            for name, given in value.items():
                check_type(f"{origin}: {key}.{name}", given, getattr(current, name))
            try:
                changes[key] = replace(current, **value)
            except ConfigError as e:  # a range or choice: say which file it came from
                raise ConfigError(f"{origin}: {e}") from e
        return replace(self, **changes)
