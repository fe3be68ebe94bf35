from __future__ import annotations

import sys

import click

from .common import emit, output_option, resolve_store, store_option
from .query_cmd import endpoint_option, timeout_option

FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown",
           "turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]


@click.command("sparql")
@click.argument("query", required=False)
@click.option("-f", "--file", "file_", type=click.Path(dir_okay=False, exists=True,
                                                      allow_dash=True),
              help="Read the query from FILE ('-' for stdin).")
@click.option("--format", "fmt", default=None, type=click.Choice(FORMATS),
              help="Output format [default: table, turtle for CONSTRUCT/DESCRIBE, "
                   "or from -o's extension].")
@output_option
@click.option("--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
@click.option("--asserted-only", is_flag=True, help="Leave out inferred triples.")
@click.option("--allow-remote", is_flag=True,
              help="Allow SERVICE, and FROM / FROM NAMED outside the build's graphs.")
@timeout_option
@endpoint_option
@store_option
def command(query, file_, fmt, output, iris, asserted_only, allow_remote, timeout, endpoint,
            store_dir):
    """Run an ad hoc read-only SPARQL query (the project's prefixes are predeclared).

    SELECT, ASK, CONSTRUCT and DESCRIBE run over asserted + inferred triples;
    SPARQL Update is refused.

    \b
    Examples:
      kg sparql 'SELECT ?s WHERE { ?s a kg:Negotiation }'
      kg sparql -f my-query.rq --format csv
      echo 'ASK { kgr:russia a kg:State }' | kg sparql -
      kg sparql 'CONSTRUCT WHERE { kgr:russia ?p ?o }' -o russia.ttl
    """
    if file_ == "-" or query == "-" or (query is None and file_ is None
                                        and not sys.stdin.isatty()):
        text, label = sys.stdin.read(), "<stdin>"
    elif file_:
        with open(file_, encoding="utf-8") as f:
            text = f.read()
        label = file_
    elif query:
        text, label = query, "<argument>"
    else:
        raise click.UsageError("give a QUERY, -f FILE, or '-' to read stdin")
    from ..api import run_sparql

    emit(run_sparql(None if endpoint else resolve_store(store_dir), text, fmt=fmt,
                    output=output, iris=iris, asserted_only=asserted_only, label=label,
                    timeout=timeout, allow_remote=allow_remote, endpoint=endpoint), output)
