from __future__ import annotations

import click


@click.command("stats")
def command():
    """(not yet available)

    \b
    Example:
      kg stats --help
    """
    raise click.UsageError("kg stats is not available yet")
