from __future__ import annotations

import click

from .common import emit, output_option, resolve_store, store_option


@click.command("query")
@click.argument("name", required=False)
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="Bind a parameter: an IRI, a prefixed name (kgr:russia) or a label.")
@click.option("--list", "list_", is_flag=True, help="List the canned queries.")
@click.option("--show", is_flag=True, help="Print the query's SPARQL text instead of running it.")
@click.option("-f", "--format", "fmt", default=None,
              type=click.Choice(["table", "csv", "tsv", "json", "jsonl", "markdown"]),
              help="Output format [default: table, or from -o's extension].")
@output_option
@click.option("--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
@click.option("--asserted-only", is_flag=True, help="Leave out inferred triples.")
@store_option
def command(name, params, list_, show, fmt, output, iris, asserted_only, store_dir):
    """Run a canned query from the catalogue.

    \b
    Examples:
      kg query --list
      kg query positions-of-actor -p actor Russia
      kg query ceasefire-proposals --format csv -o proposals.csv
    """
    from ..catalogue import all_queries, get_query

    if list_:
        from ..results import table

        rows = [[q.name, q.title, ", ".join(
            p.name + (f"={p.default}" if p.default else "") for p in q.params)]
            for q in all_queries()]
        emit(table(["name", "title", "parameters"], rows, width=120), output)
        return
    if not name:
        raise click.UsageError("give a query NAME, or --list to see them")
    query = get_query(name)
    if show:
        emit(query.text, output)
        return
    from ..api import run_canned

    text = run_canned(resolve_store(store_dir), query, dict(params), fmt=fmt, output=output,
                      iris=iris, asserted_only=asserted_only)
    emit(text, output, None)
