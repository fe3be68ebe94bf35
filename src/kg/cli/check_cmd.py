from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import resolve_seeds, seeds_option


@click.command("check")
@seeds_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-shapes", is_flag=True,
              help="Leave out the closure and the data checks (SHACL shapes, violation "
                   "queries): only the files, ids, values and quotes are checked.")
def command(seeds_dir, files, no_shapes):
    """Check annotation files and report every error, changing none of them.

    Checks FILES (annotation files, or the articles beside them; default:
    every annotation file in the seeds directory) against their articles,
    the ontology and the other annotation files of the seeds directory, and
    prints each error as FILE:LINE: message (with a hint below it). Exit
    status 1 if there is any error, 0 and a one-line summary if none.
    What depends only on the ontology (the compiled rules and shapes) is
    cached in $KG_CACHE_DIR, else ~/.cache/kg, by the content of its inputs.

    \b
    Example:
      kg check seeds/000_99214e3abbb71cf3.yaml
    """
    from kg.author.check import check_annotations
    from kg.errors import InputError

    result = check_annotations(resolve_seeds(seeds_dir), list(files) or None,
                               checks=not no_shapes)
    for p in result.problems:
        click.echo(p.text())
        if p.hint:
            click.echo(f"  Hint: {p.hint}")
    n_files = len(result.files)
    files_word = f"{n_files} annotation file{'' if n_files == 1 else 's'}"
    if result.problems:
        n = len(result.problems)
        raise InputError(f"{n} error{'' if n == 1 else 's'} in {files_word}",
                         hint="fix them and run `kg check` again; the store was not touched")
    click.echo(f"Checked {files_word} ({result.records} records): no errors.")
