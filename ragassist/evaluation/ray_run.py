"""Evaluation on Ray: actors open the suite's models once and score items; rows come back in order.

run.py plans, skips the items already in results.jsonl and appends each row as it arrives, in
plan order, so a Ray run writes the same results.jsonl as a run in one process and resumes the
same way. A suite with one-time work in the run folder (the RAG suites index their corpus) does
it here first, through its `prepare(ctx)`, so that the workers only read what it made.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Iterator
from typing import Any

from ..index.cluster import (
    LOCAL,
    actor_pool,
    check_address,
    in_order,
    pool_size,
    ray_session,
    require_ray,
    worker_errors,
    worker_id,
)
from .runner import ItemScorer, RunContext, Suite, scored_row
from .suites import get_suite

log = logging.getLogger(__name__)

KEPT = "results.jsonl keeps every item scored before it"


class ItemWorker:
    """Runs in a Ray actor: opens the suite (its models load once) and scores items."""

    def __init__(self, suite: str, ctx: RunContext) -> None:
        self.suite, self.ctx = suite, ctx
        self.id = worker_id()

    @functools.cached_property
    def score(self) -> ItemScorer:
        return get_suite(self.suite).open(self.ctx)

    def ready(self) -> str:
        """Open the suite now, so the first item does not pay for it; the worker's id."""
        self.score  # noqa: B018 - loads the models
        return self.id

    def score_item(self, number: int, item: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(number, the item's result row), timed here as in a single-process run."""
        return number, scored_row(self.score, item)


def score_on_ray(
    suite: Suite, ctx: RunContext, todo: list[dict[str, Any]], setup: dict[str, float]
) -> Iterator[dict[str, Any]]:
    """Score `todo` on Ray actors (setup["seconds"]: preparing, Ray, opening), rows in order."""
    began = time.perf_counter()
    address = check_address(ctx.options.ray or LOCAL)
    require_ray()  # before a suite prepares anything
    prepare = getattr(suite, "prepare", None)
    if prepare is not None:
        prepare(ctx)
        ctx = dataclasses.replace(ctx, extras={**ctx.extras, "prepared": True})
    with ray_session(address) as ray:
        n = min(pool_size(ray, ctx.options.ray_workers), len(todo))
        with actor_pool(ray, ItemWorker, n, suite.name, ctx) as (pool, ids):
            setup["seconds"] = time.perf_counter() - began
            log.info("%s: %d items on %d Ray workers", suite.name, len(todo), n)
            rows = in_order("score_item", pool, todo)
            for _ in todo:
                with worker_errors("scoring items", KEPT):
                    row = next(rows)
                yield row
