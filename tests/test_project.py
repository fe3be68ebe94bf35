"""A project of one's own: `kg init`, the project's queries and ontology extension."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from kg.cli import cli
from kg.query.catalogue import builtin_queries

NAME = "000_99214e3abbb71cf3"
PROTEST = """
kg:Protest a owl:Class ;
    rdfs:subClassOf kg:Event ;
    rdfs:label "protest"@en ;
    rdfs:comment "A public demonstration."@en .
"""
MY_TALKS = """# title: Protests
# description: Every protest, by label.
PREFIX kg: <https://w3id.org/kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?protest ?label WHERE { ?protest a kg:Protest ; rdfs:label ?label }
"""
RECORD = """
  - id: istanbul-protest
    type: Protest
    label: A protest in Istanbul (made up for a test)
    quote: {text: Istanbul, occurrence: 2}
"""


def run(*args, env=None):
    r = CliRunner().invoke(cli, list(args), env={"KG_SEEDS": None, "KG_STORE": None,
                                                 "KG_PROJECT": None, **(env or {})},
                           catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with the seed article, a Protest class, a record using it and two queries."""
    root = tmp_path_factory.mktemp("p") / "news"
    code, out, _ = run("init", str(root))
    assert code == 0, out
    for p in SEEDS.iterdir():
        (shutil.copytree if p.is_dir() else shutil.copy)(p, root / "seeds" / p.name)
    with open(root / "ontology" / "extension.ttl", "a", encoding="utf-8") as f:
        f.write(PROTEST)
    with open(root / "seeds" / f"{NAME}.yaml", "a", encoding="utf-8") as f:
        f.write(RECORD)
    (root / "queries" / "talks.rq").write_text(MY_TALKS, encoding="utf-8")
    code, out, err = run("--project", str(root), "build")
    assert code == 0, err
    assert (root / ".kg" / "current").exists()
    return root


def test_init_makes_the_files(tmp_path):
    code, out, err = run("init", str(tmp_path / "mine"))
    assert code == 0, err
    assert out == (f"Created the kg project {tmp_path / 'mine'} (4 files): put articles and "
                   f"their annotation files in {tmp_path / 'mine' / 'seeds'}, then `kg build`.\n")
    made = sorted(str(p.relative_to(tmp_path / "mine")) for p in (tmp_path / "mine").rglob("*"))
    assert made == ["README.md", "kg-project.toml", "ontology", "ontology/extension.ttl",
                    "queries", "queries/documents.rq", "seeds"]
    assert (tmp_path / "mine" / "kg-project.toml").read_text() == (
        '# A kg project (see README.md)\nname = "mine"\n')


def test_init_never_overwrites(tmp_path):
    (tmp_path / "a" / "queries").mkdir(parents=True)
    (tmp_path / "a" / "queries" / "documents.rq").write_text("mine")
    code, _, err = run("init", str(tmp_path / "a"))
    assert code == 1
    assert err.splitlines() == [
        f"Error: {tmp_path / 'a'}: queries/documents.rq already exists",
        "Hint: kg init never overwrites a file: pick an empty directory"]
    assert (tmp_path / "a" / "queries" / "documents.rq").read_text() == "mine"
    assert not (tmp_path / "a" / "kg-project.toml").exists()
    run("init", str(tmp_path / "b"))
    code, _, err = run("init", str(tmp_path / "b"))
    assert code == 1
    assert err.splitlines()[0] == (f"Error: {tmp_path / 'b'}: already a kg project "
                                   "(kg-project.toml exists)")


def test_project_queries_are_listed_beside_the_catalogue(project):
    code, out, err = run("--project", str(project), "query", "--list")
    assert code == 0
    lines = out.splitlines()
    assert ["documents", "[project]", "Documents", "of", "this", "project"] in [
        x.split() for x in lines]
    assert ["talks", "[project,", "shadows", "kg's]", "Protests"] in [x.split() for x in lines]
    # kg's queries, one of them shadowed by the project's talks, and the project's documents
    assert lines[-1] == f"({len(builtin_queries()) + 1} queries)"


def test_project_query_runs_and_shadowing_is_reported(project):
    code, out, err = run("--project", str(project), "query", "talks", "--format", "csv")
    assert code == 0, err
    assert out.splitlines() == ["protest,label",
                                "https://w3id.org/kg/id/istanbul-protest,"
                                "A protest in Istanbul (made up for a test)"]
    assert err == (f"Note: the project's {project / 'queries' / 'talks.rq'} shadows kg's "
                   "query 'talks'\n")


