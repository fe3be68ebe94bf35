"""The library's face: a session on a built store (``kg.open``) or an endpoint (``kg.connect``).

>>> import kg
>>> with kg.open(".kg") as s:                      # doctest: +SKIP
...     for row in s.query("talks").dicts():
...         print(row["event"].value)

Every method returns data (result objects with pyoxigraph terms, Stats,
Explanations, bytes); rendering is the command line's business. Queries run
in this process unless a deadline is asked for (``timeout=`` seconds: the
query then runs in a forked child that is killed at the deadline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg import namespaces as ns
from kg.query.querying import ResultSet


@dataclass
class Result(ResultSet):
    """A query's answer (:class:`kg.query.querying.ResultSet`) and the session's label look-up.

    ``kind`` is ``select`` (``variables`` and ``rows`` of pyoxigraph terms,
    None where unbound), ``ask`` (``boolean``) or ``graph`` (``triples``).
    """

    lookup: object = field(default=None, repr=False, compare=False)

    def dicts(self) -> list[dict]:
        """The rows of a SELECT as dicts from variable name to term (unbound left out)."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
                for row in self.rows]

    def __iter__(self):
        return iter(self.rows if self.kind == "select" else self.triples)

    def __len__(self) -> int:
        return len(self.rows if self.kind == "select" else self.triples)


def _result(found: ResultSet, lookup) -> Result:
    return Result(found.kind, found.variables, found.rows, found.boolean, found.triples,
                  lookup=lookup)


def default_store() -> Path:
    """The store the command line uses: --project's / $KG_PROJECT's ``.kg``, $KG_STORE, ``.kg``."""
    import os

    from kg.project import default_dir
    from kg.store.disk import ENV_STORE, default_store_dir

    inside = default_dir(".kg") if not os.environ.get(ENV_STORE) else None
    return inside if inside is not None else default_store_dir()


