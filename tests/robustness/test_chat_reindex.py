"""A `ragassist chat` process, asked questions between the commits of another process's index run.

The shell is the real CLI in a pseudo-terminal (pexpect) with its test hook
(RAGASSIST_TEST_TINY_MODELS=1: hash-64 embeddings, a tiny random-weight generator); the writer
is test_serve_reindex.py's gated indexer, which commits 5 notes at a time and waits for a go-N
file before each batch, so the test knows which notes are committed when it asks. The shell is
started once, before the writer, and never restarted: each answer's passages (read with
/sources) must be committed notes only, and must include the note committed last.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ragassist import Assistant, Config
from ragassist.config import EmbedConfig

from ..interface.terminal import Screen, pexpect
from .test_concurrency import wait_for_commits
from .test_serve_reindex import BATCH, ENV, GATED_WRITER, NOTES, ROOT, WORD, note_number

SOURCE_LINE = re.compile(r"^\[\d+\] (\S+)", re.MULTILINE)


def chat(root: Path, index: Path) -> Screen:
    """`ragassist chat` on `index` with the tiny models, answers cut at 8 tokens, no rewriting."""
    config = root / "chat.toml"
    config.write_text("[generate]\nmax_new_tokens = 8\ndtype = 'float32'\n")
    env = {
        **ENV,
        "RAGASSIST_TEST_TINY_MODELS": "1",
        "RAGASSIST_HOME": str(root / "home"),
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "TERM": "xterm-256color",
    }
    args = ["-m", "ragassist.interface.cli", "chat", "--index", str(index), "--config",
            str(config), "--rewrite", "none"]  # fmt: skip
    child = pexpect.spawn(sys.executable, args, env=env, cwd=str(root), encoding="utf-8",
                          dimensions=(40, 200))  # fmt: skip
    return Screen(child)


def ask(screen: Screen, note: int) -> list[int]:
    """Ask for one note's code; the notes among the answer's passages (from /sources)."""
    screen.type(f"What is the {WORD} code of note {note}? {WORD}{note}")
    screen.wait_for(" passages · ", timeout=120)
    screen.wait_for("\nyou>")
    screen.type("/sources")
    shown = screen.wait_for("\nyou>")
    sources = SOURCE_LINE.findall(shown)
    assert sources, shown[-2000:]
    return [n for s in sources if (n := note_number(s)) is not None]


def test_a_chat_process_sees_each_commit_and_nothing_uncommitted(tmp_path: Path) -> None:
    idx, notes, gate = tmp_path / "idx", tmp_path / "notes", tmp_path / "gate"
    base = Assistant(Config(index_dir=idx, embed=EmbedConfig(model="hash-64")))
    handbook = base.index([ROOT / "corpora" / "handbook"]).chunks_total
    notes.mkdir(), gate.mkdir()
    for i in range(NOTES):
        (notes / f"note{i:02d}.md").write_text(
            f"# Note {i}\n\nThe {WORD} code of note {i} is {WORD}{i}.\n"
        )
    screen = chat(tmp_path, idx)
    writer: subprocess.Popen[str] | None = None
    try:
        screen.wait_for("\nyou>", timeout=240)
        screen.type("/k 10")
        screen.wait_for("retrieving 10 passages per question")
        assert ask(screen, 0) == []  # no note is committed yet
        writer = subprocess.Popen(
            [sys.executable, "-c", GATED_WRITER, str(idx), str(notes), str(BATCH), str(gate)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
        )  # fmt: skip
        for step in range(NOTES // BATCH):
            (gate / f"go-{step}").touch()
            wait_for_commits(idx, handbook + BATCH * (step + 1))
            committed = set(range(BATCH * (step + 1)))  # files are indexed in name order
            newest = BATCH * (step + 1) - 1
            # the writer now waits before its next batch, holding the index lock
            assert writer.poll() is None or step == NOTES // BATCH - 1
            seen = ask(screen, newest)
            assert seen and set(seen) <= committed, (step, seen)
            assert newest in seen, (step, seen)  # the commit is seen without a restart
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        screen.type("/quit")
        screen.wait_for("bye")
        screen.child.expect(pexpect.EOF, timeout=30)
    finally:
        screen.child.close(force=True)
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.wait()
    assert screen.child.exitstatus == 0
    shell_errors = re.findall(r"^error\b.*|Traceback.*", screen.text, re.MULTILINE)
    assert not shell_errors, shell_errors


pytestmark = pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal needs POSIX")
