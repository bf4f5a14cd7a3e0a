"""The architecture, as rules on the package's imports (read with `ast`, nothing is imported).

1. No import cycles: no module reaches itself through the modules it imports, counting imports
   made inside functions and modules named in strings (loaded with importlib); only
   `if TYPE_CHECKING:` imports are left out, since they never run.
2. Wings in flow order: a module imports only the base (config and its checks, paths, types, errors), its own wing,
   and wings earlier in FLOW. A stage never imports the assistant or the interface; only the
   interface sits on top of everything.
3. The base imports no wing.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ragassist"
BASE = ("config", "config_checks", "paths", "types", "errors")
FLOW = (
    "documents",  # files -> Document -> Chunk
    "index",  # Chunk -> vectors and tokens -> SQLite + FAISS + BM25; retrieval
    "generation",  # prompt -> LLM -> streamed draft with citations
    "verification",  # draft -> claims -> verdicts (the second model)
    "detect",  # any text -> two models' token statistics -> P(machine-written)
    "image",  # drawing requests -> latent diffusion -> judged images
    "assistant",  # the stages in order: Assistant.answer()
    "evaluation",  # suites that run the assistant and its stages
    "interface",  # CLI, chat, terminal rendering: the only wing that prints
)


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package modules it imports (at run time, anywhere in the file)."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        here = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(tree):
            if getattr(node, "lineno", 0) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [stem] + [f"{stem}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                targets = [node.value]  # a module loaded by name (importlib.import_module)
            for t in targets:
                if t in files and t != mod and not mod.startswith(t + "."):
                    graph[mod].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path of modules, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def flow_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that run against the flow, as 'a -> b (why)'."""
    bad = []
    for mod, targets in graph.items():
        src = wing(mod)
        for t in targets:
            dst = wing(t)
            if dst in ("", src) or dst in BASE:
                if src in BASE and dst not in BASE and dst != "":
                    bad.append(f"{mod} -> {t} (the base imports no wing)")
                continue
            if src in BASE:
                bad.append(f"{mod} -> {t} (the base imports no wing)")
            elif src in FLOW and dst in FLOW and FLOW.index(dst) > FLOW.index(src):
                bad.append(f"{mod} -> {t} ({src} comes before {dst} in the flow)")
    return sorted(bad)


def test_every_wing_is_in_the_flow() -> None:
    wings = {wing(m) for m in import_graph()} - {"", *BASE}
    assert wings <= set(FLOW), f"wings missing from FLOW: {wings - set(FLOW)}"


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_follow_the_flow() -> None:
    assert flow_violations(import_graph()) == []


def test_the_checks_catch_a_cycle_and_a_backward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "ragassist"
    for rel, text in {
        "__init__.py": "",
        "config.py": "",
        "verification/__init__.py": "",
        "verification/a.py": "from .b import x\nfrom ..interface.show import y\n",
        "verification/b.py": "def f():\n    from .a import z\n",
        "interface/__init__.py": "",
        "interface/show.py": "",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    graph = import_graph(pkg)
    assert find_cycle(graph) in (
        ["ragassist.verification.a", "ragassist.verification.b", "ragassist.verification.a"],
        ["ragassist.verification.b", "ragassist.verification.a", "ragassist.verification.b"],
    )
    assert flow_violations(graph) == [
        "ragassist.verification.a -> ragassist.interface.show "
        "(verification comes before interface in the flow)"
    ]
