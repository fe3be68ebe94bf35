"""Hardening II (issue 15), the store, build and input side.

H2 a build deletes only what kg made; H3 one build at a time; H4 a build never
pulls a build from under a reader; M2 no input from outside the seeds; M5
bounded error paths; and the low ones: write failures, damaged stores, a
same-size edit with the mtime set back, CRLF articles, NFC/NFD hints, a
Unicode digit as an occurrence. Each asserts the message and exit status, and
that the store (or the files around it) did not change.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import (
    ARTICLE_NAME,
    SEEDS,
    disk_full_error,
    kg_executable,
    snapshot,
    store_state,
)

HINT_NEW_STORE = "Hint: pass --store a new or empty directory\n"


def _builds(store: Path) -> list[str]:
    return sorted(p.name for p in (store / "builds").iterdir())


def _current(store: Path) -> str:
    return os.readlink(store / "current").split("/")[-1]


def _build_ok(kg, store: Path, seeds: Path = SEEDS):
    r = kg("build", "--seeds", str(seeds), "--store", str(store))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"Built {store} from 1 article(s): ")
    return r


# --- H2: kg build deletes only what kg made ----------------------------------------------------

def test_a_directory_that_is_not_a_store_is_refused(kg, tmp_path):
    x = tmp_path / "X"
    (x / "docs").mkdir(parents=True)
    (x / "notes.txt").write_text("mine\n", encoding="utf-8")
    (x / "docs" / "a.md").write_text("mine too\n", encoding="utf-8")
    before = snapshot(x)
    r = kg("build", "--store", str(x))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {x} is not a kg store: it holds docs, notes.txt and no "
                        ".kg-store marker; kg build will not write or delete there\n"
                        + HINT_NEW_STORE)
    assert snapshot(x) == before


def test_foreign_builds_directory_is_not_deleted(kg, tmp_path):
    """`mkdir -p X/builds/release-1.0 && kg build --store X` used to remove release-1.0."""
    x = tmp_path / "X"
    (x / "builds" / "release-1.0").mkdir(parents=True)
    (x / "builds" / "release-1.0" / "data.bin").write_bytes(b"\x00precious")
    before = snapshot(x)
    r = kg("build", "--store", str(x))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {x} is not a kg store: it holds builds and no .kg-store "
                        "marker; kg build will not write or delete there\n" + HINT_NEW_STORE)
    assert snapshot(x) == before


def test_a_build_in_a_store_removes_only_the_builds_kg_made(kg, store, tmp_path):
    old = _current(store)
    (store / "builds" / "release-1.0").mkdir()
    (store / "builds" / "release-1.0" / "data.bin").write_bytes(b"\x00precious")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    (store / "builds" / "link").symlink_to(elsewhere, target_is_directory=True)
    _build_ok(kg, store)
    new = _current(store)
    assert new != old
    assert _builds(store) == sorted([new, "release-1.0", "link"])
    assert (store / "builds" / "release-1.0" / "data.bin").read_bytes() == b"\x00precious"
    assert (elsewhere / "sub").is_dir()


def test_a_symlinked_builds_directory_is_refused(kg, store, tmp_path):
    """A `builds` symlink made a build delete the subdirectories of its target."""
    target = tmp_path / "target"
    shutil.move(store / "builds", target)
    (target / "keep-me").mkdir()
    (store / "builds").symlink_to(target, target_is_directory=True)
    before, outside = snapshot(store), snapshot(target)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {store / 'builds'} is a symbolic link: kg build writes and "
                        "removes builds only inside the store directory\n"
                        "Hint: remove the link, or pass --store a new directory\n")
    assert snapshot(store) == before
    assert snapshot(target) == outside


def test_a_symlinked_builds_directory_without_marker_is_refused(kg, tmp_path):
    target = tmp_path / "target"
    (target / "keep-me").mkdir(parents=True)
    x = tmp_path / "X"
    x.mkdir()
    (x / "builds").symlink_to(target, target_is_directory=True)
    r = kg("build", "--store", str(x))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {x / 'builds'} is a symbolic link: ")
    assert sorted(os.listdir(target)) == ["keep-me"]


def test_a_store_of_an_earlier_kg_is_taken_over(kg, store):
    """A store written before the markers existed (current + builds/, kg's manifest)."""
    old = _current(store)
    (store / ".kg-store").unlink()
    (store / "builds" / old / ".kg-build").unlink()
    _build_ok(kg, store)
    assert (store / ".kg-store").is_file()
    assert _builds(store) == [_current(store)]
    assert _current(store) != old


def test_an_empty_directory_becomes_a_store(kg, tmp_path):
    x = tmp_path / "X"
    x.mkdir()
    _build_ok(kg, x)
    assert sorted(os.listdir(x)) == [".kg-store", "builds", "current"]
    assert sorted(os.listdir(x / "builds" / _current(x))) == [
        ".kg-build", "explain.json", "incremental.pickle", "manifest.json", "oxigraph"]
    assert kg("stats", "--store", str(x)).exit_code == 0


def test_a_store_that_is_a_file_is_refused(kg, tmp_path):
    f = tmp_path / "store"
    f.write_text("not a directory\n", encoding="utf-8")
    r = kg("build", "--store", str(f))
    assert r.exit_code == 2  # click refuses a file for a directory option
    assert "is a file" in r.stderr
    assert f.read_text(encoding="utf-8") == "not a directory\n"


def test_a_store_inside_a_file_is_a_clean_error(kg, tmp_path):
    f = tmp_path / "file"
    f.write_text("x\n", encoding="utf-8")
    r = kg("build", "--store", str(f / "store"))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: the store {f / 'store'} is not a directory\n"
                        "Hint: pass --store a directory for kg's builds\n")


