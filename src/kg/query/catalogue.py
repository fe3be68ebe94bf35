"""Canned queries: discovery, header metadata and parameter resolution.

A canned query is ``queries/NAME.rq``: a complete SPARQL 1.1 query whose
leading comment lines are its metadata::

    # title: Positions of one actor
    # description: Every stance the actor takes, towards what, with the quote.
    # param: actor = kgr:russia ; the actor (an IRI, a prefixed name or a label)

Queries whose name ends in ``-violation`` list the offenders of a check: they
must return no rows. Their ``# covered-by:`` header names the SHACL shapes of
``ontology/shapes.ttl`` that ``kg build`` runs for the same check (the shapes are
the one declaration of the checks; see docs/checks.md). ``# scope: evidence``
marks a query over the evidence graph kg writes itself (only a kg bug can fail it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import InputError, UsageError
from kg.resources import queries_dir

_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*"
                    r"(?:=\s*(?P<default>\"[^\"]*\"|[^\s;]+))?\s*"
                    r"(?:;\s*(?P<doc>.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None
    doc: str

    @property
    def is_text(self) -> bool:
        """A text parameter (its default is a quoted string): bound as a literal."""
        return self.default is not None and self.default.startswith('"')


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    covered_by: str | None = None
    scope: str = "data"
    #: "kg" for the built-in catalogue, else the project's file (queries/NAME.rq)
    origin: str = "kg"
    #: a project query with the name of a built-in one, which it replaces
    shadows: bool = False

    @property
    def is_check(self) -> bool:
        return self.name.endswith("-violation")


def parse_query_file(name: str, text: str) -> CannedQuery:
    meta: dict[str, list[str]] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        m = re.match(r"^(title|description|param|covered-by|scope)\s*:\s*(.*)$", body)
        if m:
            meta.setdefault(m.group(1), []).append(m.group(2).strip())
        elif body and "description" in meta and not re.match(r"^\w+\s*:", body):
            meta["description"][-1] += " " + body
    if "title" not in meta:
        raise InputError("query has no '# title:' header line", path=f"queries/{name}.rq",
                         line=1)
    params = []
    for raw in meta.get("param", []):
        m = _PARAM.match(raw)
        if not m:
            raise InputError(f"malformed param header {raw!r}", path=f"queries/{name}.rq",
                             hint="write '# param: name = default ; description'")
        params.append(Param(m.group("name"), m.group("default"), (m.group("doc") or "").strip()))
    covered = meta.get("covered-by")
    scope = meta.get("scope", ["data"])[0]
    if scope not in ("data", "evidence"):
        raise InputError(f"unknown scope {scope!r} (data or evidence)",
                         path=f"queries/{name}.rq")
    return CannedQuery(name, meta["title"][0], " ".join(meta.get("description", [])),
                       tuple(params), text, covered[0] if covered else None, scope)


def builtin_queries() -> list[CannedQuery]:
    out = []
    for entry in sorted(queries_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            out.append(parse_query_file(entry.name[:-3], entry.read_text(encoding="utf-8")))
    return out


def _project_query(path, builtin_names) -> CannedQuery:
    from dataclasses import replace

    from kg.read.sources import read_text_file

    name = path.name[:-3]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise InputError("a query's file name may hold only letters, digits, '_' and '-'",
                         path=str(path))
    text, _ = read_text_file(path, 1_000_000)
    q = parse_query_file(name, text)
    return replace(q, origin=str(path), shadows=name in builtin_names)


def project_queries(builtin_names=frozenset()) -> list[CannedQuery]:
    """The current project's queries (see kg.project), marked as shadowing built-in ones."""
    from kg.project import query_files

    return [_project_query(p, builtin_names) for p in query_files()]


def all_queries() -> list[CannedQuery]:
    """The built-in catalogue and the project's queries; a project query shadows its namesake."""
    builtin = builtin_queries()
    mine = project_queries({q.name for q in builtin})
    names = {q.name for q in mine}
    return sorted([q for q in builtin if q.name not in names] + mine, key=lambda q: q.name)


def get_query(name: str) -> CannedQuery:
    from kg.project import find_project

    root = find_project()
    if root is not None and re.fullmatch(r"[A-Za-z0-9_-]+", name) \
            and (root / "queries" / f"{name}.rq").is_file():
        builtin = (queries_dir() / f"{name}.rq").is_file()
        return _project_query(root / "queries" / f"{name}.rq",
                              {name} if builtin else frozenset())
    entry = queries_dir() / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not entry.is_file():
        import difflib

        names = [q.name for q in all_queries()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        raise UsageError(f"no canned query named {name!r}",
                         hint=(f"did you mean {', '.join(close)}? " if close else "")
                         + "`kg query --list` shows them all")
    return parse_query_file(name, entry.read_text(encoding="utf-8"))


def violation_queries() -> list[CannedQuery]:
    return [q for q in all_queries() if q.is_check]
