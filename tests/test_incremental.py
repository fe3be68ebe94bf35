"""Incremental `kg build` (issue 18): new articles that sort last are added to the current
build, and the result is byte for byte a full build's; anything else is a full build that
says why. Differential tests on a small generated corpus (bench/generate_corpus.py)."""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import sys
import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.errors import InputError
from kg.incremental import SIDECAR
from kg.store.disk import graph_counts

ROOT = Path(__file__).resolve().parents[1]
SEED = 7


def _generator():
    spec = importlib.util.spec_from_file_location("generate_corpus",
                                                  ROOT / "bench" / "generate_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_corpus", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus of 5 articles and one of 7 (the same first 5: article k does not depend on N)."""
    gen = _generator()
    root = tmp_path_factory.mktemp("corpora")
    gen.generate(5, root / "five", seed=SEED)
    gen.generate(7, root / "seven", seed=SEED)
    return root / "five", root / "seven"


def _article(seven: Path, k: int) -> list[Path]:
    return sorted(seven.glob(f"{k:06d}_*"))


@pytest.fixture
def seeds(corpora, tmp_path) -> Path:
    """A private copy of the five-article corpus."""
    dest = tmp_path / "seeds"
    shutil.copytree(corpora[0], dest)
    return dest


def _add(seeds: Path, files: list[Path]) -> None:
    for f in files:
        shutil.copy(f, seeds / f.name)


def _export(kg, store: Path, fmt: str) -> bytes:
    result = kg("export", "--store", str(store), "--format", fmt)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _assert_same_as_full(kg, seeds: Path, store: Path, tmp_path: Path) -> None:
    """The store holds what a full build of ``seeds`` into a new store holds: the same
    export bytes (N-Quads and Turtle), counts and kg explain sidecar."""
    fresh = tmp_path / "fresh"
    result = kg("build", "--seeds", str(seeds), "--store", str(fresh))
    assert result.exit_code == 0, result.output
    assert "incremental" not in result.stdout
    for fmt in ("nquads", "turtle"):
        assert _export(kg, store, fmt) == _export(kg, fresh, fmt), fmt
    ours, theirs = (json.loads((s / "current" / "manifest.json").read_text())
                    for s in (store, fresh))
    assert ours["counts"] == theirs["counts"]
    assert ours["counts"] == graph_counts(ox.Store.read_only(str(store / "current" /
                                                                  "oxigraph")))
    assert (store / "current" / "explain.json").read_bytes() == \
        (fresh / "current" / "explain.json").read_bytes()


def test_a_new_article_is_added_incrementally_and_the_result_is_a_full_builds(
        kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    result = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Built {store} from 5 article(s): ")
    _add(seeds, _article(corpora[1], 5))
    result = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Built {store} from 6 article(s) (incremental: 1 new "
                                    "article): ")
    _assert_same_as_full(kg, seeds, store, tmp_path)
    # and the incremental build's own state serves the next one
    _add(seeds, _article(corpora[1], 6))
    report = build(seeds, store)
    assert (report.mode, report.articles) == ("incremental: 1 new article", 7)
    _assert_same_as_full(kg, seeds, store, tmp_path / "again")


def test_two_new_articles_at_once(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    _add(seeds, _article(corpora[1], 5) + _article(corpora[1], 6))
    report = build(seeds, store)
    assert report.mode == "incremental: 2 new articles"
    _assert_same_as_full(kg, seeds, store, tmp_path)


def _label(store: Path, iri: str) -> str:
    s = ox.Store.read_only(str(store / "current" / "oxigraph"))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return next(iter(s.quads_for_pattern(ox.NamedNode(iri), label, None))).object.value


def test_a_new_article_that_asserts_an_inferred_and_a_background_triple(kg, seeds, tmp_path):
    """The two triples move to the asserted graph (the graphs stay disjoint), as in a full
    build: a city's state from background.yaml, and the state's containsPlace inferred
    from it."""
    store = tmp_path / "store"
    build(seeds, store)
    s = ox.Store.read_only(str(store / "current" / "oxigraph"))
    kg_ = "https://w3id.org/kg/ontology#"
    located = next(iter(s.quads_for_pattern(
        None, ox.NamedNode(kg_ + "locatedIn"), None,
        ox.NamedNode("https://w3id.org/kg/graph/background"))))
    city, state = located.subject.value, located.object.value
    contains = ox.Quad(located.object, ox.NamedNode(kg_ + "containsPlace"), located.subject,
                       ox.NamedNode("https://w3id.org/kg/graph/inferred"))
    assert contains in s
    del s
    city_id, state_id = city.rsplit("/", 1)[1], state.rsplit("/", 1)[1]
    city_label, state_label = _label(store, city), _label(store, state)
    (seeds / "zzz_extra.txt").write_text(
        f"{city_label} is a city of {state_label}. {state_label} contains {city_label}.\n",
        encoding="utf-8")
    (seeds / "zzz_extra.yaml").write_text(f"""\
document:
  title: "A city and its state"
  publisher: {_publisher(seeds)}
  published: 2020-01-01
  language: en

records:
  - id: {city_id}
    type: City
    label: "{city_label}"
    quote: {{text: "{city_label}", occurrence: 1}}
    facts:
      - locatedIn: {state_id}
        quote: "{city_label} is a city of {state_label}"
  - id: {state_id}
    type: State
    label: "{state_label}"
    quote: {{text: "{state_label}", occurrence: 1}}
    facts:
      - containsPlace: {city_id}
        quote: "{state_label} contains {city_label}"
""", encoding="utf-8")
    report = build(seeds, store)
    assert report.mode == "incremental: 1 new article"
    s = ox.Store.read_only(str(store / "current" / "oxigraph"))
    asserted = ox.NamedNode("https://w3id.org/kg/graph/asserted")
    assert ox.Quad(located.subject, located.predicate, located.object, asserted) in s
    assert located not in s and contains not in s
    del s
    _assert_same_as_full(kg, seeds, store, tmp_path)
    # the article changed to state neither: they go back to background and inferred
    ann = seeds / "zzz_extra.yaml"
    ann.write_text("\n".join(line for line in ann.read_text(encoding="utf-8").splitlines()
                             if "facts:" not in line and "locatedIn" not in line
                             and "containsPlace" not in line and " is a city" not in line
                             and " contains " not in line) + "\n", encoding="utf-8")
    assert build(seeds, store).mode == "incremental: 1 article changed"
    s = ox.Store.read_only(str(store / "current" / "oxigraph"))
    assert located in s and contains in s
    del s
    _assert_same_as_full(kg, seeds, store, tmp_path / "changed")
    _add(seeds, [])
    _remove(seeds, -1)
    assert build(seeds, store).mode == "incremental: 1 article removed"
    _assert_same_as_full(kg, seeds, store, tmp_path / "removed")


def _publisher(seeds: Path) -> str:
    for line in sorted(seeds.glob("*.yaml"))[0].read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("publisher:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no publisher")


def _full_build_says(seeds: Path, store: Path, why: str) -> None:
    said: list[str] = []
    report = build(seeds, store, progress=said.append)
    assert report.mode == f"full build: {why}"
    assert [m for m in said if m.startswith(("full build", "incremental"))] == [
        f"full build: {why}"]


#: the progress line of a closure revised by DRed (kg.incremental._revise)
_DRED_LINE = "reasoning (incremental, DRed)"


def _first(seeds: Path, suffix: str) -> Path:
    return sorted(seeds.glob(f"*{suffix}"))[0]


def _edit(seeds: Path, k: int) -> Path:
    """Give the k-th article one more record (a city quoted from its text) and one more
    line of text; its annotation file."""
    text = sorted(seeds.glob("*.txt"))[k]
    words = text.read_text(encoding="utf-8").split()[:3]
    with open(text, "a", encoding="utf-8") as f:
        f.write("\nA line added later.\n")
    ann = text.with_suffix(".yaml")
    ann.write_text(ann.read_text(encoding="utf-8").rstrip("\n") + f"""

  - id: added-later-city
    type: City
    label: "Added Later"
    quote: {{text: "{' '.join(words)}", occurrence: 1}}
""", encoding="utf-8")
    return ann


@pytest.mark.parametrize("k", [-1, -2, 0])
def test_a_changed_article_is_mapped_again_incrementally(kg, corpora, seeds, tmp_path, k):
    """The last, a middle and the first article changed (text and annotations): the
    result is a full build's, and its state serves the next incremental build."""
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5) + _article(corpora[1], 6))
    build(seeds, store)
    _edit(seeds, k)
    said: list[str] = []
    report = build(seeds, store, progress=said.append)
    assert (report.mode, report.articles) == ("incremental: 1 article changed", 7)
    assert [m for m in said if m.startswith(("full build", "incremental"))] == [
        "incremental: 1 article changed"]
    assert [m for m in said if m.startswith("reasoning")] == [_DRED_LINE]  # not recomputed
    _assert_same_as_full(kg, seeds, store, tmp_path)
    _copy_article(seeds, _article(corpora[1], 5), "000010_")
    assert build(seeds, store).mode == "incremental: 1 new article"
    _assert_same_as_full(kg, seeds, store, tmp_path / "again")