# --- H3: one build at a time ---------------------------------------------------------------

_HOLD_LOCK = """
import sys
from pathlib import Path
from kg.store.disk import build_lock
with build_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_a_second_build_fails_at_once_while_one_runs(kg, store, before):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        r = kg("build", "--store", str(store))
        assert r.exit_code == 1
        assert r.stderr == (f"Error: another kg build is writing to {store}\n"
                            "Hint: wait for it to finish, then run `kg build` again "
                            "(builds into one store run one at a time)\n")
        assert store_state(store) == before
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    _build_ok(kg, store)  # the lock went with the process


def test_concurrent_builds_leave_one_whole_current_build(store):
    """`kg build & kg build & wait`: each succeeds or fails cleanly; current is whole."""
    procs = [subprocess.Popen([kg_executable(), "build", "--seeds", str(SEEDS),
                               "--store", str(store)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for code, err in outcomes:
        assert (code, err) in ((0, ""), (1, f"Error: another kg build is writing to {store}\n"
                                            "Hint: wait for it to finish, then run `kg build` "
                                            "again (builds into one store run one at a time)\n"))
    assert 0 in [code for code, _ in outcomes]
    assert _builds(store) == [_current(store)]
    assert (store / "current" / "manifest.json").is_file()


# --- H4: readers keep the build they opened --------------------------------------------------

_READER = """
import sys
from pathlib import Path
from kg.store.disk import open_store
built = open_store(Path(sys.argv[1]))
def count():
    return sum(1 for _ in built.oxigraph.quads_for_pattern(None, None, None, None))
