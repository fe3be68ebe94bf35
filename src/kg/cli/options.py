"""The options several commands take, each defined once (``@store_option`` ...)."""

from __future__ import annotations

from pathlib import Path

import click

#: the graphs a command may be asked for by name (``--graph``)
GRAPH_CHOICES = ["asserted", "inferred", "background", "evidence", "ontology", "all"]


class Seconds(click.ParamType):
    """A finite number of seconds from 0 (no limit) to :data:`MAX_SECONDS`.

    ``Seconds(zero=False)`` is a deadline that must be above 0 (``kg push``'s per request).
    """

    name = "seconds"
    MAX_SECONDS = 86400.0

    def __init__(self, zero: bool = True) -> None:
        self.zero = zero

    def convert(self, value, param, ctx):
        import math

        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                number = math.nan
        low = "from 0 (no limit)" if self.zero else "above 0 and up"
        if (not math.isfinite(number) or not 0 <= number <= self.MAX_SECONDS
                or (number == 0 and not self.zero)):
            self.fail(f"{value!r} is not a number of seconds {low} to "
                      f"{self.MAX_SECONDS:g}", param, ctx)
        return number


SECONDS = Seconds()
DEADLINE = Seconds(zero=False)

store_option = click.option(
    "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Store directory [default: $KG_STORE or .kg].")
seeds_option = click.option(
    "--seeds", "seeds_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Seeds directory with articles and annotations [default: $KG_SEEDS or seeds].")
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to FILE (atomically) instead of stdout; the format follows the extension.")
timeout_option = click.option(
    "--timeout", type=SECONDS, default=30.0, show_default=True, metavar="SECONDS",
    help="Stop the query after SECONDS (0: no limit).")
endpoint_option = click.option(
    "--endpoint", metavar="URL", default=None,
    help="Run on a remote SPARQL endpoint instead of the built store.")
width_option = click.option(
    "--width", type=click.IntRange(min=20), default=None, metavar="N",
    help="Fit tables in N columns, wrapping long cells [default: the terminal's width, "
         "80 when not a terminal].")
labels_option = click.option(
    "--labels", is_flag=True,
    help="Add a VAR_label column after each column of IRIs (CSV, TSV, JSON, JSONL; "
         "tables with --iris).")
iris_option = click.option(
    "--iris", is_flag=True, help="Show IRIs instead of labels in tables.")
asserted_only_option = click.option(
    "--asserted-only", is_flag=True, help="Leave out inferred triples.")


def format_option(choices, *, default: str | None = None, help: str,  # noqa: A002
                  short: bool = True):
    """``-f/--format`` (``--format`` alone with ``short=False``) among ``choices``."""
    names = ("-f", "--format", "fmt") if short else ("--format", "fmt")
    choice = choices if isinstance(choices, click.ParamType) else click.Choice(choices)
    return click.option(*names, default=default, show_default=default is not None,
                        type=choice, help=help)


def graph_option(help: str):  # noqa: A002
    """``--graph NAME`` (repeatable) among :data:`GRAPH_CHOICES`."""
    return click.option("--graph", "graphs", multiple=True, type=click.Choice(GRAPH_CHOICES),
                        help=help)
