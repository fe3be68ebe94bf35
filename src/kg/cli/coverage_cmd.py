from __future__ import annotations

import click

from kg.cli.common import emit, output_option, resolve_seeds, seeds_option


@click.command("coverage")
@seeds_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format [default: text, or from the -o extension].")
@output_option
@click.option("--all", "all_sentences", is_flag=True,
              help="List every sentence with its voice, facts, claims and mentions.")
@click.option("--min-mapped", type=click.FloatRange(0, 100), default=90.0, show_default=True,
              help="Fail (exit 3) when fewer than this percentage of sentences are mapped.")
def command(seeds_dir, fmt, output, all_sentences, min_mapped):
    """Report which sentences of each article the annotations cover, and how deeply.

    Splits each article body into sentences and lists, for each, the records
    whose quotes are anchored in it. A sentence is mapped, listed (left out on
    purpose in the annotation file's `unmapped` section, with a reason) or
    missing. Depth: each sentence's voice (the article's own, or a speaker's
    direct or reported words), the facts it anchors (records with more than a
    name), and its claims, structured (a proposition or a reported claim) or
    not; a second summary line counts the claims structured and the own-voice
    sentences that anchor a fact, and the default report lists the own-voice
    sentences that anchor none. Exits with status 3 when a sentence is
    missing or when fewer than --min-mapped percent of the sentences are mapped.

    \b
    Example:
      kg coverage --seeds seeds --all
    """
    from kg.errors import ViolationsError
    from kg.insight.coverage import reports_json, seeds_coverage

    if fmt is None:
        fmt = "json" if output is not None and output.suffix.lower() == ".json" else "text"
    reports = seeds_coverage(resolve_seeds(seeds_dir))
    if fmt == "json":
        emit(reports_json(reports) + "\n", output)
    else:
        emit("\n\n".join(r.text(all_sentences=all_sentences) for r in reports) + "\n", output)
    from kg.author.draft import draft_counts  # records kg draft made that nobody has confirmed yet

    for name, n, total, values in draft_counts(resolve_seeds(seeds_dir)):
        if n:
            click.echo(f"Draft: {name}: {n} of {total} records still marked draft: true "
                       "(confirm each, then delete the line)", err=True)
        if values:
            click.echo(f"Draft: {name}: {values} values: entries not placed under a record "
                       "(move each under its record, or delete it)", err=True)
    failing = [r for r in reports if not r.ok(min_mapped)]
    if failing:
        raise ViolationsError(
            f"{len(failing)} article(s) below the coverage target",
            report="\n".join(r.summary() for r in failing),
            hint=f"map or list every sentence (unmapped: with a reason); "
                 f"at least {min_mapped:g}% must be mapped")
