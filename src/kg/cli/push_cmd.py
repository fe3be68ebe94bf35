from __future__ import annotations

import click


@click.command("push")
def command():
    """(not yet available)

    \b
    Example:
      kg push --help
    """
    raise click.UsageError("kg push is not available yet")
