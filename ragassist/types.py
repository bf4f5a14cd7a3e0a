"""The dataclasses the stages pass to each other: Document, Chunk, Hit, Claim, Verdict, Answer.

Ids come from content hashes, so indexing the same text twice gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal


def content_hash(text: str | bytes) -> str:
    """sha256 hex digest of text (UTF-8) or bytes: the identity of a file or chunk."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Section:
    """A span of a document with a location a reader understands (a heading or a page)."""

    start: int  # character offset where the section begins in Document.text
    label: str  # "## Heading" path for Markdown/HTML, "page 3" for PDF


@dataclass(frozen=True)
class Document:
    """One loaded file: its plain text plus where its sections start."""

    source: str  # absolute path, or "corpus:NAME/topic" for built-in corpora
    text: str
    title: str
    file_hash: str  # sha256 of the raw file bytes: what decides re-indexing
    sections: tuple[Section, ...] = ()

    def location_at(self, offset: int) -> str:
        """The label of the section that holds character `offset` ('' when none)."""
        label = ""
        for section in self.sections:
            if section.start > offset:
                break
            label = section.label
        return label


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: the unit that is embedded, indexed and cited."""

    id: str  # content hash of (source, start, text): stable across re-indexing
    source: str
    title: str
    location: str  # heading path or page
    start: int  # character offsets in the document text
    end: int
    text: str

    @property
    def embed_text(self) -> str:
        """What is embedded: the section label, then the text (headings help retrieval)."""
        return f"{self.location}\n{self.text}" if self.location else self.text

    @property
    def label(self) -> str:
        """How evidence and citations name the passage: "source (location)"."""
        return f"{self.source} ({self.location})" if self.location else self.source


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever ranks behind it."""

    chunk: Chunk
    score: float  # fused score (higher is better)
    dense_score: float | None = None  # cosine similarity, when the dense retriever found it
    keyword_score: float | None = None  # BM25 score, when the keyword retriever found it


@dataclass(frozen=True)
class Claim:
    """One checkable statement from an answer, with its span in the answer text."""

    text: str
    start: int = 0
    end: int = 0


VerdictLabel = Literal["supported", "not sure", "likely wrong"]
# one line, shown with every verdict: what the three bands mean
VERDICT_BANDS = (
    "supported: few wrong answers score this high; likely wrong: few right answers score this "
    "low (bands chosen on training answers); not sure: in between, check the cited passage"
)


@dataclass(frozen=True)
class Verdict:
    """The verifier's judgement of one claim."""

    claim: Claim
    probability: float  # calibrated probability that the claim is supported by the evidence
    flagged: bool  # probability below the threshold, or nothing the claim adds is in the evidence
    evidence: str = ""  # the best supporting sentence from the retrieved passages
    evidence_source: str = ""  # "source (location)" of that sentence
    signals: dict[str, float] = field(
        default_factory=dict
    )  # every input of the fusion, for --explain
    label: VerdictLabel = "not sure"  # the band the probability falls in (see VERDICT_BANDS)


def worst_label(verdicts: list[Verdict]) -> VerdictLabel:
    """The answer's band: its weakest claim's."""
    labels = {v.label for v in verdicts}
    return next((b for b in ("likely wrong", "not sure") if b in labels), "supported")


@dataclass(frozen=True)
class Citation:
    """A [n] marker in an answer and the passage it points to."""

    number: int
    hit: Hit
    inferred: bool = False  # the model wrote no marker; the verifier found the evidence here


@dataclass
class Answer:
    """What the assistant returns for a question."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    abstained: bool = False
    reason: str = ""  # why it abstained or dropped claims
    support: float | None = (
        None  # answer-level support: the lowest claim probability (None: not verified)
    )
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    models: dict[str, str] = field(default_factory=dict)  # stage -> model name
    # prompt_tokens, new_tokens, first_token_s, tokens_per_s of the generation (empty: none ran)
    generation: dict[str, float] = field(default_factory=dict)
    image_path: str | None = None
    # when the answer judge replaced the generator's answer (or declined it): that answer, its support
    draft: str = ""
    draft_support: float | None = None
    judge: dict[str, float | str] = field(default_factory=dict)  # answer judge: signals, reading