def test_a_changed_background_file_is_a_full_build_that_says_so(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    wd = seeds / "reference" / "wikidata.tsv"
    wd.write_text(wd.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
    _edit(seeds, 0)
    _full_build_says(seeds, store, f"{wd} changed since the last build")
    _assert_same_as_full(kg, seeds, store, tmp_path)


def _remove(seeds: Path, k: int) -> Path:
    """Remove the k-th article (text and annotations) of ``seeds``; its text file."""
    text = sorted(seeds.glob("*.txt"))[k]
    text.unlink()
    text.with_suffix(".yaml").unlink()
    return text


@pytest.mark.parametrize("k", [-1, -2])
def test_a_removed_article_is_taken_out_incrementally(kg, corpora, seeds, tmp_path, k):
    """The last and a middle article removed: the result is a full build's, and the
    state it keeps serves the next incremental build."""
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5) + _article(corpora[1], 6))
    build(seeds, store)
    _remove(seeds, k)
    said: list[str] = []
    report = build(seeds, store, progress=said.append)
    assert (report.mode, report.articles) == ("incremental: 1 article removed", 6)
    assert [m for m in said if m.startswith(("full build", "incremental"))] == [
        "incremental: 1 article removed"]
    assert [m for m in said if m.startswith("reasoning")] == [_DRED_LINE]  # not recomputed
    _assert_same_as_full(kg, seeds, store, tmp_path)
    _copy_article(seeds, _article(corpora[1], 5), "000010_")
    assert build(seeds, store).mode == "incremental: 1 new article"
    _assert_same_as_full(kg, seeds, store, tmp_path / "again")


