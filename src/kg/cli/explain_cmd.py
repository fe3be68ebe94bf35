from __future__ import annotations

import click


@click.command("explain")
def command():
    """(not yet available)

    \b
    Example:
      kg explain --help
    """
    raise click.UsageError("kg explain is not available yet")
