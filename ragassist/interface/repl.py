"""The interactive chat: a prompt_toolkit shell over ragassist.interface.chat.Conversation, printed with rich.

Enter sends; a line ending in a backslash, or Esc then Enter, continues on a new line. Ctrl-C
while an answer streams cancels that answer, Ctrl-C at the prompt clears the line, Ctrl-D leaves.
Models load in a background thread, so the prompt appears at once; the first question waits for
them under a spinner. The test hook that swaps in tiny models lives in ragassist/interface/chat_cli.py.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from ..errors import RagassistError
from ..paths import data_dir
from ..types import Answer, Hit
from .answer_cli import load_models
from .chat import Conversation, Turn
from .show import MARKS, draft_line, verdict_line

if TYPE_CHECKING:
    from ..assistant import Assistant

log = logging.getLogger(__name__)

DELAY_ENV = "RAGASSIST_TEST_TOKEN_DELAY"  # test hook: seconds to sleep after each streamed piece
PROMPT = "you> "


class Loader:
    """Loads the models in a background thread; the first question waits for them."""

    def __init__(self, assistant: Assistant, before: Callable[[], None] | None = None) -> None:
        self.assistant, self.before = assistant, before
        self.done = threading.Event()
        self.error: BaseException | None = None

    def start(self) -> Loader:
        self.done.clear()
        self.error = None
        threading.Thread(target=self._run, name="ragassist-loader", daemon=True).start()
        return self

    def _run(self) -> None:
        a = self.assistant
        try:
            if self.before:
                self.before()
            load_models(a)
        except BaseException as e:  # reported to the main thread on the next question
            self.error = e
        finally:
            self.done.set()

    def wait(self, console: Console) -> None:
        """Block (with a spinner) until the models are ready; raise what loading raised."""
        if not self.done.is_set():
            with console.status("[bold]loading models[/] (the first question waits for them)…"):
                while not self.done.wait(0.1):
                    pass
        if self.error is not None:
            error, self.error = self.error, None
            self.start()  # try again on the next question
            raise error
        self.assistant.search_index.refresh()  # SQLite stays in this thread: opened here


# --- showing answers ---------------------------------------------------------------------------
def where(hit: Hit) -> str:
    """'source (location)', the source relative to the working folder when inside it."""
    source = hit.chunk.source
    try:
        source = str(Path(source).relative_to(Path.cwd()))
    except ValueError:
        pass
    return f"{source} ({hit.chunk.location})" if hit.chunk.location else source


def show_verdicts(console: Console, answer: Answer) -> None:
    """The answer's band in one line (as `ask` prints it), then each claim not supported."""
    if not answer.verdicts:
        return
    console.print(verdict_line(answer))
    for v in answer.verdicts:
        if v.label != "supported":
            mark, style = MARKS[v.label]
            console.print(
                f"  [bold {style}]{mark} {escape(v.claim.text)}[/] "
                f"[dim]({v.label}, p={v.probability:.2f})[/]"
            )
    if answer.draft:
        console.print(draft_line(answer))


def show_answer(console: Console, turn: Turn, streamed: str) -> None:
    """After the stream: the final text if verification changed it, the verdict, the citations."""
    answer = turn.answer
    assert answer is not None
    console.print()
    if answer.text.strip() != streamed.strip():
        console.print(f"[dim]final answer:[/] {escape(answer.text)}")
    if answer.reason:
        console.print(f"[dim]{'abstained: ' if answer.abstained else ''}{escape(answer.reason)}[/]")
    show_verdicts(console, answer)
    for c in answer.citations:
        console.print(f"  [bold cyan][{c.number}][/] {escape(where(c.hit))}")
    if not answer.citations and answer.hits and not answer.abstained:
        console.print("[dim]no citations; /sources shows the passages it was given[/]")
    seconds = sum(answer.timings.values())
    models = " · ".join(answer.models.values())
    console.print(f"[dim]── {len(answer.hits)} passages · {seconds:.1f} s · {escape(models)}[/]")


