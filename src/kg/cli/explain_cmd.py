from __future__ import annotations

import click

from kg.cli.common import emit, resolve_store
from kg.cli.options import format_option, output_option, store_option


@click.command("explain")
@click.argument("terms", nargs=-1, required=True, metavar="SUBJECT [PREDICATE OBJECT]")
@format_option(["text", "json"], default="text", help="Output format.")
@click.option("--depth", type=click.IntRange(min=0), default=None,
              help="Show at most N derivation steps below the triple [default: all].")
@output_option
@store_option
def command(terms, fmt, depth, output, store_dir):
    """Explain why a triple is in the graph: its quotes, or the OWL 2 RL
    derivation that infers it, down to the quotes of its premises.

    Give a triple SUBJECT PREDICATE OBJECT, or one RESOURCE to explain every
    triple it is the subject of. Each term is an IRI, a prefixed name
    (kgr:russia), a quoted literal or a label; the predicate may be `a`.
    A triple that is not in the graph is an error (exit status 1), with the
    near matches as a hint. A triple that is only the content of a claim
    (what someone says) is shown with who claims it, where, and the quotes,
    and is still an error (exit status 1): it is not a fact of the graph.

    \b
    Examples:
      kg explain kgr:russia kg:participatesIn kgr:istanbul-talks-2025
      kg explain Russia a kg:Actor --depth 1
      kg explain kgr:valeriy-dymov --format json
    """
    from kg.insight.explain import (
        CLAIMED,
        NotAsserted,
        explain_args,
        labels,
        to_json,
        to_text,
        triple_text,
    )

    src, expls = explain_args(resolve_store(store_dir), list(terms), depth)
    names = labels(src, expls)
    many = len(expls) > 1 or len(terms) == 1
    result = expls if many else expls[0]
    emit(to_json(result, names) if fmt == "json" else to_text(result, names), output)
    if not many and result.status == CLAIMED:
        n = len(result.claims)
        raise NotAsserted(f"the triple {triple_text(result.triple)} is not asserted: it is "
                          f"only what {'a claim says' if n == 1 else f'{n} claims say'}",
                          hint="a claim is what someone says, never a fact of the graph")
