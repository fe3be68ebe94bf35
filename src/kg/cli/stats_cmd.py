from __future__ import annotations

import click

from kg.cli.common import emit, open_session
from kg.cli.options import format_option, output_option, store_option


@click.command("stats")
@format_option(["table", "json"], default="table", help="Output format.")
@output_option
@store_option
def command(fmt, output, store_dir):
    """Count the triples of the built graph: per graph (asserted, inferred,
    background, ontology, evidence), per class (rdf:type triples) and per
    predicate, asserted versus inferred.

    \b
    Examples:
      kg stats
      kg stats --format json -o stats.json
    """
    from kg.insight.stats import to_json, to_table

    s = open_session(store_dir).stats()
    emit(to_json(s) if fmt == "json" else to_table(s), output)