print(count(), flush=True)
sys.stdin.readline()
print(count(), flush=True)
"""


def test_a_reader_keeps_its_build_while_builds_land(kg, store):
    old = _current(store)
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        first = int(reader.stdout.readline())
        for _ in range(2):  # two builds land while the reader holds the old one
            r = subprocess.run([kg_executable(), "build", "--seeds", str(SEEDS), "--store",
                                str(store)], capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, r.stderr
        assert old in _builds(store)  # still there: the reader holds it
        assert len(_builds(store)) == 2  # the build between was nobody's: removed
        out, err = reader.communicate("\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    assert int(out) == first
    _build_ok(kg, store)  # the reader is gone: its build is removed now
    assert _builds(store) == [_current(store)]


def test_cli_readers_during_builds_never_fail(kg, store, tmp_path):
    """Real `kg stats` / `kg query` / `kg export` processes while real builds land."""
    expected = {}
    commands = {"stats": ["stats"], "query": ["query", "talks", "--format", "csv"],
                "export": ["export", "--format", "nquads"]}
    for name, args in commands.items():
        r = subprocess.run([kg_executable(), *args, "--store", str(store)],
                           capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        expected[name] = r.stdout
    builder = subprocess.Popen(
        ["sh", "-c", f'for i in 1 2; do "{kg_executable()}" build --seeds "{SEEDS}" '
                     f'--store "{store}" >/dev/null || exit 9; done'])
    runs = 0
    try:
        while builder.poll() is None or runs < 3:
            name = list(commands)[runs % 3]
            r = subprocess.run([kg_executable(), *commands[name], "--store", str(store)],
                               capture_output=True, timeout=120)
            assert (r.returncode, r.stderr) == (0, b""), r.stderr.decode()
            if name != "export":  # an export's blank nodes are named per run
                assert r.stdout == expected[name]
            runs += 1
    finally:
        builder.wait(timeout=600)
    assert builder.returncode == 0
    assert 1 <= len(_builds(store)) <= 2  # 2 when a reader still held the old one
    _build_ok(kg, store)  # no reader now: every old build goes
    assert _builds(store) == [_current(store)]


def test_a_store_replaced_again_and_again_while_opening_is_a_clean_error(kg, store,
                                                                         monkeypatch):
    import kg.store.disk as kgstore

    real_open = os.open

    def vanished(path, flags, *args, **kwargs):
        if flags & os.O_DIRECTORY and Path(path).parent.name == "builds":
            raise FileNotFoundError(2, "No such file or directory")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(kgstore.os, "open", vanished)
    r = kg("stats", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: the store at {store} was replaced while it was being "
                        "opened\nHint: run the command again\n")


# --- M2: inputs stay inside the seeds directory ----------------------------------------------

@pytest.mark.parametrize("which", ["article", "annotations", "wikidata", "background",
                                   "reference-dir"])
def test_inputs_linked_from_outside_the_seeds_are_refused(which, kg, seeds_copy, store, before,
                                                          tmp_path):
    seeds = seeds_copy.resolve()
    outside = tmp_path / "outside"
    outside.mkdir()
    rel = {"article": f"{ARTICLE_NAME}.txt", "annotations": f"{ARTICLE_NAME}.yaml",
           "wikidata": "reference/wikidata.tsv", "background": "background.yaml",
           "reference-dir": "reference"}[which]
    moved = outside / Path(rel).name
    shutil.move(seeds / rel, moved)
    (seeds / rel).symlink_to(moved, target_is_directory=moved.is_dir())
    # the first input in sorted order is refused (a linked directory: its first file)
    named = seeds / ("reference/cameo.tsv" if which == "reference-dir" else rel)
    real = (moved / "cameo.tsv") if which == "reference-dir" else moved
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {named}: is a link to {real.resolve()}, outside the seeds "
                        f"directory {seeds}\nHint: copy the file into the seeds directory: kg "
                        "reads inputs only from inside it\n")
    assert store_state(store) == before


def test_a_link_to_a_device_is_refused_as_outside(kg, seeds_copy, store, before):
    article = seeds_copy.resolve() / f"{ARTICLE_NAME}.txt"
    article.unlink()
    article.symlink_to("/dev/zero")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {article}: is a link to /dev/zero, outside the seeds "
                               "directory ")
    assert store_state(store) == before


def test_links_inside_the_seeds_are_read(kg, seeds_copy, tmp_path):
    seeds = seeds_copy.resolve()
    (seeds / "texts").mkdir()
    shutil.move(seeds / f"{ARTICLE_NAME}.txt", seeds / "texts" / "a.txt")
    (seeds / f"{ARTICLE_NAME}.txt").symlink_to(Path("texts") / "a.txt")
    _build_ok(kg, tmp_path / "st", seeds)


# --- M5: error paths stay linear and short -----------------------------------------------------

def test_a_quote_occurring_200000_times_lists_five(kg, seeds_copy, store, before):
    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    text = article.read_text(encoding="utf-8")
    quote = "Held in Istanbul"
    assert text.count(quote) == 1
    lines = text.count("\n") + 1
    with open(article, "a", encoding="utf-8") as f:
        f.write("\n" + " ".join([quote] * 200_000))
    first = text.index(quote)
    first_line = text[:first].count("\n") + 1
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    message = r.stderr.splitlines()[0]
    assert message.endswith(
        f": quote 'Held in Istanbul' occurs 200001 times (#1 at line {first_line}, "
        f"#2 at line {lines + 1}, #3 at line {lines + 1}, #4 at line {lines + 1}, "
        f"#5 at line {lines + 1} and 199996 more)")
    assert len(r.stderr) < 1000
    assert store_state(store) == before


# --- low: write failures during a build ---------------------------------------------------

def _limit_file_size(limit: int):
    def apply():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_build_that_cannot_write_its_files_leaves_the_store(store, before, tmp_path):
    """A real process whose file size limit stops RocksDB's writes (EFBIG)."""
    r = subprocess.run([kg_executable(), "build", "--seeds", str(SEEDS), "--store",
                        str(store)], capture_output=True, text=True, timeout=300,
                       cwd=tmp_path, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                       preexec_fn=_limit_file_size(100_000))
    assert r.returncode == 1, r.stderr
    assert r.stderr == (f"Error: cannot write the store at {store}: File too large; the "
                        "previous build is still current\n"
                        "Hint: raise the file size limit (ulimit -f), or pass --store "
                        "elsewhere\n")
    assert store_state(store) == before


