from __future__ import annotations

import click

from kg.cli.common import resolve_store
from kg.cli.options import DEADLINE, graph_option, store_option


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query.")
@click.option("--update-endpoint", metavar="URL", default=None,
              help="SPARQL Update endpoint [default: derived from --endpoint].")
@click.option("--gsp-endpoint", metavar="URL", default=None,
              help="Graph Store Protocol endpoint [default: derived from --endpoint].")
@graph_option("Graph(s) to push (repeatable) [default: all].")
@click.option("--graph-iri", metavar="IRI", default=None,
              help="Put every triple into this one named graph, replacing it "
                   "[default: each graph under its own IRI, https://w3id.org/kg/graph/...].")
@click.option("--method", type=click.Choice(["auto", "gsp", "update"]), default="auto",
              show_default=True,
              help="Upload by Graph Store Protocol POST or by SPARQL INSERT DATA "
                   "(auto: GSP when its endpoint is known).")
@click.option("--store-type", type=click.Choice(["auto", "oxigraph", "fuseki", "virtuoso",
                                                 "rdf4j", "generic"]),
              default="auto", show_default=True,
              help="The server's layout, which gives the update and GSP URLs "
                   "(auto: from the URL's path; see docs/interop.md).")
@click.option("--max-body", type=click.IntRange(min=1024), default=None, metavar="BYTES",
              help="Largest request body to send [default: 4000000; 100000 for "
                   "updates to Virtuoso].")
@click.option("--atomic/--no-atomic", default=True, show_default=True,
              help="Upload into temporary graphs and swap them in with one update (a failed "
                   "push leaves the targets as they were), or drop the targets and upload "
                   "straight into them (no copy on the server, for graphs too large for it "
                   "to copy in one transaction; a failed push leaves them incomplete).")
@click.option("--timeout", type=DEADLINE, default=30.0,
              show_default=True, metavar="SECONDS", help="Deadline for each request.")
@store_option
def command(endpoint, update_endpoint, gsp_endpoint, graphs, graph_iri, method, store_type,
            max_body, atomic, timeout, store_dir):
    """Upload the graph to a SPARQL 1.1 server, replacing what it held.

    Each named graph replaces the server's graph of the same IRI (or, with
    --graph-iri, all go into that one graph). The upload goes into a
    temporary graph first and replaces the target in one update request,
    so a failed push leaves the target as it was. Afterwards the server's
    triples are counted and compared with what was sent. The swap makes the
    server copy every triple in one transaction, which a large graph may not
    fit (Oxigraph held 9.4 GB to swap in 1,000 articles' 2.26 M triples): there,
    --no-atomic drops the targets and uploads straight into them.

    Credentials come from the environment only: KG_ENDPOINT_TOKEN (bearer),
    or KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (HTTP Basic, or Digest
    when the server asks for it). Redirects are not followed.

    \b
    Examples:
      kg push --endpoint http://127.0.0.1:7878/query
      kg query talks --endpoint http://127.0.0.1:7878/query
      kg push --endpoint http://localhost:3030/kg/sparql --graph-iri https://example.org/kg
      kg push --endpoint http://localhost:8890/sparql-auth     (Virtuoso)
      kg push --endpoint http://127.0.0.1:7878/query --no-atomic   (a graph too big to swap)
    """
    from kg.api import push

    report = push(resolve_store(store_dir), endpoint, graphs=list(graphs) or ["all"],
                  graph_iri=graph_iri, update_endpoint=update_endpoint,
                  gsp_endpoint=gsp_endpoint, method=method, max_body=max_body,
                  timeout=timeout, store_type=store_type, atomic=atomic)
    for target, n in report.held.items():
        click.echo(f"{target}: {n} triples on the server ({report.sent[target]} sent)")
    click.echo(f"Pushed {report.triples} triples to {report.endpoint} in "
               f"{report.requests} requests ({report.method}), {report.seconds:.2f} s.")
    for note in report.notes:
        click.echo(f"Note: {note}", err=True)
