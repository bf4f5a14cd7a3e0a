"""`ragassist chat`: the subcommand, and the slash commands of the shell in ragassist/interface/repl.py.

Test hook (used by tests/test_repl.py, not meant for users): with RAGASSIST_TEST_TINY_MODELS=1
the assistant embeds with the hashing embedder ("hash-64": the index must be built with it),
answers with the tiny random-weight model of ragassist.generation.tiny.tiny_causal_lm, does not verify,
and has no relevance gate, so the shell starts and streams in a second without any real model.
RAGASSIST_TEST_TOKEN_DELAY=SECONDS (read in repl.py) slows the stream so a test can press Ctrl-C
while an answer is still streaming.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from ..config import Config
from ..errors import InputError
from ..paths import data_dir
from .chat import REWRITE_METHODS, ChatConfig, Conversation
from .repl import Repl, reload_generator, slug, where

if TYPE_CHECKING:
    from ..assistant import Assistant

TINY_ENV = "RAGASSIST_TEST_TINY_MODELS"
POLICIES = ("flag", "strict", "abstain")

HELP = """\
Type a question and press Enter; follow-ups ("who proposed it?") are rewritten from the
conversation before searching. A line ending in \\ (or Esc then Enter) continues on the next
line. Ctrl-C cancels the answer being written; Ctrl-D (or /quit) leaves.

  /help              this text
  /sources           the passages behind the last answer, in full
  /why               the query that was searched, retrieval scores, verifier signals
  /k N               retrieve N passages per question
  /model NAME        answer with another generator (a registry name or a local folder)
  /policy P          verifier policy: flag, strict or abstain
  /index PATH        add files or a folder to the index without leaving
  /reset             forget the conversation
  /save FILE         write the conversation as Markdown with its citations
  /image PROMPT      draw an image and show the judge's verdicts
  /quit              leave"""


def cmd_help(repl: Repl, arg: str) -> None:
    repl.console.print(HELP, markup=False)


def _last_answer(repl: Repl) -> Any:
    turn = repl.chat.last
    if turn is None or turn.answer is None:
        raise InputError("nothing asked yet; ask a question first")
    return turn


def cmd_sources(repl: Repl, arg: str) -> None:
    turn = _last_answer(repl)
    cited = {c.number for c in turn.answer.citations}
    for n, hit in enumerate(turn.hits, 1):
        mark = " [green](cited)[/]" if n in cited else ""
        repl.console.print(f"[bold cyan][{n}][/] [bold]{escape(where(hit))}[/]{mark}")
        repl.console.print(hit.chunk.text.strip(), markup=False)
        repl.console.print()


def cmd_why(repl: Repl, arg: str) -> None:
    turn = _last_answer(repl)
    rw, out = turn.rewrite, repl.console
    out.print(f"[bold]asked:[/] {escape(rw.question)}")
    out.print(f"[bold]searched for:[/] {escape(rw.query)}")
    out.print(f"[dim]rewrite: {rw.method}; {escape(rw.reason or 'no history')}[/]")
    if rw.llm_output and rw.method != "llm":
        out.print(f"[dim]the model's rewrite was {escape(repr(rw.llm_output))}[/]")
    out.print("[bold]retrieval[/] (fused score · cosine · bm25):")
    for n, h in enumerate(turn.hits, 1):
        cos = f"{h.dense_score:.3f}" if h.dense_score is not None else "-"
        bm25 = f"{h.keyword_score:.2f}" if h.keyword_score is not None else "-"
        out.print(f"  [{n}] {h.score:.4f} · {cos} · {bm25}  {escape(where(h))}")
    answer = turn.answer
    if answer.verdicts:
        out.print("[bold]verifier[/] (probability supported, then its signals):")
        for v in answer.verdicts:
            colour = "red" if v.flagged else "green"
            out.print(f"  [{colour}]{v.probability:.2f}[/] {escape(v.claim.text)}")
            signals = ", ".join(f"{k}={x:.2f}" for k, x in sorted(v.signals.items()))
            out.print(f"    [dim]{escape(signals)}[/]")
            if v.evidence:
                out.print(f"    [dim]best evidence: {escape(v.evidence[:200])}[/]")
    else:
        out.print("[dim]verifier: no verdicts for this answer[/]")
    if answer.timings:
        out.print(
            "[dim]timings: " + ", ".join(f"{k} {s:.2f}s" for k, s in answer.timings.items()) + "[/]"
        )


def cmd_k(repl: Repl, arg: str) -> None:
    if not arg.isdigit() or not 1 <= int(arg) <= 50:
        raise InputError(f"/k takes a number of passages from 1 to 50, not {arg!r}")
    repl.k = int(arg)
    repl.console.print(f"retrieving {repl.k} passages per question")


def cmd_model(repl: Repl, arg: str) -> None:
    from ..generation.models import REGISTRY

    if not arg:
        current = repl.assistant.config.generate.model
        raise InputError(f"/model takes a name; now {current!r}; known: {', '.join(REGISTRY)}")
    if arg not in REGISTRY and not Path(arg).expanduser().exists():
        raise InputError(f"unknown model {arg!r}; known: {', '.join(REGISTRY)} or a local folder")
    reload_generator(repl, arg)
    repl.console.print(f"answering with {arg} (loading in the background)")


def cmd_policy(repl: Repl, arg: str) -> None:
    if arg not in POLICIES:
        raise InputError(f"/policy takes one of {', '.join(POLICIES)}, not {arg!r}")
    a = repl.assistant
    verify = getattr(a.config, "verify", None)
    if verify is None or not hasattr(verify, "policy"):
        repl.console.print(f"[yellow]stored policy {arg}[/]: this build has no verifier yet")
        repl.policy = arg  # type: ignore[attr-defined]
        return
    a.config = replace(a.config, verify=replace(verify, policy=arg))  # read at every answer
    note = "" if verify.enabled else " (verification is off in this configuration)"
    repl.console.print(f"verifier policy: {arg}{note}")


def cmd_index(repl: Repl, arg: str) -> None:
    if not arg:
        raise InputError("/index takes a file or folder path")
    repl.loader.wait(repl.console)
    with repl.console.status(f"indexing {arg}…"):
        report = repl.assistant.index([Path(arg).expanduser()])
    repl.console.print(
        f"indexed {escape(arg)}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{report.unchanged} unchanged; {report.chunks_total} chunks in the index"
    )
    for path, reason in report.skipped:
        repl.console.print(f"  [yellow]skipped[/] {escape(str(path))}: {escape(reason)}")


def cmd_reset(repl: Repl, arg: str) -> None:
    repl.chat.reset()
    repl.console.print("conversation forgotten; the next question starts afresh")


def cmd_save(repl: Repl, arg: str) -> None:
    if not arg:
        raise InputError("/save takes a file name, e.g. /save notes.md")
    path = repl.chat.save(arg)
    repl.console.print(f"saved {len(repl.chat.turns)} turns to {escape(str(path))}")


def cmd_image(repl: Repl, arg: str) -> None:
    if not arg:
        raise InputError("/image takes a description, e.g. /image a small red circle")
    try:
        from ..image import draw
    except (ImportError, AttributeError):
        repl.console.print("[yellow]image answers are not part of this build[/]")
        return
    with repl.console.status("drawing…"):
        result = draw(arg)
    path = result.save_png(data_dir() / "images" / f"{slug(arg)}.png")
    asked = ", ".join(f"{k}={v}" for k, v in result.attributes.items()) or "nothing specific"
    repl.console.print(
        f"drew {len(result.images)} image(s) with the {result.model} model; asked: {asked}"
    )
    for i, verdict in enumerate(result.verdicts, 1):
        mark = "[green]✓[/]" if verdict.ok else "[bold red]✗[/]"
        seen = ", ".join(
            f"{v.attribute} {v.seen} (p={v.probability:.2f})"
            + ("" if v.ok else f", not {v.requested}")
            for v in verdict.attributes
        )
        repl.console.print(f"  {mark} image {i}: {escape(seen)}")
    repl.console.print(f"PNG: {escape(str(path))}")


COMMANDS = {
    "/help": cmd_help,
    "/sources": cmd_sources,
    "/why": cmd_why,
    "/k": cmd_k,
    "/model": cmd_model,
    "/policy": cmd_policy,
    "/index": cmd_index,
    "/reset": cmd_reset,
    "/save": cmd_save,
    "/image": cmd_image,
}


def run_command(repl: Repl, text: str) -> str | None:
    """Run one slash command; 'quit' when the shell should end."""
    name, _, arg = text.strip().partition(" ")
    name = name.lower()
    if name in ("/quit", "/exit"):
        return "quit"
    handler = COMMANDS.get(name)
    if handler is None:
        known = ", ".join([*COMMANDS, "/quit"])
        repl.console.print(f"[yellow]unknown command {escape(name)}[/]; known: {known}")
        return None
    handler(repl, arg.strip())
    return None


# --- the subcommand ----------------------------------------------------------------------------
def make_assistant(config: Config) -> tuple[Assistant, Any]:
    """The assistant for the shell, and what to run first in the loader (the test hook's tiny model)."""
    from ..assistant import Assistant

    if os.environ.get(TINY_ENV) != "1":
        return Assistant(config), None
    changes: dict[str, Any] = {
        "embed": replace(config.embed, model="hash-64"),
        "retrieve": replace(config.retrieve, min_relevance=0.0),
    }
    if hasattr(config, "verify"):
        changes["verify"] = replace(config.verify, enabled=False)
    assistant = Assistant(replace(config, **changes))

    def tiny_generator() -> None:
        from ..generation.tiny import tiny_causal_lm
        from ..generation.torch_backend import TransformersGenerator

        tok, model = tiny_causal_lm()
        gen = TransformersGenerator(assistant.config.generate, model=model, tokenizer=tok)
        gen.name = "tiny-random"
        gen.eos_ids = frozenset()  # answers run to max_new_tokens, so a test can interrupt one
        assistant.__dict__["generator"] = gen

    return assistant, tiny_generator


def cmd_chat(args: argparse.Namespace) -> int:
    overrides = {"index_dir": args.index}
    assistant, before = make_assistant(Config.load(args.config, **overrides))
    chat_config = assistant.config.chat
    if args.rewrite:
        chat_config = dataclasses.replace(chat_config, rewrite=args.rewrite)
    conversation = Conversation(assistant, chat_config)
    return Repl(conversation, before_load=before, commands=run_command).run()


def register(subparsers: Any) -> None:
    """Add `ragassist chat` to the CLI."""
    p = subparsers.add_parser("chat", help="an interactive shell: questions, follow-ups, sources")
    p.add_argument(
        "--index", help="index folder (default: $RAGASSIST_INDEX or the user data folder)"
    )
    p.add_argument("--config", help="a ragassist.toml file")
    p.add_argument(
        "--rewrite",
        choices=REWRITE_METHODS,
        help=f"how follow-ups become standalone queries (default: [chat] rewrite, {ChatConfig.rewrite})",
    )
    p.set_defaults(func=cmd_chat)
