"""Options and output helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path

from kg.cli.options import (  # noqa: F401  (re-exported: commands import them from here)
    SECONDS,
    Seconds,
    output_option,
    seeds_option,
    store_option,
)


def resolve_store(store_dir: Path | None) -> Path:
    from kg.session import default_store

    return store_dir if store_dir is not None else default_store()


def open_session(store_dir: Path | None, endpoint: str | None = None, *,
                 asserted_only: bool = False, timeout: float | None = None):
    """The :class:`kg.session.Session` a command works on: --endpoint's, else --store's."""
    from kg.session import connect, open

    if endpoint is not None:  # "--endpoint $UNSET" is an error, never the local store
        return connect(endpoint, asserted_only=asserted_only, timeout=timeout)
    return open(resolve_store(store_dir), asserted_only=asserted_only, timeout=timeout)


def resolve_seeds(seeds_dir: Path | None) -> Path:
    import os

    from kg.project import default_dir
    from kg.store.disk import ENV_SEEDS, default_seeds_dir

    if seeds_dir is None and not os.environ.get(ENV_SEEDS):
        seeds_dir = default_dir("seeds")  # inside the project of --project DIR
    return seeds_dir if seeds_dir is not None else default_seeds_dir()


def emit(text: str | bytes, output: Path | None, fmt: str | None = None) -> None:
    """Print to stdout (every byte, or an error), or write to ``output`` atomically."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    if output is None:
        from kg.interop.export import write_stdout

        write_stdout(data)
        return
    from kg.interop.export import write_atomically

    write_atomically(output, data, fmt)
