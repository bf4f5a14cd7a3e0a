"""The `ask`, `verify` and `models` subcommands."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

from ..config import Config, GenerateBackend
from ..errors import InputError
from . import remote
from .show import answer_dict, answer_from_dict, print_citations, print_verdicts
from .terminal import err, out


def _config(args: argparse.Namespace) -> Config:
    config = Config.load(args.config, index_dir=getattr(args, "index", None))
    if getattr(args, "model", None):
        config = dataclasses.replace(
            config, generate=dataclasses.replace(config.generate, model=args.model)
        )
    if getattr(args, "backend", None):
        config = dataclasses.replace(
            config, generate=dataclasses.replace(config.generate, backend=args.backend)
        )
    if getattr(args, "policy", None):
        config = dataclasses.replace(
            config, verify=dataclasses.replace(config.verify, policy=args.policy)
        )
    if getattr(args, "judge", False):
        config = dataclasses.replace(config, verify=dataclasses.replace(config.verify, judge=True))
    if getattr(args, "fast", False):  # the cheap fusion only: no answer judge
        verify = dataclasses.replace(config.verify, answer_judge=False)
        config = dataclasses.replace(config, verify=verify)
    if getattr(args, "profile", None):
        config = dataclasses.replace(
            config, verify=dataclasses.replace(config.verify, profile=args.profile)
        )
    return config


def load_models(assistant: Any) -> None:
    """Load the embedder, the generator and the second models now, so that their progress bars
    come before the answer instead of in the middle of its streamed text."""
    assistant.embedder.embed(["warm up"])
    assistant.generator.tokenizer  # noqa: B018 - loads the generator
    verify = getattr(assistant.config, "verify", None)
    if verify is not None and verify.enabled and hasattr(type(assistant), "verifier"):
        verifier = assistant.verifier
        verifier.judge  # noqa: B018 - loads the claim judge when it is on
        if verifier.judges_answers and verifier.answer_judge is not None:
            verifier.answer_judge.load()


def local_answer(
    config: Config, question: str, k: int | None, on_token: Callable[[str], None] | None
) -> dict[str, object]:
    """Load the models in this process and answer (the cold path: 5-30 s of loading)."""
    from ..assistant import Assistant

    assistant = Assistant(config)
    load_models(assistant)
    return answer_dict(assistant.answer(question, k=k, on_token=on_token))


def cmd_ask(args: argparse.Namespace) -> int:
    config = _config(args)
    streamed: list[str] = []

    def stream(piece: str) -> None:
        streamed.append(piece)
        out.print(piece, end="", markup=False, soft_wrap=True)

    on_token = None if args.json else stream
    server = None if args.local else remote.find_server(config, say)
    data = None
    if server is not None:
        say(f"asking the running server at {server.url} (--local loads the models here)")
        try:
            data = remote.ask(server, args.question, args.k, on_token)
        except remote.ServerRefused as e:
            say(f"{e}; answering here")
    if data is None:
        data = local_answer(config, args.question, args.k, on_token)
    if args.json:
        out.print_json(data=data)
        return 0
    answer = answer_from_dict(data)
    out.print()
    if "".join(streamed).strip() != answer.text.strip():  # verification changed what is shown
        out.print("[yellow]Answer after verification:[/] ", end="")
        out.print(answer.text, markup=False)
    if answer.image_path:
        out.print(f"[bold]Image:[/] {answer.image_path}")
    print_citations(out, answer)
    print_verdicts(out, answer, explain=args.explain)
    return 0


def say(line: str) -> None:
    """One line about where the answer comes from, on stderr (stdout stays the answer)."""
    err.print(line, markup=False, style="dim", soft_wrap=True)


def cmd_verify(args: argparse.Namespace) -> int:
    from ..types import Answer
    from ..verification.policy import apply_policy
    from ..verification.verifier import Verifier

    if not Path(args.context).is_file():
        raise InputError(f"{args.context}: no such file; --context takes a text file")
    context = Path(args.context).read_text(encoding="utf-8", errors="replace")
    answer_text = sys.stdin.read() if args.answer == "-" else args.answer
    cfg = _config(args).verify
    verdicts = Verifier(cfg).verify_text(answer_text, context, question=args.question or "")
    judged = apply_policy(answer_text, verdicts, cfg.policy, cfg.abstain_below)
    answer = Answer(
        question=args.question or "",
        text=judged.text,
        verdicts=judged.verdicts,
        abstained=judged.abstained,
        reason="; ".join(r for r in (judged.reason, judged.note) if r),
        support=judged.probability if verdicts else None,
    )
    if args.json:
        out.print_json(data=answer_dict(answer))
    else:
        print_verdicts(out, answer, explain=args.explain)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from ..generation.model_status import available_models
    from ..generation.models import models_dir
    from ..verification.small_models import trained_models

    rows = available_models() + trained_models()
    if args.json:
        out.print_json(data=[dataclasses.asdict(r) for r in rows])
        return 0
    for r in rows:
        trained = r.role == "checker"  # shipped weights: missing, or not the pinned ones
        why = (
            f"[red]missing or damaged[/] (retrain: {r.package})"
            if trained
            else f"[red]missing[/] ({r.package})"
        )
        state = "[green]installed[/]" if r.installed else why
        cached = {True: ", ready copy cached", False: ", not yet converted", None: ""}[r.cached]
        if r.onnx:
            cached += f", ONNX {'/'.join(r.onnx)} exported"
        if r.copies:
            cached += f", {r.copies / 1e9:.1f} GB of copies in {models_dir() / r.name}"
        out.print(f"  [bold]{r.name:<18}[/] {r.role:<10} {r.size / 1e6:7.0f} MB  {state}{cached}")
        out.print(f"      [dim]{r.description}[/]")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ask, verify and models to the ragassist command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="a ragassist.toml file")
    common.add_argument("--json", action="store_true", help="one JSON object with everything")

    p = sub.add_parser("ask", parents=[common], help="answer a question from the indexed documents")
    p.add_argument("question")
    p.add_argument("--index", help="index folder")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default from config)")
    p.add_argument(
        "--model", help="generator: a name from `ragassist models`, a HF folder or a .gguf"
    )
    p.add_argument(
        "--backend",
        choices=get_args(GenerateBackend),
        help="who runs the generator (default auto: hybrid on CPUs with AMX, else onnxruntime; "
        "llama.cpp needs make install-llamacpp)",
    )
    p.add_argument(
        "--policy", choices=["flag", "strict", "abstain"], help="what to do with unsupported claims"
    )
    p.add_argument(
        "--judge", action="store_true", help="also ask the LM judge (slower, a little sharper)"
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="verify without the 1.5B answer judge (about half the time; misses more wrong answers)",
    )
    p.add_argument("--explain", action="store_true", help="show every verifier signal per claim")
    p.add_argument(
        "--local",
        action="store_true",
        help=f"load the models here even when `ragassist serve` runs (${remote.SERVER_ENV}, "
        f"default {remote.DEFAULT_SERVER})",
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("verify", parents=[common], help="check any answer against any context")
    p.add_argument("--context", required=True, help="a text file holding the context")
    p.add_argument("--answer", required=True, help="the answer to check ('-' reads standard input)")
    p.add_argument("--question", help="the question the answer replies to (helps the judge)")
    p.add_argument("--judge", action="store_true", help="also ask the LM judge (slower)")
    p.add_argument(
        "--profile",
        choices=["general", "qa", "dialogue", "summarization"],
        help="what kind of answer: picks the fusion fitted on that kind (default general)",
    )
    p.add_argument(
        "--policy", choices=["flag", "strict", "abstain"], help="what to do with unsupported claims"
    )
    p.add_argument("--explain", action="store_true", help="show every signal per claim")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("models", parents=[common], help="the packaged models: installed? cached?")
    p.set_defaults(func=cmd_models)