def test_disk_full_during_a_build_leaves_the_store(kg, store, before, monkeypatch):
    import kg.store.disk as kgstore

    def full(ox, chunks):
        for _ in chunks:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(kgstore, "_load_in_background", full)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == disk_full_error(store)
    assert store_state(store) == before


def test_a_read_only_store_is_a_clean_error(kg, store, before, monkeypatch):
    import kg.store.disk as kgstore

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(kgstore.tempfile, "mkdtemp", read_only)
    r = kg("build", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write the store at {store}: Read-only file system; "
                        "the previous build is still current\n"
                        "Hint: pass --store a directory on a writable file system\n")
    assert store_state(store) == before


def test_a_read_only_new_store_is_a_clean_error(kg, tmp_path, monkeypatch):
    import kg.store.disk as kgstore

    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(30, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(kgstore.os, "open", read_only)
    x = tmp_path / "X"
    x.mkdir()
    r = kg("build", "--store", str(x))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: cannot write the store at {x}: Read-only file system\n"
                        "Hint: pass --store a directory on a writable file system\n")
    assert os.listdir(x) == []


# --- low: unreadable inputs ----------------------------------------------------------------

def test_a_directory_where_the_annotations_should_be(kg, seeds_copy, store, before):
    ann = seeds_copy.resolve() / f"{ARTICLE_NAME}.yaml"
    ann.unlink()
    ann.mkdir()
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {ann}: not a regular file\n"
                        "Hint: the annotations of an article are a YAML file\n")
    assert store_state(store) == before


@pytest.mark.parametrize("rel", ["background.yaml", "reference/wikidata.tsv"])
def test_a_directory_where_a_reference_file_should_be(rel, kg, seeds_copy, store, before):
    path = seeds_copy.resolve() / rel
    path.unlink()
    path.mkdir()
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == f"Error: {path}: not a regular file\nHint: give a plain text file\n"
    assert store_state(store) == before


def test_an_input_kg_may_not_read(kg, seeds_copy, store, before, monkeypatch):
    """Permission denied (tests run as root, who may read anything: the open is refused)."""
    import builtins

    article = seeds_copy.resolve() / f"{ARTICLE_NAME}.txt"
    real_open = builtins.open

    def denied(path, *args, **kwargs):
        if Path(path) == article:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == f"Error: {article}: cannot read: Permission denied\n"
    assert store_state(store) == before


# --- low: damaged stores -------------------------------------------------------------------

HINT_REBUILD = "Hint: run `kg build` again\n"


