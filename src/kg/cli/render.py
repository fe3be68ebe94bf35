"""Rendering a session's answers for the terminal: the only place results become text."""

from __future__ import annotations

from pathlib import Path

from kg.errors import UsageError


def result_format(fmt: str | None, output: Path | None, default: str) -> str:
    """``--format``, else the format -o's extension names, else ``default``."""
    from kg.query.results import format_for_path

    if fmt:
        return fmt
    if output is not None:
        guessed = format_for_path(str(output))
        if guessed is None:
            raise UsageError(f"cannot tell the format from {output.name!r}",
                             hint="pass --format")
        return guessed
    return default


def render_result(lookup, result, fmt: str, iris: bool, *, width: int = 80,
                  with_labels: bool = False) -> str:
    """Render ``result``; tables and Markdown show labels (looked up by ``lookup``).

    ``width``: the width tables fit (long cells wrap). ``with_labels``: add a
    ``VAR_label`` column after each variable that holds IRIs (any format).
    """
    from kg.query.results import render

    names = None
    wanted = result.kind == "select" and (with_labels or (
        fmt in ("table", "markdown") and not iris))
    if wanted:
        from kg.query.querying import labels, result_iris

        names = labels(lookup, result_iris(result))
    if with_labels and result.kind == "select":
        from kg.query.querying import with_labels as add_labels

        result = add_labels(result, names or {})
    return render(result, fmt, names=names, iris=iris, width=width)


def no_match(lookup, text: str | None) -> str:
    """What an empty ``search`` answer says: no match, and the close names if any."""
    from kg.insight.profile import suggestions

    text = (text or "").strip('"')
    close = suggestions(lookup, text)
    return f"no match for {text!r}\n" + ("did you mean: " + "; ".join(close) + "\n"
                                         if close else "")


def render_canned(query, params: dict, result, fmt: str, iris: bool, *, width: int = 80,
                  labels: bool = False) -> str:
    """A canned query's answer as ``kg query`` prints it."""
    if query.name == "search" and result.kind == "select" and not result.rows \
            and fmt == "table":
        default = next((p.default for p in query.params if p.name == "text"), None)
        return no_match(result.lookup, params.get("text", default))
    return render_result(result.lookup, result, fmt, iris, width=width, with_labels=labels)


def render_sparql(result, fmt: str, iris: bool, *, width: int = 80,
                  labels: bool = False) -> str:
    """An ad hoc query's answer as ``kg sparql`` prints it (graphs as Turtle in a table's place)."""
    from kg.query.results import FORMATS

    if result.kind == "graph" and fmt in FORMATS:
        fmt = "turtle"
    return render_result(result.lookup, result, fmt, iris, width=width, with_labels=labels)


def check_sparql_format(fmt: str) -> None:
    from kg.query.results import FORMATS, GRAPH_FORMATS

    if fmt not in FORMATS + GRAPH_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}",
                         hint="one of " + ", ".join(FORMATS + GRAPH_FORMATS))