def test_two_removed_articles_at_once(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5) + _article(corpora[1], 6))
    build(seeds, store)
    _remove(seeds, -1)
    _remove(seeds, -1)
    assert build(seeds, store).mode == "incremental: 2 articles removed"
    _assert_same_as_full(kg, seeds, store, tmp_path)


def _copy_article(seeds: Path, files: list[Path], prefix: str) -> list[Path]:
    """The article's files under another name (its text and records: the same triples)."""
    out = []
    for f in files:
        out.append(seeds / (prefix + f.name.split("_", 1)[1]))
        shutil.copy(f, out[-1])
    return out


def test_a_removed_article_whose_triples_another_also_asserts(kg, corpora, seeds, tmp_path):
    """Every triple, reified statement, label and speaker name of the removed article is
    also another's: they all stay; only its own evidence goes."""
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5))
    _copy_article(seeds, _article(corpora[1], 5), "000004z_")  # sorts before article 5
    build(seeds, store)
    _remove(seeds, -1)
    assert build(seeds, store).mode == "incremental: 1 article removed"
    _assert_same_as_full(kg, seeds, store, tmp_path)


def test_a_removed_article_whose_speaker_names_a_later_one_read_is_a_full_build(
        kg, corpora, seeds, tmp_path):
    """The later copy looked up speaker names the removed article first indexed: its
    mapping could change, so the build is a full one."""
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5))
    copy = _copy_article(seeds, _article(corpora[1], 5), "000009_")
    build(seeds, store)
    removed = _remove(seeds, -2)
    _full_build_says(seeds, store, f"{copy[1].name} names a speaker "
                                   f"{removed.with_suffix('.yaml').name} defined")
    _assert_same_as_full(kg, seeds, store, tmp_path)


