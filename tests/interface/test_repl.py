"""Drive the real `ragassist chat` shell through a pseudo-terminal, as a user would.

The shell runs with its test hook (RAGASSIST_TEST_TINY_MODELS=1: hashing embedder, tiny
random-weight generator, see ragassist/interface/chat_cli.py), so answers are gibberish but every part of
the shell is real: prompt_toolkit input, streaming, commands, Ctrl-C and Ctrl-D.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

from ragassist.assistant import Assistant
from ragassist.config import Config, EmbedConfig

pexpect = pytest.importorskip("pexpect")

from .terminal import Screen  # noqa: E402

DOCS = {
    "eiffel.md": "# The Eiffel Tower\n\nThe Eiffel Tower in Paris was designed by the engineering "
    "firm of Gustave Eiffel. It was completed in 1889 and is 330 metres tall.",
    "plants.md": "# Photosynthesis\n\nPhotosynthesis turns light, water and carbon dioxide into "
    "sugar and oxygen inside the chloroplasts of leaf cells.",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repl")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    Assistant(Config(index_dir=root / "index", embed=EmbedConfig(model="hash-64"))).index([docs])
    (root / "ragassist.toml").write_text("[generate]\nmax_new_tokens = 40\ndtype = 'float32'\n")
    return root


def spawn(root: Path, home: Path) -> Screen:
    ragassist = Path(sys.executable).with_name("ragassist")
    env = {
        **os.environ,
        "RAGASSIST_TEST_TINY_MODELS": "1",
        "RAGASSIST_TEST_TOKEN_DELAY": "0.1",  # a 40-token answer streams for ~4 s
        "RAGASSIST_HOME": str(home),
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "TERM": "xterm-256color",
    }
    args = ["chat", "--index", str(root / "index"), "--config", str(root / "ragassist.toml")]
    child = pexpect.spawn(
        str(ragassist), args, env=env, cwd=str(root), encoding="utf-8", dimensions=(40, 160)
    )
    return Screen(child)


def test_a_chat_session_through_a_terminal(index: Path, tmp_path: Path) -> None:
    screen = spawn(index, tmp_path / "home")
    try:
        screen.wait_for("ragassist chat")
        screen.wait_for("\nyou>")

        screen.type("/help")
        help_text = screen.wait_for("/image PROMPT")
        assert (
            "line ending in \\" in help_text
            and "Esc then Enter" in help_text
            and "/policy P" in help_text
        )
        screen.wait_for("\nyou>")

        # a question over two lines (trailing backslash), answered as a stream, then a follow-up
        screen.type("What is the Eiffel \\")
        screen.type("Tower?")
        screen.wait_for("searching the documents")
        screen.wait_for_stream()
        screen.wait_for(" passages · ")
        screen.wait_for("\nyou>")
        screen.type("Who designed it?")
        screen.wait_for("searching the documents")
        screen.wait_for_stream()
        screen.wait_for(" passages · ")
        screen.wait_for("\nyou>")

        screen.type("/why")
        why = screen.wait_for("timings:")
        assert "asked: Who designed it?" in why
        assert re.search(r"searched for: Who designed it\? \(context: .*eiffel.*\)", why), why
        assert "refers back ('it')" in why and "eiffel.md" in why
        screen.wait_for("\nyou>")

        screen.type("/sources")
        sources = screen.wait_for("\nyou>")
        assert "[1] docs/eiffel.md (The Eiffel Tower)" in sources and "Gustave Eiffel" in sources

        screen.type("/k 1")
        screen.wait_for("retrieving 1 passages per question")
        screen.type("/policy strict")
        screen.wait_for("verifier policy: strict (verification is off in this configuration)")
        screen.type("/frobnicate")
        unknown = screen.wait_for("/quit")
        assert "unknown command /frobnicate" in unknown and "/sources" in unknown

        # Ctrl-C while the answer streams: it is cancelled and the shell stays
        screen.type("How tall is it?")
        screen.wait_for("searching the documents")
        screen.wait_for_stream()
        screen.child.sendintr()
        screen.wait_for("cancelled")
        screen.wait_for("\nyou>")
        screen.type("/why")
        assert "asked: Who designed it?" in screen.wait_for(
            "timings:"
        )  # the cancelled turn is gone

        save = tmp_path / "talk.md"
        screen.type(f"/save {save}")
        screen.wait_for("saved 2 turns")
        screen.wait_for("\nyou>")
        text = save.read_text()
        assert "## 1. What is the Eiffel \nTower?" in text and "## 2. Who designed it?" in text

        screen.child.sendcontrol("d")  # Ctrl-D leaves
        screen.wait_for("bye")
        screen.child.expect(pexpect.EOF, timeout=30)
    finally:
        screen.child.close(force=True)
    assert screen.child.exitstatus == 0
    history = (tmp_path / "home" / "chat_history").read_text()
    assert "Who designed it?" in history and "/save" in history


def test_reset_and_ctrl_c_at_the_prompt(index: Path, tmp_path: Path) -> None:
    screen = spawn(index, tmp_path / "home")
    try:
        screen.wait_for("\nyou>")
        screen.type("What is photosynthesis?")
        screen.wait_for("searching the documents")
        screen.wait_for_stream()
        screen.wait_for(" passages · ")
        screen.wait_for("\nyou>")
        screen.type("/reset")
        screen.wait_for("conversation forgotten")
        screen.child.send("half a line")
        screen.child.sendintr()  # Ctrl-C at the prompt clears the line, does not leave
        screen.wait_for("\nyou>")
        screen.type("/why")
        screen.wait_for("nothing asked yet")
        screen.type("/quit")
        screen.wait_for("bye")
        screen.child.expect(pexpect.EOF, timeout=30)
    finally:
        screen.child.close(force=True)
    assert screen.child.exitstatus == 0


def test_flagged_claims_are_shown_in_colour_with_a_marker() -> None:
    from rich.console import Console

    from ragassist.interface.chat import Rewrite, Turn
    from ragassist.interface.repl import show_answer
    from ragassist.types import Answer, Chunk, Citation, Claim, Hit, Verdict

    hit = Hit(Chunk("c", "/d/eiffel.md", "Eiffel", "# Tower", 0, 9, "Eiffel built it."), 0.5, 0.8)
    verdicts = [
        Verdict(Claim("Eiffel built it."), 0.93, False, label="supported"),
        Verdict(Claim("It is made of cheese."), 0.05, True, label="likely wrong"),
    ]
    answer = Answer(
        "q", "Eiffel built it [1]. It is made of cheese.", [Citation(1, hit)], verdicts, [hit]
    )
    console = Console(
        record=True, force_terminal=True, width=120, highlight=False, file=io.StringIO()
    )
    show_answer(console, Turn(Rewrite("q", "q", "none"), [hit], answer), answer.text)
    plain = console.export_text(styles=False, clear=False)
    assert "⚠ likely wrong (1 of 2 claims" in plain
    assert "⚠ It is made of cheese. (likely wrong, p=0.05)" in plain
    assert "Eiffel built it. (" not in plain
    assert "[1] /d/eiffel.md (# Tower)" in plain
    styled = console.export_text(styles=True)
    flagged_line = next(line for line in styled.splitlines() if "cheese" in line)
    assert "\x1b[1;31m" in flagged_line or "\x1b[31;1m" in flagged_line  # bold red
    console = Console(record=True, width=120, file=io.StringIO())
    show_answer(
        console,
        Turn(Rewrite("q", "q", "none"), [hit], Answer("q", "x", verdicts=verdicts[:1])),
        "x",
    )
    assert "✓ supported (1 claim)" in console.export_text()


def test_image_command_draws_and_shows_the_judge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from ragassist.interface.chat import Conversation
    from ragassist.interface.chat_cli import run_command
    from ragassist.interface.repl import Repl

    weights = Path(__file__).resolve().parents[2] / "ragassist/image/weights/shapes"
    if not (weights / "denoiser.safetensors").exists():
        pytest.skip("no image weights shipped in this checkout")
    monkeypatch.setenv("RAGASSIST_HOME", str(tmp_path))
    assistant = Assistant(Config(index_dir=tmp_path / "index", embed=EmbedConfig(model="hash-64")))
    console = Console(record=True, width=160, file=io.StringIO())
    repl = Repl(Conversation(assistant), console=console)
    run_command(repl, "/image a small red circle")
    text = console.export_text()
    assert "image 1:" in text and "asked: " in text
    png = Path(text.split("PNG: ", 1)[1].split()[0])
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
