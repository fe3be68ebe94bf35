"""Options and output helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path

import click

store_option = click.option(
    "--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Store directory [default: $KG_STORE or .kg].")
seeds_option = click.option(
    "--seeds", "seeds_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Seeds directory with articles and annotations [default: $KG_SEEDS or seeds].")
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to FILE (atomically) instead of stdout; the format follows the extension.")


def resolve_store(store_dir: Path | None) -> Path:
    from ..session import default_store

    return store_dir if store_dir is not None else default_store()


def open_session(store_dir: Path | None, endpoint: str | None = None, *,
                 asserted_only: bool = False, timeout: float | None = None):
    """The :class:`kg.session.Session` a command works on: --endpoint's, else --store's."""
    from ..session import connect, open

    if endpoint:
        return connect(endpoint, asserted_only=asserted_only, timeout=timeout)
    return open(resolve_store(store_dir), asserted_only=asserted_only, timeout=timeout)


def resolve_seeds(seeds_dir: Path | None) -> Path:
    import os

    from ..project import default_dir
    from ..store import ENV_SEEDS, default_seeds_dir

    if seeds_dir is None and not os.environ.get(ENV_SEEDS):
        seeds_dir = default_dir("seeds")  # inside the project of --project DIR
    return seeds_dir if seeds_dir is not None else default_seeds_dir()


class Seconds(click.ParamType):
    """A finite number of seconds from 0 (no limit) to :data:`MAX_SECONDS`."""

    name = "seconds"
    MAX_SECONDS = 86400.0

    def convert(self, value, param, ctx):
        import math

        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                number = math.nan
        if not math.isfinite(number) or not 0 <= number <= self.MAX_SECONDS:
            self.fail(f"{value!r} is not a number of seconds from 0 (no limit) to "
                      f"{self.MAX_SECONDS:g}", param, ctx)
        return number


SECONDS = Seconds()


def emit(text: str | bytes, output: Path | None, fmt: str | None = None) -> None:
    """Print to stdout (every byte, or an error), or write to ``output`` atomically."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    if output is None:
        from ..export import write_stdout

        write_stdout(data)
        return
    from ..export import write_atomically

    write_atomically(output, data, fmt)
