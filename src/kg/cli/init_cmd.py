from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="The project's name [default: the folder's name].")
def command(directory, name):
    """Create a kg project: seeds/, queries/, an ontology extension, a README.

    DIRECTORY may exist (kg init never overwrites a file). Run kg from the
    project folder, or with `kg --project DIRECTORY`, to use its articles,
    queries and ontology terms.

    \b
    Example:
      kg init my-news && cd my-news && kg query --list
    """
    from kg.project import init_project

    made = init_project(directory, name)
    click.echo(f"Created the kg project {directory} ({len(made)} files): put articles and "
               f"their annotation files in {directory / 'seeds'}, then `kg build`.")
