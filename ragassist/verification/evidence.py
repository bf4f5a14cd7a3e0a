"""Evidence for a claim: the retrieved passages cut into windows and sentences, and the best of them.

Long contexts are never cut: they are split into windows, the claim is matched against every
window, and the signals are computed on the best few (SummaC: sentence-level matching then
aggregation beats scoring a whole document at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..index.embed import Embedder
from ..types import Chunk, Hit, content_hash
from .claims import split_sentences
from .signals import content_words


@dataclass(frozen=True)
class Window:
    """A piece of evidence no longer than the embedder reads, with where it came from."""

    text: str
    source: str  # "source (location)" as shown to the user
    sentences: tuple[str, ...]
    section: str = ""  # the chunk's heading path: matched with the text, as the index embeds it

    @property
    def match_text(self) -> str:
        """What a claim is matched against: the section path, then the text."""
        return f"{self.section}\n{self.text}" if self.section else self.text


PREFILTER = 16  # windows embedded per claim: the ones sharing most content words with it


@dataclass
class EvidencePool:
    """All windows of the evidence for one answer; embeddings are computed once, when needed."""

    windows: list[Window]
    embedder: Embedder
    _window_vecs: dict[int, np.ndarray] = field(default_factory=dict)
    _sentence_vecs: dict[int, np.ndarray] = field(default_factory=dict)
    _words: dict[int, set[str]] = field(default_factory=dict)

    def window_vecs(self, idx: Sequence[int]) -> np.ndarray:
        """Embeddings of the given windows, computing only the missing ones."""
        todo = [i for i in idx if i not in self._window_vecs]
        if todo:
            for i, v in zip(
                todo, self.embedder.embed([self.windows[i].match_text for i in todo]), strict=True
            ):
                self._window_vecs[i] = v
        return np.stack([self._window_vecs[i] for i in idx]) if idx else np.zeros((0, 1))

    def words(self, i: int) -> set[str]:
        if i not in self._words:
            self._words[i] = set(content_words(self.windows[i].match_text))
        return self._words[i]


def windows_of(text: str, source: str, max_chars: int, section: str = "") -> list[Window]:
    """Whole sentences grouped into windows of at most about max_chars characters."""
    out: list[Window] = []
    group: list[str] = []
    size = 0
    for s, e in split_sentences(text):
        sentence = text[s:e]
        while len(sentence) > max_chars:  # one huge "sentence" (a table, no punctuation)
            head, sentence = sentence[:max_chars], sentence[max_chars:]
            out.append(Window(head, source, (head,), section))
        if group and size + len(sentence) > max_chars:
            out.append(Window(" ".join(group), source, tuple(group), section))
            group, size = [], 0
        group.append(sentence)
        size += len(sentence) + 1
    if group:
        out.append(Window(" ".join(group), source, tuple(group), section))
    return out


def context_hits(context: str | Sequence[str], name: str = "context") -> list[Hit]:
    """Wrap raw context text(s) as hits so any context can be verified like retrieved passages."""
    texts = [context] if isinstance(context, str) else list(context)
    hits = []
    for i, text in enumerate(texts):
        source = name if len(texts) == 1 else f"{name} {i + 1}"
        cid = content_hash(f"{source}\x00{text}")
        hits.append(Hit(Chunk(cid, source, source, "", 0, len(text), text), score=1.0))
    return hits


def build_pool(hits: Sequence[Hit], embedder: Embedder, max_chars: int) -> EvidencePool:
    """Cut every hit into windows (embedded later, only those a claim may need)."""
    return EvidencePool(_cut(hits, max_chars)[0], embedder)


def _cut(hits: Sequence[Hit], max_chars: int) -> tuple[list[Window], list[int]]:
    """The hits' windows in order, and the index of the hit each came from."""
    windows: list[Window] = []
    owners: list[int] = []
    for n, h in enumerate(hits):
        cut = windows_of(h.chunk.text, h.chunk.label, max_chars, h.chunk.location)
        windows += cut
        owners += [n] * len(cut)
    return windows, owners


def _overlap(claim_words: set[str], text: str) -> float:
    if not claim_words:
        return 0.0
    return len(claim_words & set(content_words(text))) / len(claim_words)


def select(
    pool: EvidencePool, claim: str, claim_vec: np.ndarray, embedder: Embedder, top: int
) -> tuple[list[int], str, str, float, float]:
    """(best windows in document order, best sentence, its source, its cosine, best window cosine).

    The PREFILTER windows sharing most of the claim's content words are embedded; they rank by
    cosine to the claim plus that share, so a window naming the claim's entities wins even when
    phrased differently. A long context is thus searched whole without embedding all of it.
    """
    if not pool.windows:
        return [], "", "", 0.0, 0.0
    words = set(content_words(claim))
    share = [
        len(words & pool.words(i)) / len(words) if words else 0.0 for i in range(len(pool.windows))
    ]
    cand = sorted(range(len(pool.windows)), key=lambda i: -share[i])[:PREFILTER]
    sims = pool.window_vecs(cand) @ claim_vec
    rank = {i: float(sims[k]) + share[i] for k, i in enumerate(cand)}
    best = sorted(sorted(cand, key=lambda i: -rank[i])[:top])
    window_cos = float(max(sims[cand.index(i)] for i in best))
    best_sentence, best_source, best_cos, best_score = "", "", 0.0, -np.inf
    for i in best:
        if i not in pool._sentence_vecs:
            pool._sentence_vecs[i] = embedder.embed(list(pool.windows[i].sentences))
        cos = pool._sentence_vecs[i] @ claim_vec
        for j, sentence in enumerate(pool.windows[i].sentences):
            score = float(cos[j]) + _overlap(words, sentence)
            if score > best_score:
                best_sentence, best_source = sentence, pool.windows[i].source
                best_cos, best_score = float(cos[j]), score
    return best, best_sentence, best_source, best_cos, window_cos


# (key, result) of the last question_windows call, replaced whole so a reader sees one pair
_last_selection: tuple[Any, Any] | None = None


def question_windows(
    question: str, hits: Sequence[Hit], embedder: Embedder, max_chars: int
) -> tuple[list[Window], list[int], list[int]]:
    """(the hits' windows of about max_chars // 2, the hit each came from, the two closest to
    the question). The answer judge and the generator's excerpts both read this selection: the
    passage text that bears on the question, not five whole passages. The last selection is
    kept, so the judge reuses the one the prompt made for the same question and passages."""
    global _last_selection
    key = (question, tuple(h.chunk.id for h in hits), max_chars, id(embedder), embedder.name)
    last = _last_selection
    if last is not None and last[0] == key:
        return last[1]
    windows, owners = _cut(hits, max(200, max_chars // 2))
    pool = EvidencePool(windows, embedder)
    vec = np.asarray(embedder.embed([question]))[0]
    best, *_ = select(pool, question, vec, embedder, top=2)
    _last_selection = (key, (windows, owners, best))
    return windows, owners, best


def excerpts(
    question: str, hits: Sequence[Hit], embedder: Embedder, max_chars: int
) -> dict[str, str]:
    """chunk id -> its windows closest to the question (document order, "..." between windows
    that are not neighbours); hits without such a window are left out."""
    windows, owners, best = question_windows(question, hits, embedder, max_chars)
    shown: dict[str, str] = {}
    last: dict[str, int] = {}
    for i in best:  # in document order
        cid = hits[owners[i]].chunk.id
        if cid in shown:
            gap = " " if last[cid] == i - 1 else " ... "
            shown[cid] += gap + windows[i].text
        else:
            shown[cid] = windows[i].text
        last[cid] = i
    return shown