@pytest.mark.parametrize("content, problem", [
    ("[]", "is not a JSON object"),
    ("{}", "has no format version"),
    ('{"format": 1}', "has no seeds_dir"),
    ('{"format": 1, "seeds_dir": "s", "inputs": {"a.txt": [1]}, "counts": {}}',
     "has no valid inputs"),
    ('{"format": 1, "seeds_dir": "s", "inputs": {}, "counts": []}', "has no valid counts"),
])
def test_a_malformed_manifest_names_the_store(content, problem, kg, store):
    (store / "current" / "manifest.json").write_text(content, encoding="utf-8")
    for args in (["query", "talks"], ["stats"], ["export"]):
        r = kg(*args, "--store", str(store))
        assert r.exit_code == 1
        assert r.stderr == (f"Error: the build at {store} is damaged: its manifest.json "
                            f"{problem}\n" + HINT_REBUILD)


def test_a_manifest_that_is_not_json(kg, store):
    (store / "current" / "manifest.json").write_text("{", encoding="utf-8")
    r = kg("query", "talks", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: the build at {store} is unreadable (")
    assert r.stderr.endswith(")\n" + HINT_REBUILD)
    assert len(r.stderr.splitlines()) == 2


def test_corrupt_quads_name_the_store(kg, store):
    (store / "current" / "oxigraph" / "CURRENT").write_text("garbage", encoding="utf-8")
    r = kg("query", "talks", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: the build at {store} is damaged: cannot open its quads "
                        "(Corruption: CURRENT file does not end with newline)\n" + HINT_REBUILD)


def test_a_current_link_to_nowhere_is_no_build(kg, store):
    (store / "current").unlink()
    (store / "current").symlink_to("builds/gone")
    r = kg("stats", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: no built graph at {store}\n"
                        "Hint: run `kg build` first (or pass --store / set KG_STORE)\n")


# --- low: a same-size edit with the mtime set back ------------------------------------------

def test_a_same_size_edit_with_the_old_mtime_is_stale(kg, seeds_copy, tmp_path):
    store = tmp_path / "st"
    _build_ok(kg, store, seeds_copy)
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    st = ann.stat()
    data = ann.read_bytes()
    edited = data.replace(b"Held in Istanbul", b"Held in Istanbux", 1)
    assert edited != data and len(edited) == len(data)
    ann.write_bytes(edited)
    os.utime(ann, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ann.stat().st_mtime_ns == st.st_mtime_ns and ann.stat().st_size == st.st_size
    r = kg("query", "talks", "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: the built graph at {store} is stale: {ARTICLE_NAME}.yaml "
                        "changed since the build\nHint: run `kg build` to rebuild it\n")


def test_a_manifest_of_an_earlier_kg_is_still_checked_by_content(kg, seeds_copy, tmp_path):
    """Inputs recorded as [size, mtime, sha256] (no ctime): the hash decides."""
    store = tmp_path / "st"
    _build_ok(kg, store, seeds_copy)
    path = store / "current" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["inputs"] = {k: v[:3] for k, v in manifest["inputs"].items()}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert kg("query", "talks", "--store", str(store)).exit_code == 0
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    st = ann.stat()
    ann.write_bytes(ann.read_bytes().replace(b"Held in Istanbul", b"Held in Istanbux", 1))
    os.utime(ann, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert kg("query", "talks", "--store", str(store)).exit_code == 1


# --- low: CRLF articles, Unicode forms, Unicode digits ---------------------------------------

def test_a_crlf_article_anchors_quotes_across_line_breaks(kg, seeds_copy, tmp_path):
    """A quote typed with \\n matches the article's \\r\\n; offsets slice the article."""
    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    text = article.read_text(encoding="utf-8").replace("\n", "\r\n")
    article.write_bytes(text.encode("utf-8"))
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    yaml_text = ann.read_text(encoding="utf-8")
    old = '  quote: "2025-05-20"\n'
    assert old in yaml_text
    ann.write_text(yaml_text.replace(old, '  quote: "16 px\\n\\nThe first high-level"\n', 1),
                   encoding="utf-8")
    store = tmp_path / "st"
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store), "--checks", "all")
    assert r.exit_code == 0, r.stderr  # the evidence-integrity checks passed too
    q = kg("sparql", "--store", str(store), "--format", "csv",
           "PREFIX oa: <http://www.w3.org/ns/oa#> SELECT ?start ?end WHERE { "
           "?q oa:hasSelector [ oa:exact ?e ], [ oa:start ?start ; oa:end ?end ] "
           "FILTER(STRSTARTS(?e, '16 px')) }")
    assert q.exit_code == 0, q.stderr
    start = text.index("16 px")
    end = text.index("The first high-level") + len("The first high-level")
    assert q.stdout.splitlines() == ["start,end", f"{start},{end}"]
    assert text[start:end] == "16 px\r\n\r\nThe first high-level"


def test_a_crlf_mismatch_hint_shows_the_line_break(kg, seeds_copy, store, before):
    article = seeds_copy / f"{ARTICLE_NAME}.txt"
    article.write_bytes(article.read_bytes().replace(b"\n", b"\r\n"))
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    ann.write_text(ann.read_text(encoding="utf-8").replace(
        "unmapped:\n", "unmapped:\n  - quote: \"16 px The first\"\n    reason: a test\n", 1),
        encoding="utf-8")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].endswith(": quote '16 px The first' is not in the article")
    assert lines[1] == ("Hint: the article has '16 px\\r\\n\\r\\nThe first': the white space "
                        "differs (a line break, a non-breaking space or repeated spaces); "
                        "copy it exactly")
    assert store_state(store) == before


def test_an_nfd_quote_gets_the_unicode_form_hint(kg, seeds_copy, store, before):
    import unicodedata

    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    text = ann.read_text(encoding="utf-8")
    assert "Orbán" in (seeds_copy / f"{ARTICLE_NAME}.txt").read_text(encoding="utf-8")
    nfd = unicodedata.normalize("NFD", "Orbán")
    ann.write_text(text.replace("unmapped:\n", f"unmapped:\n  - quote: \"{nfd}\"\n"
                                "    reason: a test\n", 1), encoding="utf-8")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0].endswith(f": quote {nfd!r} is not in the article")
    assert lines[1] == ("Hint: the article writes accented letters composed (NFC) and the "
                        "quote decomposed (NFD): the same letters in other Unicode code "
                        "points; copy the quote from the article's text")
    assert store_state(store) == before


