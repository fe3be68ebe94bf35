from __future__ import annotations

import sys

import click

from .common import emit, output_option, resolve_store, store_option


@click.command("sparql")
@click.argument("query", required=False)
@click.option("-f", "--file", "file_", type=click.Path(dir_okay=False, exists=True),
              help="Read the query from FILE ('-' for stdin).")
@click.option("--format", "fmt", default=None,
              help="table, csv, tsv, json, jsonl, markdown; turtle etc. for CONSTRUCT.")
@output_option
@click.option("--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
@click.option("--asserted-only", is_flag=True, help="Leave out inferred triples.")
@store_option
def command(query, file_, fmt, output, iris, asserted_only, store_dir):
    """Run an ad hoc read-only SPARQL query (the project's prefixes are predeclared).

    \b
    Examples:
      kg sparql 'SELECT ?s WHERE { ?s a kg:Negotiation }'
      kg sparql -f my-query.rq --format csv
      echo 'ASK { kgr:russia a kg:State }' | kg sparql -
    """
    if file_:
        with open(file_, encoding="utf-8") as f:
            text = f.read()
        label = file_
    elif query == "-" or (query is None and not sys.stdin.isatty()):
        text, label = sys.stdin.read(), "<stdin>"
    elif query:
        text, label = query, "<argument>"
    else:
        raise click.UsageError("give a QUERY, -f FILE, or '-' to read stdin")
    from ..api import run_sparql

    emit(run_sparql(resolve_store(store_dir), text, fmt=fmt, output=output, iris=iris,
                    asserted_only=asserted_only, label=label), output)
