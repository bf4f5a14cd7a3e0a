"""A disk that fills up mid-run, and a read-only index folder, with the real CLI in a process.

The full disk is a size-limited tmpfs the test mounts itself (root only: skipped otherwise);
the read-only folder is a read-only bind mount as root, or a folder without write permission.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
IS_ROOT = os.geteuid() == 0


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ragassist.interface.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )


def write_docs(folder: Path, n: int, words: int) -> None:
    rng = random.Random(0)
    vocabulary = ["otter", "river", "stone", "water", "fish", "den", "fur", "tail", "moon"]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(f"{rng.choice(vocabulary)}{rng.randint(0, 999)}" for _ in range(words))
        (folder / f"doc{i}.md").write_text(f"# Doc {i}\n\nThe secret of document {i}. {body}\n")


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "ragassist.toml"
    path.write_text('[embed]\nmodel = "hash-64"\n')
    return path


def run_mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at path, unmounted afterwards whatever happens."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        run_mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot mount a tmpfs here ({e}); the full-disk test needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        digest.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            digest.update(p.read_bytes())
    return digest.hexdigest()


@pytest.mark.skipif(not IS_ROOT, reason="mounting a size-limited tmpfs needs root")
def test_a_disk_that_fills_up_mid_run_keeps_the_last_commit_and_resumes(tmp_path: Path) -> None:
    docs, cfg = tmp_path / "docs", config_file(tmp_path)
    write_docs(docs, 2000, 100)  # about 6 MB of index in 4 commits of 512 chunks
    with tmpfs(tmp_path / "small", "3m") as small:
        idx = small / "idx"
        full = cli("index", str(docs), "--index", str(idx), "--config", str(cfg))
        message = " ".join(full.stderr.split())
        assert full.returncode == 1, full.stderr
        assert "database or disk is full" in message and "last committed state" in message
        assert "Traceback" not in full.stderr

        stats = json.loads(cli("stats", "--json", "--index", str(idx), "--config", str(cfg)).stdout)
        assert 0 < stats["files"] < 2000 and stats["files"] == stats["chunks"]
        found = cli("search", "secret of document 7", "--json", "-k", "3", "--index", str(idx),
                    "--config", str(cfg))  # fmt: skip
        assert found.returncode == 0 and json.loads(found.stdout), found.stderr

        run_mount("-o", "remount,size=64m", str(small))  # space freed: the same command resumes
        again = cli("index", str(docs), "--index", str(idx), "--config", str(cfg), "--json")
        report = json.loads(again.stdout)
        assert again.returncode == 0, again.stderr
        assert report["unchanged"] == stats["files"] and report["chunks_total"] == 2000


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """The folder made read-only: a read-only bind mount as root, permissions otherwise."""
    if IS_ROOT:
        try:
            run_mount("--bind", str(folder), str(folder))
            run_mount("-o", "remount,bind,ro", str(folder))
        except (OSError, subprocess.CalledProcessError) as e:
            subprocess.run(["umount", str(folder)], check=False)
            pytest.skip(f"cannot bind-mount read-only here ({e})")
        try:
            yield
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


@pytest.mark.parametrize("search_files", ["current", "missing"])
def test_a_read_only_index_folder_is_searched_and_indexing_says_why_not(
    tmp_path: Path, search_files: str
) -> None:
    docs, idx, cfg = tmp_path / "docs", tmp_path / "idx", config_file(tmp_path)
    write_docs(docs, 30, 20)
    assert cli("index", str(docs), "--index", str(idx), "--config", str(cfg)).returncode == 0
    if search_files == "missing":  # rebuilt in memory, since they cannot be saved
        for p in list(idx.glob("dense-*")) + list(idx.glob("keyword-*")):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    before = folder_digest(idx)
    with read_only(idx):
        found = cli("search", "secret of document 7", "--json", "-k", "3", "--index", str(idx),
                    "--config", str(cfg))  # fmt: skip
        assert found.returncode == 0, found.stderr
        assert any(h["source"].endswith("doc7.md") for h in json.loads(found.stdout))
        refused = cli("index", str(docs), "--index", str(idx), "--config", str(cfg))
        message = " ".join(refused.stderr.split())
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert f"cannot write the index in {idx}" in message and "writable" in message
        assert folder_digest(idx) == before