class Session:
    """Queries, explanations, exports and counts over one built store or one endpoint.

    Open one with :func:`open` (a store directory) or :func:`connect` (a
    SPARQL endpoint URL). ``asserted_only`` leaves the inferred triples out of
    every query; ``timeout`` is the default deadline in seconds (None: no
    deadline, the query runs in this process).
    """

    def __init__(self, *, path: Path | None = None, endpoint: str | None = None,
                 asserted_only: bool = False, timeout: float | None = None):
        self.path = path
        self.endpoint = endpoint
        self.asserted_only = asserted_only
        self.timeout = timeout
        self._built = None
        if endpoint is not None:
            from kg.interop import endpoint as remote
            from kg.interop.remote.credentials import from_environment
            from kg.interop.remote.layouts import check_endpoint_url

            check_endpoint_url(endpoint)
            from_environment()  # the credential variables, checked before anything is sent
            self._remote = remote
        else:
            from kg.store.disk import open_store

            self._built = open_store(path)

    # ------------------------------------------------------------------ plumbing

    @property
    def store(self):
        """The read-only pyoxigraph Store (None for an endpoint)."""
        return self._built.oxigraph if self._built is not None else None

    def _local(self, what: str):
        if self._built is None:
            from kg.errors import UsageError

            raise UsageError(f"{what} needs a built store, not an endpoint",
                             hint="open the store with kg.open(path)")
        return self._built

    def _run(self, text: str, *, bindings: dict | None = None, prefixes: dict | None = None,
             name: str = "query", form: str | None = None, query_dataset: bool = False,
             timeout: float | None = None) -> ResultSet:
        from kg.query.querying import bind_values, dataset_graphs, execute

        if self._built is not None:
            return execute(self._built.oxigraph, text, bindings=bindings,
                           asserted_only=self.asserted_only, prefixes=prefixes, name=name,
                           timeout=timeout, query_dataset=query_dataset)
        if bindings:
            text = bind_values(text, bindings)
        if prefixes:
            text = "".join(f"PREFIX {p}: <{i}>\n" for p, i in prefixes.items()) + text
        graphs = [] if query_dataset else [g.value for g in
                                           dataset_graphs(self.asserted_only)]
        if form is None:
            from kg.query.guard import inspect

            form = inspect(text).form
        return self._remote.run_query(self.endpoint, text,
                                      timeout=timeout or self.timeout or 0,
                                      default_graphs=graphs,
                                      accept_graph=form in ("CONSTRUCT", "DESCRIBE"))

    def lookup(self, text: str) -> ResultSet:
        """A short bounded look-up (labels, parameters): never forked locally."""
        return self._run(text, name="label lookup",
                         timeout=None if self._built is not None else self.timeout)

    def _deadline(self, timeout):
        return self.timeout if timeout is None else (timeout or None)

    # ------------------------------------------------------------------ queries

    def query(self, name, /, params: dict[str, str] | None = None, *,
              timeout: float | None = None, **more: str) -> Result:
        """Run the canned query ``name`` (or a :class:`~kg.query.catalogue.CannedQuery`).

        ``params`` and keyword arguments: parameter name -> value as a user
        types it (an IRI, a prefixed name such as ``kgr:russia``, or a label).
        """
        from kg.query.catalogue import get_query
        from kg.query.querying import resolve_params

        query = get_query(name) if isinstance(name, str) else name
        params = {**(params or {}), **more}
        bindings = resolve_params(self.lookup, query, params)
        found = self._run(query.text, bindings=bindings, name=f"queries/{query.name}.rq",
                          timeout=self._deadline(timeout))
        return _result(found, self.lookup)

    def sparql(self, text: str, *, allow_remote: bool = False, label: str = "query",
               timeout: float | None = None) -> Result:
        """Run an ad hoc read-only query; the project's prefixes are predeclared.

        SPARQL Update is refused; SERVICE and FROM / FROM NAMED naming anything
        but the build's graphs are refused unless ``allow_remote``.
        """
        from kg.query.guard import check

        found = check(text, allow_remote=allow_remote, prefixes=ns.PREFIXES, label=label,
                      asserted_only=self.asserted_only)
        result = self._run(text, prefixes=ns.PREFIXES, name=label, form=found.form,
                           query_dataset=found.has_dataset, timeout=self._deadline(timeout))
        return _result(result, self.lookup)

    # ------------------------------------------------------------------ the built store

    def explain(self, *terms: str, depth: int | None = None) -> list:
        """Why a triple is in the graph (:class:`kg.insight.explain.Explanation` list).

        Give a subject, a predicate and an object (IRIs, prefixed names, quoted
        literals or labels; the predicate may be ``a``) for one triple, or a
        subject alone for every triple it is the subject of. A triple not in
        the graph raises :class:`kg.insight.explain.NotInGraph`.
        """
        from kg.insight.explain import explain_args

        return explain_args(self._local("explain").path, list(terms), depth)[1]

    def export(self, fmt: str = "turtle", graphs=("all",)) -> bytes:
        """The chosen graphs serialised in ``fmt`` (turtle, ntriples, nquads, trig,
        jsonld, rdfxml), byte for byte what ``kg export`` writes."""
        return b"".join(self.export_chunks(fmt, graphs))

    def export_chunks(self, fmt: str = "turtle", graphs=("all",)):
        """:meth:`export` in pieces (an iterator of bytes): N-Quads and N-Triples are
        sorted on disk and streamed in bounded memory (:func:`kg.interop.export.export_chunks`)."""
        from kg.interop.export import expand_graphs, export_chunks

        return export_chunks(self._local("export").oxigraph, fmt,
                             expand_graphs(list(graphs) or ["all"]))

    def show(self, entity: str):
        """Everything the graph says about ``entity`` (a label, alias, record id,
        prefixed name or IRI), each item with its quotes (:class:`kg.insight.profile.Profile`).

        No match raises :class:`kg.insight.profile.EntityNotFound` with close names as
        the hint; a name shared by several entities raises a
        :class:`kg.errors.UsageError` listing them.
        """
        from kg.insight.profile import find_entity, profile

        store = self._local("show").oxigraph
        return profile(store, find_entity(store, entity))

    def stats(self):
        """Triple counts per graph, class and predicate (:class:`kg.insight.stats.Stats`)."""
        from kg.insight.stats import stats

        return stats(self._local("stats").oxigraph)

    def close(self) -> None:
        self._built = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.endpoint if self.endpoint is not None else str(self.path)
        return f"<kg.Session {where}>"


def open(path: str | Path | None = None, *, asserted_only: bool = False,  # noqa: A001
         timeout: float | None = None) -> Session:
    """A session on the built store at ``path`` (default: the command line's store).

    Raises :class:`kg.errors.StoreError` when there is no build there, or
    when it is stale (its seeds changed since the build).
    """
    return Session(path=Path(path) if path is not None else default_store(),
                   asserted_only=asserted_only, timeout=timeout)


def connect(endpoint: str, *, asserted_only: bool = False,
            timeout: float | None = None) -> Session:
    """A session on a remote SPARQL endpoint (query and sparql only).

    The credentials come from the environment (:mod:`kg.interop.remote.credentials`).
    """
    return Session(endpoint=endpoint, asserted_only=asserted_only, timeout=timeout)
