"""Rendering answers for people: citations, the verifier's verdict, flagged claims (used by ask and chat)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from ..types import VERDICT_BANDS, Answer, Chunk, Citation, Claim, Hit, Verdict, worst_label
from ..verification.signals import is_invented

FLAG = "⚠"


def where(source: str, location: str) -> str:
    """'source (location)', or the source alone."""
    return f"{source} ({location})" if location else source


def print_citations(console: Console, answer: Answer) -> None:
    """The passages the answer cited, numbered as in the text."""
    if not answer.citations:
        return
    inferred = all(c.inferred for c in answer.citations)
    console.print(
        "[bold]Sources[/]"
        + (
            " [dim](the model cited none; where the verifier found the evidence)[/]"
            if inferred
            else ""
        )
    )
    for c in answer.citations:
        console.print(f"  [cyan][{c.number}][/] ", end="")
        console.print(where(c.hit.chunk.source, c.hit.chunk.location), markup=False)


MARKS = {"supported": ("✓", "green"), "not sure": ("?", "yellow"), "likely wrong": (FLAG, "red")}


def verdict_line(answer: Answer) -> Text:
    """One line for the whole answer: its band (its weakest claim's), support and claim count."""
    if answer.abstained:
        return Text(f"Abstained: {answer.reason}", style="yellow")
    if not answer.verdicts:
        return Text("Not verified", style="dim")
    label = worst_label(answer.verdicts)
    mark, style = MARKS[label]
    n = len(answer.verdicts)
    counts = (
        f"{sum(v.label == label for v in answer.verdicts)} of {n} claims" if n > 1 else "1 claim"
    )
    support = f", support {answer.support:.2f}" if answer.support is not None else ""
    return Text(f"{mark} {label} ({counts}{support})", style=f"bold {style}")


def print_verdicts(console: Console, answer: Answer, explain: bool = False) -> None:
    """The one-line verdict and what its bands mean; claims not supported with their evidence."""
    console.print(verdict_line(answer))
    if answer.verdicts and not answer.abstained:
        console.print(Text(f"  ({VERDICT_BANDS})", style="dim"))
    for v in answer.verdicts:
        if v.label != "supported" or explain:
            print_claim(console, v, explain)
    if answer.draft:
        console.print(draft_line(answer))


def draft_line(answer: Answer) -> Text:
    """The generator's own answer, when the answer judge replaced or declined it."""
    line = Text("  the generator's answer, set aside: ", style="dim")
    line.append(answer.draft or "(declined)", style="dim italic")
    if answer.draft_support is not None:
        line.append(f" (support {answer.draft_support:.2f})", style="dim")
    return line


def print_claim(console: Console, v: Verdict, explain: bool) -> None:
    mark, style = MARKS[v.label]
    line = Text(f"  {mark} {v.label} {v.probability:.2f} ", style=style)
    line.append(v.claim.text, style=style)
    console.print(line)
    if v.flagged and is_invented(v.signals):
        console.print(Text("      nothing it adds occurs in the passages", style="red"))
    if v.evidence:
        ev = Text("      evidence: ", style="dim")
        ev.append(f"“{v.evidence[:200]}” ", style="dim italic")
        ev.append(v.evidence_source, style="dim")
        console.print(ev)
    if explain:
        signals = ", ".join(f"{k}={val:.3f}" for k, val in sorted(v.signals.items()))
        console.print(Text(f"      signals: {signals}", style="dim"))


def answer_dict(answer: Answer) -> dict[str, object]:
    """Everything about an answer as JSON-ready data (for --json)."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "image": answer.image_path,
        "reason": answer.reason,
        "support": answer.support,
        "verdict": worst_label(answer.verdicts) if answer.verdicts else None,
        "verdict_bands": VERDICT_BANDS,
        "draft": answer.draft,  # the generator's answer, when the answer judge's reading replaced it
        "draft_support": answer.draft_support,
        "citations": [
            {
                "number": c.number,
                "source": c.hit.chunk.source,
                "location": c.hit.chunk.location,
                "chunk_id": c.hit.chunk.id,
                "text": c.hit.chunk.text,
                "inferred": c.inferred,
            }
            for c in answer.citations
        ],
        "claims": [
            {
                "claim": v.claim.text,
                "probability": v.probability,
                "flagged": v.flagged,
                "verdict": v.label,
                "evidence": v.evidence,
                "evidence_source": v.evidence_source,
                "signals": v.signals,
            }
            for v in answer.verdicts
        ],
        "passages": [
            {
                "source": h.chunk.source,
                "location": h.chunk.location,
                "chunk_id": h.chunk.id,
                "score": h.score,
                "dense_score": h.dense_score,
                "keyword_score": h.keyword_score,
            }
            for h in answer.hits
        ],
        "timings": answer.timings,
        "generation": answer.generation,
        "models": answer.models,
    }


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The Answer back from `answer_dict`'s JSON (a server's reply), enough to render it."""

    def chunk(d: dict[str, Any]) -> Chunk:
        return Chunk(d["chunk_id"], d["source"], "", d["location"], 0, 0, d.get("text", ""))

    return Answer(
        question=data["question"],
        text=data["answer"],
        citations=[
            Citation(c["number"], Hit(chunk(c), 0.0), c["inferred"]) for c in data["citations"]
        ],
        verdicts=[
            Verdict(
                Claim(v["claim"]),
                v["probability"],
                v["flagged"],
                v["evidence"],
                v["evidence_source"],
                v["signals"],
                v["verdict"],
            )
            for v in data["claims"]
        ],
        hits=[
            Hit(chunk(h), h["score"], h["dense_score"], h["keyword_score"])
            for h in data["passages"]
        ],
        abstained=data["abstained"],
        reason=data["reason"],
        support=data["support"],
        timings=data["timings"],
        models=data["models"],
        generation=data["generation"],
        image_path=data["image"],
        draft=data["draft"],
        draft_support=data["draft_support"],
    )
