"""Resource bounds of `ragassist index`: a huge text file, a long PDF, a folder of tiny files.

    .venv/bin/python bench/robustness.py [--cases text,markdown,pdf,files,interrupt]
        [--text-mb 200] [--pdf-pages 2000] [--files 100000] [--work DIR]

Each case runs the real CLI in its own process under /usr/bin/time -v, so the peak RSS is the
indexing process's own; embeddings are the model-free hash-64, so the figures are the pipeline
(read, parse, split, SQLite, FAISS, BM25) without a model. `interrupt` sends SIGINT (Ctrl-C) to
a run over the tiny files mid-way, checks it stopped cleanly, and re-runs the same command to
show it resumes. `markdown` indexes a Markdown file of --text-mb with a heading before every
paragraph, runs one `search` on the result (the peak of a process that loads both indexes),
then Ctrl-C's a second run of it into an index that holds one small file, and runs it again.
Prints one JSON line per run and a Markdown table at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
WORDS = (
    "otter river stone water fish swim den fur tail paw night moon the a of and to in is "
    "that it was for on are as with his they at be this from have or by one had not but"
).split()


def prose(rng: random.Random, words: int) -> str:
    """Sentences and paragraphs of random words, like plain text with numbers in it."""
    out = []
    for i in range(words):
        out.append(rng.choice(WORDS) + (str(rng.randint(0, 99)) if i % 7 == 0 else ""))
        if i % 15 == 14:
            out[-1] += "." + ("\n\n" if i % 120 == 119 else "")
    return " ".join(out)


def make_text(path: Path, megabytes: int) -> None:
    rng = random.Random(0)
    block = prose(rng, 200_000).encode()  # ~1.2 MB, repeated with a counter to stay distinct
    with path.open("wb") as f:
        n = 0
        while f.tell() < megabytes * 1_000_000:
            f.write(b"# Part %d\n\n" % n + block + b"\n\n")
            n += 1


def make_markdown(path: Path, megabytes: int) -> None:
    """Markdown with a heading (levels 1-3 in turn) before every paragraph of about 120 words."""
    rng = random.Random(1)
    paragraphs = prose(rng, 200_000).split("\n\n")
    with path.open("w", encoding="utf-8") as f:
        n = 0
        while f.tell() < megabytes * 1_000_000:
            for i, para in enumerate(paragraphs):
                f.write(f"{'#' * (1 + i % 3)} Part {n} section {i}\n\n{para.strip()}\n\n")
            n += 1


def make_pdf(path: Path, pages: int) -> None:
    from reportlab.pdfgen import canvas

    rng = random.Random(0)
    c = canvas.Canvas(str(path))
    for n in range(pages):
        text = c.beginText(72, 760)
        for line in range(40):
            text.textLine(f"p{n + 1} l{line} " + prose(rng, 12))
        c.drawText(text)
        c.showPage()
    c.save()


def make_files(folder: Path, n: int) -> None:
    rng = random.Random(0)
    for i in range(n):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:06d}.txt").write_text(f"File {i} says {prose(rng, 8)}\n")


def peak_rss_mb(stderr: str) -> int | None:
    """The peak RSS that /usr/bin/time -v printed, in MB."""
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return round(int(rss.group(1)) / 1024) if rss else None


def run_index(
    target: Path,
    idx: Path,
    config: Path,
    interrupt_at: int | None = None,
    interrupt_after: float | None = None,
) -> dict[str, Any]:
    """One `ragassist index` under /usr/bin/time -v; SIGINT once `interrupt_at` files are in,
    or `interrupt_after` seconds after the start."""
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "ragassist.interface.cli", "index",
               str(target), "--index", str(idx), "--config", str(config)]  # fmt: skip
    began = time.perf_counter()
    sigint_at = None
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, start_new_session=True)  # fmt: skip
    if interrupt_at is not None:  # Ctrl-C once that many files are committed
        while proc.poll() is None and committed(idx) < interrupt_at:
            time.sleep(0.2)
        if proc.poll() is None:
            sigint_at = committed(idx)
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's group
    elif interrupt_after is not None:
        try:
            proc.wait(timeout=interrupt_after)
        except subprocess.TimeoutExpired:
            sigint_at = committed(idx)
            os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate()
    summary = re.search(r"indexed .*", " ".join(out.split()))
    return {
        "exit": proc.returncode,
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": peak_rss_mb(err),
        "progress_shown": "indexing:" in err,
        "interrupted": "interrupted" in err,
        "summary": summary.group(0)[:300] if summary else err.strip().splitlines()[-3:],
        "files_committed": committed(idx),
        "sigint_at_files": sigint_at,
    }


def run_search(idx: Path, config: Path, query: str = "otter river stone") -> dict[str, Any]:
    """One `ragassist search` under /usr/bin/time -v: a process that loads FAISS and BM25."""
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "ragassist.interface.cli", "search",
               query, "--index", str(idx), "--config", str(config), "--json"]  # fmt: skip
    began = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=ENV)
    try:
        hits = len(json.loads(proc.stdout))
    except ValueError:
        hits = None
    return {
        "exit": proc.returncode,
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": peak_rss_mb(proc.stderr),
        "progress_shown": False,
        "files_committed": committed(idx),
        "hits": hits,
    }


def committed(idx: Path) -> int:
    try:
        with sqlite3.connect(idx / "chunks.sqlite") as con:
            return int(con.execute("SELECT COUNT(*) FROM files").fetchone()[0])
    except sqlite3.Error:
        return 0


def write_config(folder: Path, max_file_mb: float) -> Path:
    path = folder / f"ragassist-{max_file_mb:g}.toml"
    path.write_text(f'[embed]\nmodel = "hash-64"\n[index]\nmax_file_mb = {max_file_mb}\n')
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="text,markdown,pdf,files,interrupt")
    parser.add_argument("--text-mb", type=int, default=200)
    parser.add_argument("--pdf-pages", type=int, default=2000)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument(
        "--work", type=Path, default=None, help="scratch folder (default: a temp dir)"
    )
    args = parser.parse_args()
    # started in the background by a shell without job control, this process (and so every
    # child) would ignore SIGINT, and the interrupt cases would interrupt nothing
    signal.signal(signal.SIGINT, signal.default_int_handler)
    work = args.work or Path(tempfile.mkdtemp(prefix="ragassist-bounds-"))
    work.mkdir(parents=True, exist_ok=True)
    cases = args.cases.split(",")
    rows: list[tuple[str, dict[str, Any]]] = []

    def record(name: str, row: dict[str, Any]) -> None:
        rows.append((name, row))
        print(json.dumps({"case": name, **row}), flush=True)

    try:
        if "text" in cases:
            text = work / "huge.txt"
            make_text(text, args.text_mb)
            mb = text.stat().st_size / 1e6
            record(
                f"{mb:.0f} MB text, default limit",
                run_index(text, work / "i-text-default", write_config(work, 50)),
            )
            record(f"{mb:.0f} MB text, max_file_mb {args.text_mb + 50}",
                   run_index(text, work / "i-text", write_config(work, args.text_mb + 50)))  # fmt: skip
            text.unlink()
        if "markdown" in cases:
            md = work / "huge.md"
            make_markdown(md, args.text_mb)
            mb, config = md.stat().st_size / 1e6, write_config(work, args.text_mb + 50)
            full = run_index(md, work / "i-md", config)
            record(f"{mb:.0f} MB Markdown, a heading a paragraph", full)
            record("`search` on that index", run_search(work / "i-md", config))
            small, idx = work / "small.md", work / "i-md-int"
            small.write_text("# Small\n\nThe otter sleeps in its den by the river.\n")
            run_index(small, idx, config)
            record(
                f"{mb:.0f} MB Markdown into an index of 1 file, SIGINT at half its time",
                run_index(md, idx, config, interrupt_after=full["seconds"] / 2),
            )
            record("`search` on the interrupted index", run_search(idx, config, "otter den"))
            record(f"{mb:.0f} MB Markdown, same command again", run_index(md, idx, config))
            md.unlink()
        if "pdf" in cases:
            pdf = work / "long.pdf"
            make_pdf(pdf, args.pdf_pages)
            record(f"{args.pdf_pages}-page PDF ({pdf.stat().st_size / 1e6:.1f} MB)",
                   run_index(pdf, work / "i-pdf", write_config(work, 50)))  # fmt: skip
        if "files" in cases or "interrupt" in cases:
            folder = work / "tiny"
            if not folder.exists():
                make_files(folder, args.files)
            config = write_config(work, 50)
            if "files" in cases:
                record(f"{args.files:,} tiny files", run_index(folder, work / "i-files", config))
            if "interrupt" in cases:
                idx = work / "i-interrupt"
                first = run_index(
                    folder,
                    idx,
                    config,
                    interrupt_at=args.files // 3,
                )
                record(f"{args.files:,} tiny files, SIGINT mid-run", first)
                record(
                    f"{args.files:,} tiny files, same command again", run_index(folder, idx, config)
                )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n| case | exit | seconds | peak RSS (MB) | progress shown | files committed |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        print(
            f"| {name} | {r['exit']} | {r['seconds']} | {r['peak_rss_mb']} | {r['progress_shown']} | {r['files_committed']} |"
        )


if __name__ == "__main__":
    main()