def test_the_extension_is_part_of_the_build(project):
    code, out, err = run("--project", str(project), "sparql", "--format", "csv",
                         "ASK { kgr:istanbul-protest a kg:Event }")
    assert (code, out.strip()) == (0, "true"), err


def test_project_found_from_the_current_directory(project, monkeypatch):
    monkeypatch.chdir(project)
    code, out, _ = run("query", "documents", "--format", "csv")
    assert code == 0
    assert out.splitlines()[1].startswith("https://w3id.org/kg/doc/000_99214e3abbb71cf3,")


def test_outside_a_project_the_catalogue_is_kgs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("query", "--list")
    assert code == 0
    assert "[project" not in out
    assert out.splitlines()[-1] == f"({len(builtin_queries())} queries)"


@pytest.mark.parametrize("path,text", [
    ("ontology/extension.ttl", "\n# a comment is a change too\n"),
    ("queries/documents.rq", "\n"),
])
def test_extension_and_queries_take_part_in_staleness(project, tmp_path, path, text):
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, symlinks=True)
    # the store's manifest names its seeds directory: rebuild the copy's own store
    code, _, err = run("--project", str(copy), "build", "--checks", "none")
    assert code == 0, err
    with open(copy / path, "a", encoding="utf-8") as f:
        f.write(text)
    code, _, err = run("--project", str(copy), "query", "documents")
    assert code == 1
    assert err.splitlines()[0] == (f"Error: the built graph at {copy / '.kg'} is stale: the "
                                   "project's ontology extension or queries changed since the "
                                   "build")


def test_a_broken_extension_names_the_file(tmp_path):
    run("init", str(tmp_path / "p"))
    with open(tmp_path / "p" / "ontology" / "extension.ttl", "a", encoding="utf-8") as f:
        f.write("kg:Oops a .\n")
    shutil.copy(SEEDS / f"{NAME}.txt", tmp_path / "p" / "seeds")
    shutil.copy(SEEDS / f"{NAME}.yaml", tmp_path / "p" / "seeds")
    code, _, err = run("--project", str(tmp_path / "p"), "build")
    assert code == 1
    assert err.startswith(f"Error: {tmp_path / 'p' / 'ontology' / 'extension.ttl'}: not valid "
                          "Turtle: ")


def test_a_source_checkout_whose_edits_are_not_used_says_so(tmp_path, monkeypatch):
    """kg's packaged queries are used: edits to a checkout's queries/ are reported, not lost."""
    from kg.resources import queries_dir

    (tmp_path / "src" / "kg").mkdir(parents=True)
    (tmp_path / "src" / "kg" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'kg'\n")
    shutil.copytree(str(queries_dir()), tmp_path / "queries")
    (tmp_path / "queries" / "talks.rq").write_text("# title: edited\nASK {}\n")
    (tmp_path / "queries" / "new.rq").write_text("# title: new\nASK {}\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    for name in ("000_99214e3abbb71cf3.txt", "000_99214e3abbb71cf3.yaml"):
        shutil.copy(SEEDS / name, tmp_path / "seeds")
    code, _, err = run("build", "--checks", "none")
    assert code == 0, err
    assert err.splitlines()[-1].startswith("Warning: queries/new.rq, queries/talks.rq in this "
                                           "kg source checkout differ")
    code, _, err = run("query", "--list")
    assert code == 0
    assert err == ("Warning: queries/new.rq, queries/talks.rq in this kg source checkout differ "
                   "from the copies kg was installed with, which are the ones used (install "
                   "with `pip install -e .` to work on kg itself, or keep your own queries and "
                   "terms in a project: `kg init`)\n")


def test_check_knows_the_extension(project):
    """kg check in a project reads the ontology extension: type Protest is known."""
    code, out, err = run("--project", str(project), "check")
    from kg.read.annotations import load_annotations

    records = len(load_annotations(project / "seeds" / f"{NAME}.yaml").records)
    assert (code, out) == (0, f"Checked 1 annotation file ({records} records): no errors.\n"), \
        err


def test_project_option_lasts_for_one_invocation(project, built_store):
    """After `kg --project DIR ...`, the library in the same process is not in that project:
    a build made outside any project stays fresh."""
    from kg import project as project_module
    from kg.store.disk import open_store

    run("--project", str(project), "query", "--list")
    assert project_module.selected is None
    assert project_module.find_project() is None
    open_store(built_store)  # raises StoreError when it looks stale
