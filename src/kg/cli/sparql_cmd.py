from __future__ import annotations

import sys

import click

from kg.cli.common import emit, open_session
from kg.cli.options import (
    asserted_only_option,
    endpoint_option,
    format_option,
    iris_option,
    labels_option,
    output_option,
    store_option,
    timeout_option,
    width_option,
)
from kg.cli.query_cmd import table_width
from kg.errors import InputError

FORMATS = ["table", "csv", "tsv", "json", "jsonl", "markdown",
           "turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]


class FormatChoice(click.Choice):
    """The formats; ``-f FILE`` (the old meaning of -f here) gets a pointer to --file."""

    def convert(self, value, param, ctx):
        import os

        if value not in self.choices and os.path.exists(value):
            self.fail(f"{value!r} is not a format: -f means --format in every kg command "
                      f"(read a query file with --file {value})", param, ctx)
        return super().convert(value, param, ctx)


@click.command("sparql")
@click.argument("query", required=False)
@click.option("--file", "file_", type=click.Path(dir_okay=False, exists=True,
                                                allow_dash=True),
              help="Read the query from FILE ('-' for stdin).")
@format_option(FormatChoice(FORMATS), help="Output format [default: table, turtle for "
               "CONSTRUCT/DESCRIBE, or from -o's extension].")
@output_option
@iris_option
@labels_option
@width_option
@asserted_only_option
@click.option("--allow-remote", is_flag=True,
              help="Allow SERVICE, and FROM / FROM NAMED outside the build's graphs.")
@timeout_option
@endpoint_option
@store_option
def command(query, file_, fmt, output, iris, labels, width, asserted_only, allow_remote,
            timeout, endpoint, store_dir):
    """Run an ad hoc read-only SPARQL query (the project's prefixes are predeclared).

    SELECT, ASK, CONSTRUCT and DESCRIBE run over asserted + inferred triples;
    SPARQL Update is refused.

    \b
    Examples:
      kg sparql 'SELECT ?s WHERE { ?s a kg:Negotiation }'
      kg sparql --file my-query.rq -f csv
      echo 'ASK { kgr:russia a kg:State }' | kg sparql -
      kg sparql 'CONSTRUCT WHERE { kgr:russia ?p ?o }' -o russia.ttl
    """
    if file_ == "-" or query == "-" or (query is None and file_ is None
                                        and sys.stdin is not None and not sys.stdin.isatty()):
        text, label = read_stdin(), "<stdin>"
    elif file_:
        text, label = read_query_file(file_), file_
    elif query:
        text, label = query, "<argument>"
    else:
        raise click.UsageError("give a QUERY, --file FILE, or '-' to read stdin")
    from kg.cli.render import check_sparql_format, render_sparql, result_format

    fmt = result_format(fmt, output, "table")
    check_sparql_format(fmt)
    session = open_session(store_dir, endpoint, asserted_only=asserted_only, timeout=timeout)
    result = session.sparql(text, allow_remote=allow_remote, label=label)
    emit(render_sparql(result, fmt, iris, width=table_width(width, output), labels=labels),
         output)


#: The most bytes a query file or stdin may hold (kg.query.guard.MAX_QUERY_CHARS characters).
MAX_QUERY_BYTES = 1_000_000


def _decode(data: bytes, label: str) -> str:
    if len(data) > MAX_QUERY_BYTES:
        raise InputError(f"the query is more than {MAX_QUERY_BYTES:,} bytes long",
                         path=label, hint="a query this long is usually data; load it with "
                                          "`kg build`")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {e.start})", path=label, line=line,
                         hint="save the query as UTF-8") from None


def read_query_file(name: str) -> str:
    """The text of a query file: a regular file of at most MAX_QUERY_BYTES, UTF-8."""
    import os
    import stat

    try:
        st = os.stat(name)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", path=name,
                             hint="give a query file, or '-' to read the query from stdin")
        if st.st_size > MAX_QUERY_BYTES:
            raise InputError(f"the query is {st.st_size:,} bytes long, more than the limit "
                             f"of {MAX_QUERY_BYTES:,}", path=name,
                             hint="a query this long is usually data; load it with "
                                  "`kg build`")
        with open(name, "rb") as f:
            data = f.read(MAX_QUERY_BYTES + 1)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=name) from None
    return _decode(data, name)


def read_stdin() -> str:
    """The query on stdin: at most MAX_QUERY_BYTES are read, whatever stdin is."""
    if sys.stdin is None:
        raise InputError("stdin is closed", path="<stdin>",
                         hint="give the query as an argument or with -f FILE")
    stream = getattr(sys.stdin, "buffer", None)
    try:
        data = stream.read(MAX_QUERY_BYTES + 1) if stream is not None else \
            sys.stdin.read(MAX_QUERY_BYTES + 1).encode("utf-8", "surrogateescape")
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path="<stdin>") from None
    return _decode(data, "<stdin>")