def test_a_removed_article_that_defines_an_id_another_file_uses(kg, seeds, tmp_path):
    """background.yaml names a city only that article defined: a full build, which fails
    as it must (exit 1), and the previous build stays."""
    store = tmp_path / "store"
    build(seeds, store)
    before = (store / "current").resolve()
    removed = _remove(seeds, 2)
    said: list[str] = []
    with pytest.raises(InputError, match="unknown record id"):
        build(seeds, store, progress=said.append)
    assert said[0].startswith(f"full build: without the old {removed.with_suffix('.yaml').name}"
                              ", record id ")
    assert said[0].endswith(" is undefined")
    assert (store / "current").resolve() == before


def test_removed_and_new_articles_at_once_are_a_full_build(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5))
    build(seeds, store)
    text = _remove(seeds, -1)
    _add(seeds, _article(corpora[1], 6))
    _full_build_says(seeds, store, f"{text} was removed since the last build")
    _assert_same_as_full(kg, seeds, store, tmp_path)


def test_an_article_inserted_in_the_middle_is_a_full_build(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    for f in _article(corpora[1], 5):  # the sixth article, renamed to sort second
        shutil.copy(f, seeds / f.name.replace("000005_", "000000a_"))
    inserted = sorted(seeds.glob("000000a_*.txt"))[0]
    _full_build_says(seeds, store, f"{inserted} is a new article that sorts before a built one")
    _assert_same_as_full(kg, seeds, store, tmp_path)


def test_nothing_new_and_full_are_full_builds(seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    _full_build_says(seeds, store, "no new article since the last build")
    report = build(seeds, store, full=True)
    assert report.mode == "full build: --full was given"


def test_a_changed_background_is_a_full_build(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    _add(seeds, _article(corpora[1], 5))
    bg = seeds / "background.yaml"
    bg.write_text(bg.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
    _full_build_says(seeds, store, f"{bg} changed since the last build")


def test_a_changed_ontology_extension_is_a_full_build(kg, corpora, tmp_path, monkeypatch):
    project = tmp_path / "p"
    assert kg("init", str(project)).exit_code == 0
    seeds = project / "seeds"
    for f in corpora[0].iterdir():
        (shutil.copytree if f.is_dir() else shutil.copy)(f, seeds / f.name)
    monkeypatch.setenv("KG_PROJECT", str(project))
    store = project / ".kg"
    build(seeds, store)
    _add(seeds, _article(corpora[1], 5))
    with open(project / "ontology" / "extension.ttl", "a", encoding="utf-8") as f:
        f.write("\n# a comment is a change too\n")
    _full_build_says(seeds, store, "the project's ontology extension or queries changed "
                                   "since the last build")
    result = kg("--project", str(project), "build", "--seeds", str(seeds), "--store",
                str(tmp_path / "fresh"))
    assert result.exit_code == 0, result.output
    for fmt in ("nquads", "turtle"):
        assert _export(kg, store, fmt) == _export(kg, tmp_path / "fresh", fmt)


@pytest.mark.parametrize("damage,why", [
    ("remove", "the last build kept no incremental state"),
    ("corrupt", "the last build's incremental state is unreadable"),
    ("truncate", "the last build's incremental state is unreadable"),
    ("engine", "the last build's incremental state is unreadable"),
    ("mapper", "the last build's incremental state is unreadable"),
])
def test_a_missing_or_damaged_state_is_a_full_build(kg, corpora, seeds, tmp_path, damage, why):
    store = tmp_path / "store"
    build(seeds, store)
    sidecar = store / "current" / SIDECAR
    if damage == "remove":
        sidecar.unlink()
    elif damage == "corrupt":
        sidecar.write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")  # a pickle that runs code
    elif damage == "truncate":
        sidecar.write_bytes(sidecar.read_bytes()[:1000])
    else:  # a pickle of the right kind, with one part of the wrong shape
        state = pickle.loads(sidecar.read_bytes())
        state[damage] = {"S": []} if damage == "engine" else {"ids": 3}
        sidecar.write_bytes(pickle.dumps(state))
    _add(seeds, _article(corpora[1], 5))
    _full_build_says(seeds, store, why)
    _assert_same_as_full(kg, seeds, store, tmp_path)
    assert (store / "current" / SIDECAR).is_file()  # the full build kept a new one


def test_a_bad_new_article_fails_and_the_previous_build_stays(kg, corpora, seeds, tmp_path):
    store = tmp_path / "store"
    build(seeds, store)
    before = (store / "current").resolve()
    _add(seeds, _article(corpora[1], 5))
    ann = _article(corpora[1], 5)[1]
    bad = seeds / ann.name
    bad.write_text(bad.read_text(encoding="utf-8").replace("type: State", "type: Sttate", 1),
                   encoding="utf-8")
    result = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1)
                if "type: Sttate" in text) - 1
    assert result.output.splitlines() == [
        f"Error: {bad}:{line}: unknown class 'Sttate' for record "
        f"{_record_id(bad, line)!r}",
        "Hint: did you mean 'State'?"]
    assert (store / "current").resolve() == before
    assert [p for p in (store / "builds").iterdir()] == [before]
    # still current and queryable (the new article's files are "new" for the staleness check)
    s = ox.Store.read_only(str(before / "oxigraph"))
    assert len(s) == sum(json.loads((before / "manifest.json").read_text())["counts"].values())


def _record_id(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1].split("id:", 1)[1].strip()


def test_the_compiled_engine_is_extended_too(kg, corpora, seeds, tmp_path):
    """A build with --reasoner rules keeps the same state; another reasoner than the last
    build's is a full build."""
    store = tmp_path / "store"
    build(seeds, store, reasoner="rules")
    _add(seeds, _article(corpora[1], 5))
    assert build(seeds, store, reasoner="rules").mode == "incremental: 1 new article"
    _assert_same_as_full(kg, seeds, store, tmp_path)
    _add(seeds, _article(corpora[1], 6))
    _full_build_says(seeds, store, "the owlrl reasoner is chosen now (the last build used "
                                   "rules)")


def test_a_new_article_that_fails_the_checks_fails_as_in_a_full_build(kg, seeds_copy, tmp_path):
    """The checks of an incremental build run over the whole store and name the record
    as a full build does (exit 3); the previous build stays current."""
    from kg.errors import ViolationsError

    store = tmp_path / "store"
    assert kg("build", "--seeds", str(seeds_copy), "--store", str(store)).exit_code == 0
    before = (store / "current").resolve()
    [text] = seeds_copy.glob("*.txt")
    shutil.copy(text, seeds_copy / "zzz_copy.txt")
    ann = text.with_suffix(".yaml").read_text(encoding="utf-8")
    (seeds_copy / "zzz_copy.yaml").write_text(ann.rstrip("\n") + """

  - id: leaked-blackmail
    type: MilitaryAction
    label: Russian blackmail
    quote: "Russia offers blackmail, not peace."
""", encoding="utf-8")
    said: list[str] = []
    with pytest.raises(ViolationsError):
        build(seeds_copy, store, progress=said.append)
    assert "incremental: 1 new article" in said
    ours = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    full = kg("build", "--seeds", str(seeds_copy), "--store", str(tmp_path / "fresh"))
    assert (ours.exit_code, full.exit_code) == (3, 3)
    assert ours.stderr == full.stderr
    assert "record leaked-blackmail: kgr:leaked-blackmail rdf:type kg:MilitaryAction is " \
           "supported only by the words of valeriy-dymov" in ours.stderr
    assert (store / "current").resolve() == before


def _damage_entry(sidecar: Path, doc_id: str, damage: str, marker: Path | None = None
                  ) -> None:
    """Damage one file's packed bookkeeping in the state (the rest stays whole);
    "code": a pickle that would create ``marker`` if it were unpickled unrestricted."""
    state = pickle.loads(sidecar.read_bytes())
    packed = state["per"][doc_id]
    state["per"][doc_id] = {
        "truncate": packed[:len(packed) // 2],
        "garbage": b"\x00" * len(packed),
        "code": zlib.compress(f"cbuiltins\nopen\n(V{marker}\nVw\ntR.".encode()),
        "list": zlib.compress(pickle.dumps(["not", "a", "dict"])),
    }[damage]
    sidecar.write_bytes(pickle.dumps(state))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "code", "list"])
def test_a_damaged_packed_entry_is_a_full_build(kg, corpora, seeds, tmp_path, damage):
    """One file's packed bookkeeping damaged: a removal (which reads it) is a full build
    that says the state is unreadable, never a traceback, and the result is a full
    build's."""
    store = tmp_path / "store"
    _add(seeds, _article(corpora[1], 5) + _article(corpora[1], 6))
    build(seeds, store)
    first = _first(seeds, ".txt").stem
    _damage_entry(store / "current" / SIDECAR, first, damage, tmp_path / "pwned")
    _remove(seeds, -1)
    _full_build_says(seeds, store, "the last build's incremental state is unreadable")
    _assert_same_as_full(kg, seeds, store, tmp_path)
    assert build(seeds, store).mode == "full build: no new article since the last build"
    assert not (tmp_path / "pwned").exists()


def test_a_damaged_entry_an_addition_does_not_read_is_read_by_the_next_removal(
        kg, corpora, seeds, tmp_path):
    """Adding an article reads no file's bookkeeping (it keeps the packed bytes as they
    are): the damage surfaces when a later removal reads them."""
    store = tmp_path / "store"
    build(seeds, store)
    _damage_entry(store / "current" / SIDECAR, _first(seeds, ".txt").stem, "truncate")
    _add(seeds, _article(corpora[1], 5))
    assert build(seeds, store).mode == "incremental: 1 new article"
    _assert_same_as_full(kg, seeds, store, tmp_path)
    _remove(seeds, -1)
    _full_build_says(seeds, store, "the last build's incremental state is unreadable")
    _assert_same_as_full(kg, seeds, store, tmp_path / "again")


@pytest.mark.parametrize("field", ["version", "per"])
def test_an_older_state_is_a_full_build(kg, corpora, seeds, tmp_path, field):
    """A state of version 2 (each file's bookkeeping unpacked), or one whose bookkeeping
    is not packed: a full build that says the state is unreadable."""
    store = tmp_path / "store"
    build(seeds, store)
    sidecar = store / "current" / SIDECAR
    state = pickle.loads(sidecar.read_bytes())
    if field == "version":
        state["version"] = 2
    else:
        state["per"] = {k: {"ids": [], "asserted": []} for k in state["per"]}
    sidecar.write_bytes(pickle.dumps(state))
    _add(seeds, _article(corpora[1], 5))
    _full_build_says(seeds, store, "the last build's incremental state is unreadable")
    _assert_same_as_full(kg, seeds, store, tmp_path)