@pytest.mark.parametrize("raw", ["²", "٣", "1" * 5000])
def test_an_occurrence_that_is_not_an_ascii_number(raw, kg, seeds_copy, store, before):
    ann = seeds_copy.resolve() / f"{ARTICLE_NAME}.yaml"
    text = ann.read_text(encoding="utf-8")
    old = 'quote: {text: "Russia", occurrence: 1}'
    line = text[:text.index(old)].count("\n") + 1
    ann.write_text(text.replace(old, f'quote: {{text: "Russia", occurrence: "{raw}"}}', 1),
                   encoding="utf-8")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0].startswith(
        f"Error: {ann}:{line}: occurrence must be a positive integer, not ")
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert store_state(store) == before



@pytest.mark.parametrize("timeout", [None, 10.0], ids=["in-process", "forked"])
def test_a_build_gone_under_a_query_is_a_clean_error(timeout):
    """At worst (a file system without flock) the reader's build vanishes mid-query."""
    from kg.errors import StoreError
    from kg.query.querying import execute

    class Vanished:
        def query(self, *args, **kwargs):
            raise RuntimeError("Corruption: IO error: No such file or directory: 000009.sst")

    with pytest.raises(StoreError) as e:
        execute(Vanished(), "SELECT * WHERE { ?s ?p ?o }", timeout=timeout)
    assert (e.value.message, e.value.hint) == ("the store was replaced during the query",
                                               "run it again")


def test_other_runtime_errors_are_not_taken_for_a_replaced_store():
    from kg.query.querying import execute

    class Broken:
        def query(self, *args, **kwargs):
            raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):
        execute(Broken(), "SELECT * WHERE { ?s ?p ?o }")
