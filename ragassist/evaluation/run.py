"""Run (or resume) one evaluation suite: plan, score what is not done yet, summarise, report.

It lives apart from runner.py (the types every suite shares) so that the suites, which import
runner.py, are imported here and not by the module they import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..config import Config
from ..errors import InputError
from . import report
from .runner import (
    RESULTS,
    ResultsWriter,
    RunContext,
    RunOptions,
    RunResult,
    Suite,
    check_run_folder,
    config_identity,
    read_results,
    scored_row,
)
from .suites import get_suite

log = logging.getLogger(__name__)


def run(options: RunOptions, extras: dict[str, Any] | None = None) -> RunResult:
    """Run (or resume) one suite and write its reports; see the module docstring."""
    suite = get_suite(options.suite)
    config = Config.load(options.config_path)
    out = options.out or Path("runs") / f"{suite.name}-seed{options.seed}"
    n = options.n if options.n is not None else suite.default_n
    if n is not None and n < 1:
        raise InputError(f"--n given as {n} must be at least 1")
    ctx = RunContext(options, config, out, n, dict(extras or {}))
    started = time.perf_counter()
    plan = suite.plan(ctx)
    identity = {
        "suite": suite.name,
        "seed": options.seed,
        "config": config_identity(config, getattr(suite, "config_sections", None)),
        **plan.identity,
    }
    check_run_folder(out, identity)
    wanted = {item["id"] for item in plan.items}
    results = out / RESULTS
    done = {row["id"] for row in read_results(results)}
    todo = [item for item in plan.items if item["id"] not in done]
    log.info(
        "%s: %d items, %d done, %d to score",
        suite.name,
        len(plan.items),
        len(plan.items) - len(todo),
        len(todo),
    )
    open_seconds = 0.0
    if todo:
        writer = ResultsWriter(results)
        bar = tqdm(
            total=len(plan.items),
            initial=len(plan.items) - len(todo),
            desc=suite.name,
            unit="item",
            disable=not options.progress,
            dynamic_ncols=True,
        )
        try:
            setup: dict[str, float] = {}
            if options.ray is None:
                rows_now = score_here(suite, ctx, todo, setup)
            else:
                from .ray_run import score_on_ray

                rows_now = score_on_ray(suite, ctx, todo, setup)
            for row in rows_now:  # in plan order, each appended as soon as it is scored
                writer.append(row)
                bar.update(1)
            open_seconds = setup.get("seconds", 0.0)
        finally:
            bar.close()
            writer.close()
    rows = [row for row in read_results(results) if row["id"] in wanted]
    summary = suite.summarize(rows, ctx)
    timings = {
        "setup_seconds": open_seconds,
        "wall_seconds_this_invocation": time.perf_counter() - started,
        "item_seconds_total": float(sum(r.get("seconds", 0.0) for r in rows)),
        "item_seconds_mean": float(np.mean([r.get("seconds", 0.0) for r in rows])) if rows else 0.0,
    }
    report.write(out, suite.name, ctx, identity, summary, timings, len(rows))
    return RunResult(out, summary.metrics, len(todo))


def score_here(
    suite: Suite, ctx: RunContext, todo: list[dict[str, Any]], setup: dict[str, float]
) -> Iterator[dict[str, Any]]:
    """Open the suite's models in this process (setup["seconds"]), then score item by item."""
    began = time.perf_counter()
    score = suite.open(ctx)
    setup["seconds"] = time.perf_counter() - began
    for item in todo:
        yield scored_row(score, item)
