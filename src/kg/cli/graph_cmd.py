from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import emit, resolve_store, store_option


@click.command("graph")
@click.argument("entity")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the SVG to FILE.svg (atomically) instead of stdout.")
@store_option
def command(entity, output, store_dir):
    """Draw the graph around ENTITY as an SVG picture.

    The entity is in the centre; around it the actors, proposals, positions
    and events it is linked to, and around those the actors that take part
    in, mediate or take a stance on them. Arrows say who proposes, supports,
    rejects, demands, holds a position, participates or mediates. What the
    articles state is drawn solid; what someone only claims is dashed and
    says whose claim it is. ENTITY is found as in `kg show` (a label, an
    alias, a record id, a prefixed name or an IRI). The same build always
    gives the same picture, byte for byte.

    \b
    Examples:
      kg graph Russia -o russia.svg
      kg graph kgr:ceasefire-30-day
    """
    from kg.errors import UsageError

    if output is not None and not output.name.lower().endswith(".svg"):
        raise UsageError(f"{output.name!r} is not an .svg file",
                         hint="kg graph writes SVG: give -o FILE.svg, or no -o for stdout")
    from kg.insight.graphpic import neighbourhood, to_svg
    from kg.insight.profile import find_entity
    from kg.store.disk import open_store

    store = open_store(resolve_store(store_dir)).oxigraph
    nodes, edges = neighbourhood(store, find_entity(store, entity))
    emit(to_svg(nodes, edges), output, None)
