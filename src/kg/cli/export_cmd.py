from __future__ import annotations

import click

from .common import emit, output_option, resolve_store, store_option


@click.command("export")
@click.option("--format", "fmt", default=None,
              type=click.Choice(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]),
              help="RDF format [default: from -o's extension, else turtle].")
@click.option("--graph", "graphs", multiple=True,
              type=click.Choice(["asserted", "inferred", "background", "evidence", "ontology",
                                 "all"]),
              help="Graph(s) to export (repeatable) [default: all].")
@output_option
@store_option
def command(fmt, graphs, output, store_dir):
    """Export the built graph for other triple stores.

    Quad formats (nquads, trig, jsonld) keep each graph under its IRI
    (https://w3id.org/kg/graph/asserted, .../inferred, ...); triple formats
    merge the chosen graphs.

    \b
    Examples:
      kg export -o kg.nq
      kg export --format turtle --graph asserted --graph inferred > kg.ttl
    """
    from ..api import export_stream

    data, fmt = export_stream(resolve_store(store_dir), fmt=fmt, graphs=list(graphs) or ["all"],
                       output=output)
    emit(data, output, fmt)
