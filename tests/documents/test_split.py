"""Splitting: chunks fit the embedder's token budget, overlap, and point back into the text."""

from __future__ import annotations

from ragassist.config import SplitConfig
from ragassist.documents.split import Splitter
from ragassist.types import Document, Section


def make_doc(text: str, sections: tuple[Section, ...] = ()) -> Document:
    return Document("mem://doc", text, "Doc", "h", sections)


def test_chunks_fit_the_token_budget_and_map_back_to_the_text(embedder) -> None:
    sentences = [f"Fact number {i} says that item {i} weighs {i * 7} grams." for i in range(150)]
    text = "# Facts\n\n" + " ".join(sentences) + "\n\n## More\n\nA last paragraph about item 3."
    doc = make_doc(text, (Section(0, "Facts"), Section(text.index("## More"), "Facts > More")))
    splitter = Splitter(SplitConfig(chunk_tokens=64, overlap_tokens=16), embedder.tokenizer)
    chunks = splitter.split(doc)
    assert len(chunks) > 5
    for chunk in chunks:
        assert len(embedder.tokenizer.tokenize(chunk.text)) <= 64
        assert text[chunk.start : chunk.end] == chunk.text
    assert chunks[-1].location == "Facts > More"
    # neighbours overlap, so a fact cut at a boundary is whole in one of them
    assert chunks[1].start < chunks[0].end
    # no chunk is a bare heading
    assert not any(c.text.startswith("#") and "\n" not in c.text for c in chunks)


def test_chunk_ids_are_stable_content_hashes() -> None:
    doc = make_doc("one two three four five six seven eight nine ten " * 20)
    splitter = Splitter(SplitConfig(chunk_tokens=32, overlap_tokens=4))
    first, second = splitter.split(doc), splitter.split(doc)
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
