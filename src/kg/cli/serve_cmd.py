from __future__ import annotations

import contextlib

import click

from kg.cli.common import resolve_store
from kg.cli.options import store_option, timeout_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only this machine by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--access-log", is_flag=True, help="Print a line for every request.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let pages of ORIGIN (e.g. a YASGUI page) query /sparql from the browser.")
@timeout_option
@store_option
def command(host, port, access_log, cors_origins, timeout, store_dir):
    """Serve the built graph on the web: an article reader, entity pages, the canned
    queries, pictures of the graph and a read-only SPARQL 1.1 endpoint at /sparql.

    Every query runs with the --timeout deadline; updates, SERVICE and remote
    FROM are refused as in `kg sparql`. Ctrl-C stops the server (exit status 0).

    \b
    Examples:
      kg serve
      kg serve --port 8080 --timeout 10
      kg query talks --endpoint http://127.0.0.1:8000/sparql
    """
    from kg.web.app import create_app
    from kg.web.server import bind, serve, url_of

    app = create_app(resolve_store(store_dir), timeout=timeout, host=host,
                     cors_origins=tuple(cors_origins))
    sock = bind(host, port)
    url = url_of(sock)
    click.echo(f"Serving the graph at {url}/ (SPARQL endpoint: {url}/sparql); "
               "Ctrl-C stops.", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: other machines can read the graph.",
                   err=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops, then re-raises Ctrl-C
        serve(app, sock, access_log=access_log)
    click.echo("Stopped.", err=True)