# --- the shell ---------------------------------------------------------------------------------
class Repl:
    """The shell's state: the conversation, the answer settings, the background loader."""

    def __init__(
        self,
        conversation: Conversation,
        console: Console | None = None,
        before_load: Callable[[], None] | None = None,
        commands: Callable[[Repl, str], str | None] | None = None,
    ) -> None:
        self.chat = conversation
        self.commands = commands
        self.console = console or Console(highlight=False)
        self.k: int | None = None
        self.loader = Loader(conversation.assistant, before_load)
        self.delay = float(os.environ.get(DELAY_ENV, "0") or 0)

    @property
    def assistant(self) -> Assistant:
        return self.chat.assistant

    def session(self) -> Any:
        """A prompt_toolkit session: history in the data folder, backslash/Esc-Enter newlines."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings

        keys = KeyBindings()

        @keys.add("enter")
        def _(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.document.text_before_cursor.endswith("\\"):
                buffer.delete_before_cursor(1)
                buffer.insert_text("\n")
            else:
                buffer.validate_and_handle()

        @keys.add("escape", "enter")
        def _(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return PromptSession(
            history=FileHistory(str(folder / "chat_history")),
            key_bindings=keys,
            multiline=True,
            prompt_continuation="...  ",
        )

    def run(self) -> int:
        """Read, answer, repeat, until Ctrl-D or /quit."""
        os.environ.setdefault("TQDM_DISABLE", "1")  # background loads must not draw progress bars
        if sys.stdin.isatty():
            # Ctrl-C cancels an answer. A shell started from a script's background job inherits
            # SIGINT ignored, and Python then never raises KeyboardInterrupt: take it back.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self.loader.start()
        session = self.session()
        index = self.assistant.config.index_dir
        self.console.print(
            f"[bold]ragassist chat[/] · index {escape(str(index))} · "
            "/help for commands · Ctrl-D to leave"
        )
        while True:
            try:
                text = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt: a fresh line
            except EOFError:
                self.console.print("bye")
                return 0
            text = text.strip()
            if not text:
                continue
            try:
                if text.startswith("/") and self.commands is not None:
                    if self.commands(self, text) == "quit":
                        self.console.print("bye")
                        return 0
                else:
                    self.ask(text)
            except KeyboardInterrupt:
                self.console.print("\n[yellow]cancelled[/]")
            except RagassistError as e:
                self.console.print(f"[red]error:[/] {escape(str(e))}")
            except Exception as e:  # a shell keeps running: show it, log the traceback
                log.debug("command failed", exc_info=True)
                self.console.print(f"[red]error ({type(e).__name__}):[/] {escape(str(e))}")
            self.console.print()

    def ask(self, question: str) -> None:
        """Answer one question, streaming; Ctrl-C (KeyboardInterrupt) cancels it."""
        self.loader.wait(self.console)
        pieces: list[str] = []
        status = self.console.status("searching the documents…")
        status.start()

        def on_token(piece: str) -> None:
            if not pieces:
                status.stop()
            pieces.append(piece)
            self.console.file.write(piece)
            self.console.file.flush()
            if self.delay:
                time.sleep(self.delay)

        try:
            turn = self.chat.ask(question, k=self.k, on_token=on_token)
        finally:
            status.stop()
        show_answer(self.console, turn, "".join(pieces))


def slug(text: str) -> str:
    """A file-name-safe short form of a prompt, with a timestamp."""
    stem = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "image"
    return f"{stem}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def reload_generator(repl: Repl, name: str) -> None:
    """Switch the answering model: forget the loaded one and load the new one in the background."""
    a = repl.assistant
    a.config = replace(a.config, generate=replace(a.config.generate, model=name))
    a.__dict__.pop("generator", None)
    repl.chat._rewriter = None
    repl.loader.before = None
    repl.loader.start()
