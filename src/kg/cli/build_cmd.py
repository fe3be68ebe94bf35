from __future__ import annotations

import click

from kg.cli.common import resolve_seeds, resolve_store, seeds_option, store_option


@click.command("build")
@seeds_option
@store_option
@click.option("--reasoner", type=click.Choice(["auto", "owlrl", "rules"]), default="auto",
              show_default=True,
              help="OWL 2 RL engine: owlrl (the reference), rules (kg's compiled engine, "
                   "same results, much faster), or auto (owlrl up to 20,000 input triples).")
@click.option("--shapes", type=click.Choice(["auto", "pyshacl", "sparql"]), default="auto",
              show_default=True,
              help="SHACL engine: pyshacl (the reference), sparql (the same shapes compiled to "
                   "SPARQL on Oxigraph, same violations, much faster), or auto (sparql).")
@click.option("--checks", type=click.Choice(["auto", "all", "data", "none"]), default="auto",
              show_default=True,
              help="Checks on the new build before it goes live: all (every SHACL shape and "
                   "the voice guard), data (leaves out the evidence-integrity checks, which "
                   "only a kg defect can fail), none, or auto (all up to 20,000 triples, "
                   "data above).")
@click.option("--no-check", is_flag=True, help="The same as --checks none.")
@click.option("--full", is_flag=True,
              help="Rebuild everything, even when the only change since the last build is "
                   "new, removed or edited articles (which kg build otherwise applies to it "
                   "incrementally).")
def command(seeds_dir, store_dir, reasoner, shapes, checks, no_check, full):
    """Build the graph from the seeds and write the store.

    Reads every article (NAME.txt) and its annotations (NAME.yaml), anchors
    each quote, maps the annotations to RDF, computes the OWL 2 RL closure,
    checks the result, and replaces the store atomically. When the only change
    since the last build is new articles that sort after every built one, or
    removed or edited articles, the last build is updated incrementally (the
    result is the same as a full build's); any other change is a full build,
    which says why.

    \b
    Example:
      kg build --seeds seeds --store .kg
    """
    import sys

    from kg.build import build

    def progress(message: str) -> None:
        click.echo(f"kg build: {message}", err=True)

    report = build(resolve_seeds(seeds_dir), resolve_store(store_dir), reasoner=reasoner,
                   checks="none" if no_check else checks, shapes=shapes,
                   progress=progress if sys.stderr.isatty() else (lambda message: None),
                   full=full)
    from kg.project import drift_warning  # edits to a kg checkout that are not used

    warning = drift_warning()
    if warning:
        click.echo(warning, err=True)
    c = report.counts
    total = report.seconds
    how = f" ({report.mode})" if report.mode.startswith("incremental") else ""
    click.echo(f"Built {report.store} from {report.articles} article(s){how}: "
               f"{c['asserted']} asserted, {c['inferred']} inferred, {c['background']} background,"
               f" {c['evidence']} evidence, {c['ontology']} ontology triples in {total:.2f} s.")
