"""The library behind the commands: each CLI command is a thin call into here.

Everything returns data (text or bytes); writing to stdout or a file is the
caller's business.
"""

from __future__ import annotations

from pathlib import Path

from . import namespaces as ns
from .catalogue import CannedQuery
from .errors import QueryError, UsageError


def _result_format(fmt: str | None, output: Path | None, default: str) -> str:
    from .results import format_for_path

    if fmt:
        return fmt
    if output is not None:
        guessed = format_for_path(str(output))
        if guessed is None:
            raise UsageError(f"cannot tell the format from {output.name!r}",
                             hint="pass --format")
        return guessed
    return default


def render_result(store, result, fmt: str, iris: bool) -> str:
    from .results import render

    names = None
    if fmt in ("table", "markdown") and not iris and result.kind == "select":
        from .querying import labels

        found = {t.value for row in result.rows for t in row
                 if t is not None and type(t).__name__ == "NamedNode"}
        names = labels(store, found)
    return render(result, fmt, names=names, iris=iris)


def run_canned(store_dir: Path, query: CannedQuery, params: dict[str, str], *,
               fmt: str | None = None, output: Path | None = None, iris: bool = False,
               asserted_only: bool = False) -> str:
    """Run a canned query with ``params`` (name -> value as typed by the user)."""
    from .querying import execute, resolve_params
    from .store import open_store

    fmt = _result_format(fmt, output, "table")
    built = open_store(store_dir)
    bindings = resolve_params(built.oxigraph, query, params)
    result = execute(built.oxigraph, query.text, bindings=bindings, asserted_only=asserted_only,
                     name=f"queries/{query.name}.rq")
    return render_result(built.oxigraph, result, fmt, iris)


def run_sparql(store_dir: Path, text: str, *, fmt: str | None = None,
               output: Path | None = None, iris: bool = False, asserted_only: bool = False,
               label: str = "query") -> str:
    """Run an ad hoc read-only query with the project's prefixes predeclared."""
    from .querying import execute
    from .store import open_store

    if _looks_like_update(text):
        raise QueryError(f"{label}: SPARQL Update is refused: kg sparql is read-only")
    fmt = _result_format(fmt, output, "table")
    built = open_store(store_dir)
    result = execute(built.oxigraph, text, asserted_only=asserted_only, prefixes=ns.PREFIXES,
                     name=label)
    return render_result(built.oxigraph, result, fmt, iris)


def _looks_like_update(text: str) -> bool:
    import re

    body = re.sub(r"#[^\n]*", " ", text)
    body = re.sub(r"<[^>\s]*>|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", " ", body)
    return bool(re.search(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b",
                          body, re.I)) and not re.search(
        r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.I)


def export(store_dir: Path, *, fmt: str | None = None, graphs: list[str] | None = None,
           output: Path | None = None) -> tuple[bytes, str]:
    """Serialise the chosen graphs of the current build; returns (bytes, format)."""
    from .export import expand_graphs, export_bytes
    from .store import open_store

    fmt = _result_format(fmt, output, "turtle")
    built = open_store(store_dir)
    return export_bytes(built.oxigraph, fmt, expand_graphs(graphs or ["all"])), fmt
