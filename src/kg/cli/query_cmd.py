from __future__ import annotations

import click

from .common import emit, output_option, resolve_store, store_option

FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown"]

timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0), default=30.0, show_default=True, metavar="SECONDS",
    help="Stop the query after SECONDS (0: no limit).")
endpoint_option = click.option(
    "--endpoint", metavar="URL", default=None,
    help="Run on a remote SPARQL endpoint instead of the built store.")


def catalogue_listing(queries, width: int = 80) -> str:
    """NAME  TITLE per query, then one indented line per parameter with its default."""
    pad = max(len(q.name) for q in queries) + 2
    lines = []
    for q in queries:
        mark = ("[project, shadows kg's] " if q.shadows else "[project] ") \
            if q.origin != "kg" else ""
        lines.append(_clip(q.name.ljust(pad) + mark + q.title, width))
        for p in q.params:
            lines.append(_clip(" " * pad + f"-p {p.name} {p.default}" + (f"  {p.doc}" if p.doc
                                                                         else ""), width))
    return "\n".join(lines) + f"\n({len(queries)} queries)\n"


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


@click.command("query")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="Bind a parameter: an IRI, a prefixed name (kgr:russia) or a label.")
@click.option("--list", "list_", is_flag=True, help="List the canned queries.")
@click.option("--show", is_flag=True, help="Print the query's SPARQL text instead of running it.")
@click.option("-f", "--format", "fmt", default=None, type=click.Choice(FORMATS),
              help="Output format [default: table, or from -o's extension].")
@output_option
@click.option("--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
@click.option("--asserted-only", is_flag=True, help="Leave out inferred triples.")
@timeout_option
@endpoint_option
@store_option
def command(name, params, list_, show, fmt, output, iris, asserted_only, timeout, endpoint,
            store_dir):
    """Run a canned query from the catalogue (queries/NAME.rq).

    \b
    Examples:
      kg query --list
      kg query positions-of-actor -p actor Russia
      kg query proposals --format csv -o proposals.csv
    """
    from ..catalogue import all_queries, get_query

    if list_:
        from ..project import drift_warning

        emit(catalogue_listing(all_queries()), output)
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
    from ..api import run_canned

    text = run_canned(None if endpoint else resolve_store(store_dir), query, dict(params),
                      fmt=fmt, output=output, iris=iris, asserted_only=asserted_only,
                      timeout=timeout, endpoint=endpoint)
    emit(text, output, None)
