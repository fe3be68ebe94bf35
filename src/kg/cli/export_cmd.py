from __future__ import annotations

import click

from kg.cli.common import emit, open_session
from kg.cli.options import format_option, graph_option, output_option, store_option


@click.command("export")
@format_option(["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"], short=False,
               help="RDF format [default: from -o's extension, else turtle].")
@graph_option("Graph(s) to export (repeatable) [default: all].")
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
    from kg.cli.render import result_format

    fmt = result_format(fmt, output, "turtle")
    emit(open_session(store_dir).export_chunks(fmt, list(graphs) or ["all"]), output, fmt)
