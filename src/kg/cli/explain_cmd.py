from __future__ import annotations

import click

from .common import emit, output_option, resolve_store, store_option


@click.command("explain")
@click.argument("terms", nargs=-1, required=True, metavar="SUBJECT [PREDICATE OBJECT]")
@click.option("-f", "--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json"]), help="Output format.")
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
    near matches as a hint.

    \b
    Examples:
      kg explain kgr:russia kg:participatesIn kgr:istanbul-talks-2025
      kg explain Russia a kg:Actor --depth 1
      kg explain kgr:valeriy-dymov --format json
    """
    from ..explain import explain_args, labels, to_json, to_text

    src, expls = explain_args(resolve_store(store_dir), list(terms), depth)
    names = labels(src, expls)
    many = len(expls) > 1 or len(terms) == 1
    result = expls if many else expls[0]
    emit(to_json(result, names) if fmt == "json" else to_text(result, names), output)
