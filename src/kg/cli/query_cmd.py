from __future__ import annotations

import click

from kg.cli.common import emit, open_session
from kg.cli.options import (
    asserted_only_option,
    endpoint_option,
    format_option,
    iris_option,
    labels_option,
    output_option,
    store_option,
    timeout_option,
    width_option,
)

FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown"]

def table_width(width: int | None, output) -> int:
    """``--width``, else the terminal's width when writing to one, else 80."""
    import shutil
    import sys

    if width is not None:
        return width
    if output is None and sys.stdout is not None and sys.stdout.isatty():
        return max(shutil.get_terminal_size((80, 24)).columns, 20)
    return 80


def catalogue_listing(queries, width: int = 80) -> str:
    """NAME  TITLE per query, then one indented line per parameter with its default;
    long lines wrap under their column (never cut)."""
    from kg.query.results import wrap_cell

    pad = max(len(q.name) for q in queries) + 2
    room = max(width - pad, 20)
    lines = []
    for q in queries:
        mark = ("[project, shadows kg's] " if q.shadows else "[project] ") \
            if q.origin != "kg" else ""
        title = wrap_cell(mark + q.title, room)
        lines.append(q.name.ljust(pad) + title[0])
        lines += [" " * pad + t for t in title[1:]]
        for p in q.params:
            head = f"-p {p.name} {p.default}"
            if len(head) + 2 + len(p.doc or "") <= room:
                lines.append(" " * pad + head + (f"  {p.doc}" if p.doc else ""))
                continue
            lines += [" " * pad + h for h in wrap_cell(head, room)]  # the description below
            lines += [" " * (pad + 3) + t for t in wrap_cell(p.doc or "", room - 3) if t]
    return "\n".join(lines) + f"\n({len(queries)} queries)\n"


@click.command("query")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="Bind a parameter: an IRI, a prefixed name (kgr:russia) or a label.")
@click.option("--list", "list_", is_flag=True, help="List the canned queries.")
@click.option("--show", is_flag=True, help="Print the query's SPARQL text instead of running it.")
@format_option(FORMATS, help="Output format [default: table, or from -o's extension].")
@output_option
@iris_option
@labels_option
@width_option
@asserted_only_option
@timeout_option
@endpoint_option
@store_option
def command(name, params, list_, show, fmt, output, iris, labels, width, asserted_only, timeout,
            endpoint, store_dir):
    """Run a canned query from the catalogue (queries/NAME.rq).

    \b
    Examples:
      kg query --list
      kg query positions-of-actor -p actor Russia
      kg query proposals --format csv -o proposals.csv
      kg query claims-about -p about Türkiye --width 120
      kg query talks --format json --labels
      kg query search -p text turkiye
    """
    from kg.query.catalogue import all_queries, get_query

    if list_:
        from kg.project import drift_warning

        emit(catalogue_listing(all_queries(), table_width(width, output)), output)
        warning = drift_warning()
        if warning:
            click.echo(warning, err=True)
        return
    if not name:
        raise click.UsageError("give a query NAME, or --list to see them")
    query = get_query(name)
    if query.shadows:
        click.echo(f"Note: the project's {query.origin} shadows kg's query {name!r}", err=True)
    if show:
        emit(query.text, output)
        return
    from kg.cli.render import render_canned, result_format

    fmt = result_format(fmt, output, "table")
    session = open_session(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    result = session.query(query, dict(params))
    emit(render_canned(query, dict(params), result, fmt, iris,
                       width=table_width(width, output), labels=labels), output, None)
