from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import resolve_seeds, resolve_store, seeds_option, store_option


@click.command("draft")
@click.argument("article", type=click.Path(dir_okay=False, path_type=Path))
@seeds_option
@store_option
@click.option("--force", is_flag=True, help="Replace an annotation file that is already there.")
def command(article, seeds_dir, store_dir, force):
    """Write a first annotation file for ARTICLE.txt beside it (ARTICLE.yaml).

    Finds the title, date and publisher; each sentence's voice and speaker;
    every mention of an entity that the seeds' annotation files or the built
    graph know (matched case- and accent-insensitively) as a reference to
    its record; candidate new entities; dates, durations and numbers,
    normalised, as facts entries under `values:` to move under their records
    (kg build leaves `values:` out). Every quote anchors as it is, so the
    draft builds; every record is marked `draft: true` until you confirm it.
    Never overwrites an annotation file without --force.

    \b
    Example:
      kg draft seeds/001_follow_up.txt && kg check seeds/001_follow_up.yaml
    """
    from kg.author.draft import draft_file

    target, result = draft_file(article, resolve_seeds(seeds_dir), force=force,
                                store_dir=resolve_store(store_dir))
    s = result.stats
    click.echo(f"Wrote {target}: {s['sentences']} sentences, {s['mentions']} mentions of "
               f"{s['known']} known entities, {s['candidates']} candidate new entities, "
               f"{s['speech']} speech regions with a speaker, {s['values']} dates and numbers "
               "under values:; every record is draft: true.")
