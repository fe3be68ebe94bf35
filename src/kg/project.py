"""A project of one's own: a folder with its articles, queries and ontology extension.

A project is a directory holding the marker file ``kg-project.toml`` (made
by ``kg init DIR``)::

    kg-project.toml        the marker (name = "...")
    README.md              what is where
    seeds/                 the user's articles and annotation files
    queries/               the user's canned queries (NAME.rq, same header format)
    ontology/extension.ttl the user's ontology terms, loaded beside kg's ontology

kg runs "in" a project when ``--project DIR`` or ``$KG_PROJECT`` names it, or
when the current directory holds the marker. Then ``kg query`` lists and runs
the project's queries beside the built-in catalogue (a project query of the
same name as a built-in one shadows it, and kg says so), ``kg build`` loads
the ontology extension, and both take part in the staleness check.

This module only reads the file system; it never writes, except in
:func:`init_project`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.errors import InputError, UsageError

MARKER = "kg-project.toml"
ENV_PROJECT = "KG_PROJECT"
EXTENSION = "ontology/extension.ttl"


#: The project named by ``kg --project DIR`` (set by the CLI for each invocation).
selected: Path | None = None


def find_project() -> Path | None:
    """The current project's directory, or None (not in a project)."""
    named = selected or os.environ.get(ENV_PROJECT)
    if named:
        root = Path(named)
        if not (root / MARKER).is_file():
            raise UsageError(f"{root} is not a kg project (no {MARKER})",
                             hint="create one with `kg init DIR`")
        return root
    return Path(".") if Path(MARKER).is_file() else None


def default_dir(name: str) -> Path | None:
    """``seeds`` or ``.kg`` inside a project named by --project/$KG_PROJECT (None otherwise:
    kg's usual defaults, relative to the current directory, apply)."""
    named = selected or os.environ.get(ENV_PROJECT)
    root = find_project() if named else None
    return None if root is None else root / name


def ontology_files(root: Path | None = None) -> list[Path]:
    """The project's ontology extension files (``ontology/*.ttl``), sorted."""
    root = find_project() if root is None else root
    if root is None or not (root / "ontology").is_dir():
        return []
    return sorted(p for p in (root / "ontology").glob("*.ttl") if p.is_file())


def query_files(root: Path | None = None) -> list[Path]:
    """The project's canned queries (``queries/*.rq``), sorted."""
    root = find_project() if root is None else root
    if root is None or not (root / "queries").is_dir():
        return []
    return sorted(p for p in (root / "queries").glob("*.rq") if p.is_file())


def project_fingerprint() -> str | None:
    """A digest of the project's ontology extension and queries (None: no project)."""
    root = find_project()
    if root is None:
        return None
    h = hashlib.sha256()
    for p in ontology_files(root) + query_files(root):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def source_checkout_drift(cwd: Path | None = None) -> list[str]:
    """Files of queries/ and ontology/ that differ from kg's packaged copies.

    Only when the current directory is a kg source checkout (``src/kg/`` and
    ``pyproject.toml``) and kg is *not* installed from it in editable mode:
    then kg uses its packaged copies and the checkout's edits are ignored.
    """
    from kg.resources import ontology_dir, queries_dir

    cwd = Path(".") if cwd is None else cwd
    if not ((cwd / "src" / "kg" / "__init__.py").is_file() and (cwd / "pyproject.toml").is_file()):
        return []
    out = []
    for name, packaged, suffix in (("queries", queries_dir(), ".rq"),
                                   ("ontology", ontology_dir(), ".ttl")):
        local = cwd / name
        if not local.is_dir():
            continue
        try:
            if Path(str(packaged)).resolve() == local.resolve():
                return []  # an editable install: the checkout's files are the ones used
        except OSError:
            pass
        shipped = {e.name: e.read_bytes() for e in packaged.iterdir() if e.name.endswith(suffix)}
        mine = {p.name: p.read_bytes() for p in local.glob("*" + suffix) if p.is_file()}
        out += [f"{name}/{n}" for n in sorted(shipped.keys() | mine.keys())
                if shipped.get(n) != mine.get(n)]
    return out


def drift_warning() -> str | None:
    """A one-line warning when a source checkout's edits are silently not used."""
    drift = source_checkout_drift()
    if not drift:
        return None
    shown = ", ".join(drift[:3]) + (f" and {len(drift) - 3} more" if len(drift) > 3 else "")
    return (f"Warning: {shown} in this kg source checkout differ from the copies kg was "
            "installed with, which are the ones used (install with `pip install -e .` to "
            "work on kg itself, or keep your own queries and terms in a project: `kg init`)")


README = """\
# {name}: a kg project

Your own articles, queries and ontology terms, kept apart from kg itself.

| path | what | whose |
|---|---|---|
| `seeds/NAME.txt`, `seeds/NAME.yaml` | the articles and their annotations | yours |
| `queries/NAME.rq` | your canned queries (the header format of kg's) | yours |
| `ontology/extension.ttl` | your ontology terms, loaded beside kg's ontology | yours |
| `kg-project.toml` | marks this folder as a kg project | yours |
| `.kg/` | the built graph (`kg build` writes it) | kg's |

Run kg from this folder (or pass `--project DIR`):

```text
kg draft seeds/NAME.txt      # a first annotation file, seeds/NAME.yaml
kg check                     # every error, FILE:LINE: message
kg build                     # the graph, in .kg/
kg query --list              # kg's queries and yours
```

kg's own ontology and queries ship inside the installed package: to change
those, work on kg itself (a clone, `pip install -e .`).
"""

EXTENSION_TTL = """\
# Ontology extension of this project, loaded by `kg build` beside kg's ontology.
# Terms in the kg: namespace are usable in annotation files by their local name
# (type: Protest). Give each term an rdfs:label and an rdfs:comment.

@prefix kg: <https://w3id.org/kg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

# kg:Protest a owl:Class ;
#     rdfs:subClassOf kg:Event ;
#     rdfs:label "protest"@en ;
#     rdfs:comment "A public demonstration against or for a policy."@en .
"""

EXAMPLE_QUERY = """\
# title: Documents of this project
# description: Every article of the build, with its title and date.
PREFIX kg: <https://w3id.org/kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>

SELECT ?document ?title ?date WHERE {
  ?document a kg:NewsArticle ; dcterms:title ?title ; dcterms:date ?date .
}
ORDER BY ?date ?document
"""


def init_project(root: Path, name: str | None = None) -> list[Path]:
    """Create a project in ``root`` (which may exist, but not as a project); the files made."""
    root = Path(root)
    if (root / MARKER).exists():
        raise InputError(f"already a kg project ({MARKER} exists)", path=str(root))
    if root.exists() and not root.is_dir():
        raise InputError("not a directory", path=str(root))
    name = name or root.resolve().name or "kg-project"
    files = {
        MARKER: f'# A kg project (see README.md)\nname = "{_toml_escape(name)}"\n',
        "README.md": README.format(name=name),
        EXTENSION: EXTENSION_TTL,
        "queries/documents.rq": EXAMPLE_QUERY,
    }
    clashes = [rel for rel in files if (root / rel).exists()]
    if clashes:
        raise InputError(f"{clashes[0]} already exists", path=str(root),
                         hint="kg init never overwrites a file: pick an empty directory")
    made = []
    for sub in ("seeds", "queries", "ontology"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        if rel == MARKER:
            continue
        (root / rel).write_text(text, encoding="utf-8")
        made.append(root / rel)
    (root / MARKER).write_text(files[MARKER], encoding="utf-8")  # last: the project exists
    made.append(root / MARKER)
    return made


def _toml_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')
