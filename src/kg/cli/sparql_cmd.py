from __future__ import annotations

import sys

import click

from .common import emit, output_option, resolve_store, store_option
from .query_cmd import endpoint_option, labels_option, table_width, timeout_option, width_option

FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown",
           "turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]


class FormatChoice(click.Choice):
    """The formats; ``-f FILE`` (the old meaning of -f here) gets a pointer to --file."""

    def convert(self, value, param, ctx):
        import os

        if value not in self.choices and os.path.exists(value):
            self.fail(f"{value!r} is not a format: -f means --format in every kg command "
                      f"(read a query file with --file {value})", param, ctx)
        return super().convert(value, param, ctx)


@click.command("sparql")
@click.argument("query", required=False)
@click.option("--file", "file_", type=click.Path(dir_okay=False, exists=True,
                                                allow_dash=True),
              help="Read the query from FILE ('-' for stdin).")
@click.option("-f", "--format", "fmt", default=None, type=FormatChoice(FORMATS),
              help="Output format [default: table, turtle for CONSTRUCT/DESCRIBE, "
                   "or from -o's extension].")
@output_option
@click.option("--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
@labels_option
@width_option
@click.option("--asserted-only", is_flag=True, help="Leave out inferred triples.")
@click.option("--allow-remote", is_flag=True,
              help="Allow SERVICE, and FROM / FROM NAMED outside the build's graphs.")
@timeout_option
@endpoint_option
@store_option
def command(query, file_, fmt, output, iris, labels, width, asserted_only, allow_remote,
            timeout, endpoint, store_dir):
    """Run an ad hoc read-only SPARQL query (the project's prefixes are predeclared).

    SELECT, ASK, CONSTRUCT and DESCRIBE run over asserted + inferred triples;
    SPARQL Update is refused.

    \b
    Examples:
      kg sparql 'SELECT ?s WHERE { ?s a kg:Negotiation }'
      kg sparql --file my-query.rq -f csv
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
        raise click.UsageError("give a QUERY, --file FILE, or '-' to read stdin")
    from ..api import run_sparql

    emit(run_sparql(None if endpoint else resolve_store(store_dir), text, fmt=fmt,
                    output=output, iris=iris, asserted_only=asserted_only, label=label,
                    timeout=timeout, allow_remote=allow_remote, endpoint=endpoint,
                    width=table_width(width, output), labels=labels), output)

