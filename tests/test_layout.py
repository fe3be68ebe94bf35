"""The package layout holds: no import cycle, the ground floor imports nothing of kg above it,
and the library never imports the command line or the web server.
(Ruff keeps every function at cyclomatic complexity 25 or less: C901 in pyproject.toml.)

Imports are read from the source (including imports inside functions, which would
otherwise hide a cycle), so this test needs no import side effect to see them.
"""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
GROUND = {"kg.namespaces", "kg.errors", "kg.resources", "kg.visible", "kg.gcpause", "kg.project"}
FRONTS = ("kg.cli", "kg.web")


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.joinpath("kg").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m not in (name, "kg")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_imports_inside_functions():
    graph = _graph()
    assert "kg.cli" in graph["kg.__main__"]
    assert graph["kg.namespaces"] == set()


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_ground_floor_imports_only_the_ground_floor():
    graph = _graph()
    assert {m: sorted(graph[m] - GROUND) for m in sorted(GROUND) if graph[m] - GROUND} == {}


def test_the_library_never_imports_the_command_line_or_the_web_server():
    graph = _graph()
    offenders = {m: sorted(t for t in ts if t.startswith(FRONTS))
                 for m, ts in graph.items()
                 if not m.startswith(FRONTS) and m != "kg.__main__"}
    assert {m: ts for m, ts in offenders.items() if ts} == {}

