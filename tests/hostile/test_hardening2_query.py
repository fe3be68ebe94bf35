"""Hardening II, the query and output side (issue 15: H1, H7, M3, M4, M6, M7, M8, low).

Each case asserts the exact message and exit status through the public CLI,
in-process (the ``kg`` fixture) or, where the process itself matters (a full
disk on stdout, a closed stderr, a locale, a killed parent), as a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import QueryError
from kg.query.guard import check

from .helpers import SEEDS, Listener, kg_executable, run_audited, store_state

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (kg:x|!kg:x)* ?b . ?c (kg:x|!kg:x)* ?d . "
           "?e (kg:x|!kg:x)* ?f }")
REFUSED = ("Error: <argument>: SERVICE <{url}> is refused: a federated query would open a "
           "network connection")


def sparql(kg, store, *args, input=None):
    return kg("sparql", "--store", str(store), *args, input=input)


def run_kg(args, *, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=None, cwd=None,
           shell_suffix: str | None = None, timeout: float = 120):
    """``kg ARGS`` as a subprocess (the installed console script)."""
    full_env = {**os.environ, **(env or {})}
    if shell_suffix is not None:
        import shlex

        line = " ".join(shlex.quote(a) for a in [kg_executable(), *args]) + " " + shell_suffix
        return subprocess.run(["sh", "-c", line], stdout=stdout, stderr=subprocess.PIPE,
                              stdin=stdin, env=full_env, cwd=cwd, timeout=timeout)
    return subprocess.run([kg_executable(), *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=stdin, env=full_env, cwd=cwd, timeout=timeout)


# --- H1: SERVICE hidden behind \uXXXX escapes in IRIs --------------------------------------

H1_CASES = [
    ("uchar-hash", r"SELECT * WHERE {{ BIND(<urn:x\u0041#> AS ?a) SERVICE <{url}> "
                   r"{{ ?s ?p ?o }} }}"),
    ("uchar-quote", r"SELECT * WHERE {{ BIND(<urn:x\u0041'> AS ?a) SERVICE <{url}> "
                    r"{{ ?s ?p ?o }} BIND('x' AS ?b) }}"),
    ("long-uchar", r"SELECT * WHERE {{ BIND(<urn:x\U00000023> AS ?a) SERVICE <{url}> "
                   r"{{ ?s ?p ?o }} }}"),
    ("escaped-service-iri", r"SELECT * WHERE {{ SERVICE SILENT <{escaped}> {{ ?s ?p ?o }} }}"),
    ("escaped-prefix", "PREFIX r: <{escaped_base}>\n"
                       "SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}"),
    ("lowercase", r"select * where {{ bind(<urn:\u0078#> as ?a) service <{url}> "
                  r"{{ ?s ?p ?o }} }}"),
]


def _fill(query: str, base: str) -> str:
    url = base + "/sparql"
    escaped = url.replace(":", "\\u003A", 2).replace("/", "\\u002F")
    return query.format(url=url, escaped=escaped,
                        escaped_base=(base + "/").replace("/", "\\U0000002F"))


@pytest.mark.parametrize("name,query", H1_CASES, ids=[c[0] for c in H1_CASES])
def test_service_behind_an_escape_is_refused(name, query, kg, store, before):
    with Listener() as listener:
        url = listener.base + "/sparql"
        r = sparql(kg, store, "--timeout", "10", _fill(query, listener.base))
    assert r.exit_code == 1, r.stderr
    assert r.stderr.splitlines()[0] == REFUSED.format(url=url)
    assert r.stdout == ""
    assert listener.connections == []
    assert store_state(store) == before


def test_service_behind_an_escape_connects_nowhere_audited(store, tmp_path):
    """The issue's reproduction, in a fresh interpreter with the audit hook."""
    with Listener() as listener:
        url = listener.base + "/sparql"
        proc, events = run_audited(
            ["sparql", "--store", str(store), "--timeout", "10",
             _fill(H1_CASES[0][1], listener.base)], tmp_path / "audit.log", cwd=tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert stderr.splitlines()[0] == REFUSED.format(url=url)
    assert listener.connections == []
    assert [e for e in events if e[0] != "open"] == []


def test_less_than_reading_that_reveals_service_is_refused(kg, store):
    """No escape needed: ``<STRLEN('>`` is an IRI to a naive reader, 'less than' to Oxigraph."""
    with Listener() as listener:
        query = ("SELECT * WHERE { FILTER(1<STRLEN('>')) SERVICE SILENT <%s/sparql> "
                 "{ ?s ?p ?o } FILTER(?z != \"'\") } # \"" % listener.base)
        r = sparql(kg, store, "--timeout", "10", query)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "Error: <argument>: line 1, column 26: <STRLEN('> can also be read as 'less than', "
        "and read so the query holds SERVICE (line 1, column 40) where kg's reading does "
        "not: refused",
        "Hint: put a space after a '<' that compares, and write # and ' inside IRIs as "
        "\\u0023 and \\u0027"]
    assert listener.connections == []


def test_escaped_iri_of_a_build_graph_is_accepted(kg, store):
    r = sparql(kg, store, "--format", "csv",
               r"SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/kg/graph/asserte\u0064> "
               r"WHERE { <https://w3id.org/kg/id/russi\u0061> a ?t }")
    assert r.exit_code == 0, r.stderr
    assert int(r.stdout.splitlines()[1]) > 0


def test_escaped_iri_outside_the_build_is_refused_decoded(kg, store):
    r = sparql(kg, store, r"SELECT * FROM <file:\u002F\u002F/etc/passwd> WHERE { ?s ?p ?o }")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == ("Error: <argument>: FROM <file:///etc/passwd> is "
                                        "refused: it is not a graph of the build")


def test_iris_with_hash_in_patterns_and_comparisons_still_run(kg, store):
    r = sparql(kg, store, "--format", "csv",
               "SELECT (COUNT(*) AS ?n) WHERE { kgr:russia "
               "<http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(STRLEN(?l)<100) }")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == ["n", "1"]


@pytest.mark.parametrize("query", [
    r"PREFIX ex: <urn:e#> SELECT * WHERE { BIND(ex:a\u0041 AS ?a) }",
    r"PREFIX e\u0078: <urn:e#> SELECT * WHERE { BIND(ex:a AS ?a) }",
    r"SELECT * WHERE { BIND(?x\u0061 AS ?a) }",
])
def test_escapes_outside_iris_and_strings_are_syntax_errors(kg, store, query):
    """SPARQL has no escapes in names: Oxigraph refuses them, so nothing hides there."""
    r = sparql(kg, store, query)
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: <argument>: SPARQL syntax error at line 1, column ")


@pytest.mark.parametrize("query,column,quote", [
    ('SELECT * WHERE { BIND("abc AS ?x) }', 23, '"'),
    ("SELECT * WHERE { BIND('abc AS ?x) }", 23, "'"),
])
def test_unterminated_string_is_refused(kg, store, query, column, quote):
    r = sparql(kg, store, query)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        f"Error: <argument>: line 1, column {column}: unterminated string (a {quote} that "
        "is never closed on its line)")


# A property: whatever the guard accepts, Oxigraph runs without opening a connection.
# Every generated query holds a SERVICE call to a loopback listener, among fragments
# that are valid SPARQL and that try to hide it (escapes, ' and # in IRIs, comparisons).

_Q3 = "'" * 3
_BEFORE = [
    "BIND(<urn:x\\u0041#> AS ?a)", "BIND(<urn:x\\u0041'> AS ?b)",
    "BIND(<urn:\\U00000023> AS ?c)", "FILTER(1<STRLEN('>'))", "FILTER(2<STRLEN('#>'))",
    "FILTER(?s < ?o)", "?s ?p ?o .", "BIND(<urn:a#b> AS ?d)", "BIND('#' AS ?e)",
    "BIND(\"'\" AS ?f)", "# '\n", '# "\n', "\n", "OPTIONAL { ?s ?p ?o }",
    f"BIND({_Q3} ' {_Q3} AS ?g)",
]
_SERVICE = ["SERVICE <{url}> { ?s ?p ?o }", "SERVICE SILENT <{url}> { }",
            "sErViCe <{url}> { ?s ?p ?o }", "SERVICE <{escaped}> { }"]
_AFTER = [*_BEFORE, "FILTER(?z != \"'\")", "FILTER(?z != '\"')", "BIND('x' AS ?h)"]
_END = ["", ' # "', " # '", " # " + _Q3]


@settings(max_examples=400, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_BEFORE), max_size=4), st.sampled_from(_SERVICE),
       st.lists(st.sampled_from(_AFTER), max_size=4), st.sampled_from(_END))
def test_any_accepted_query_opens_no_connection(listener_base, before, service, after, end):
    base, listener = listener_base
    url = base + "/sparql"
    service = service.replace("{url}", url).replace("{escaped}", url.replace("/", "\\u002F"))
    text = "SELECT * WHERE { " + " ".join([*before, service, *after]) + " }" + end
    try:
        check(text, label="q")
    except QueryError:
        return
    seen = len(listener.connections)
    try:
        result = ox.Store().query(text)
        if isinstance(result, ox.QuerySolutions):
            list(result)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    time.sleep(0.05)
    assert len(listener.connections) == seen, text


@pytest.fixture(scope="module")
def listener_base():
    with Listener() as listener:
        yield listener.base, listener


# --- M7, M8: nesting, endless and oversized query text, encodings ---------------------------

def test_deeply_nested_query_is_refused_before_parsing(kg, store, tmp_path):
    nested = tmp_path / "nested.rq"
    nested.write_text("SELECT * WHERE " + "{" * 10000 + " ?s ?p ?o " + "}" * 10000)
    r = sparql(kg, store, "--file", str(nested), "--timeout", "0")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"Error: {nested}: line 1, column 272: brackets nested deeper than 256 levels",
        "Hint: flatten the query; kg refuses deeper nesting before parsing it"]


def test_nesting_at_the_limit_runs(kg, store):
    r = sparql(kg, store, "--format", "csv",
               "ASK " + "{" * 256 + " kgr:russia a kg:State " + "}" * 256)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "true\n"


def test_query_file_that_never_ends_is_refused(kg, store):
    r = sparql(kg, store, "--file", "/dev/zero")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "Error: /dev/zero: not a regular file",
        "Hint: give a query file, or '-' to read the query from stdin"]


def test_stdin_that_never_ends_is_capped(store):
    with open("/dev/zero", "rb") as zero:
        proc = run_kg(["sparql", "--store", str(store), "-"], stdin=zero)
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines()[0] == (
        "Error: <stdin>: the query is more than 1,000,000 bytes long")


def test_oversized_query_file_and_argument_are_refused(kg, store, tmp_path):
    big = tmp_path / "big.rq"
    big.write_text("ASK {}" + " " * 1_500_000)
    r = sparql(kg, store, "--file", str(big))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        f"Error: {big}: the query is 1,500,006 bytes long, more than the limit of 1,000,000")
    r = sparql(kg, store, "ASK {}" + " " * 1_100_000)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        "Error: <argument>: the query is 1,100,006 characters long, more than the limit of "
        "1,000,000")


def test_query_file_that_is_not_utf8_names_file_line_and_byte(kg, store, tmp_path):
    bad = tmp_path / "latin1.rq"
    bad.write_bytes(b"ASK {\n# caf\xe9 }\n")
    r = sparql(kg, store, "--file", str(bad))
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [f"Error: {bad}:2: not valid UTF-8 (byte 11)",
                                     "Hint: save the query as UTF-8"]


# --- H7 and low: stdout on a full disk, stderr closed ----------------------------------------

FULL = "Error: cannot write to stdout: No space left on device"


@pytest.mark.parametrize("args", [
    ["export"],
    ["export", "--format", "nquads"],
    ["sparql", "CONSTRUCT WHERE { ?s ?p ?o }"],
    ["sparql", "SELECT ?s WHERE { ?s a kg:State }"],
    ["query", "talks"],
    ["query", "--list"],
    ["stats"],
    ["explain", "kgr:russia", "kg:participatesIn", "kgr:istanbul-talks-2025"],
], ids=["export", "nquads", "construct", "select", "query", "list", "stats", "explain"])
def test_stdout_on_a_full_disk_is_an_error(args, store):
    store_args = [] if args == ["query", "--list"] else ["--store", str(store)]
    with open("/dev/full", "wb") as full:
        proc = run_kg([args[0], *store_args, *args[1:]], stdout=full)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert stderr == FULL + "\n"


def test_build_report_on_a_full_disk_is_an_error(tmp_path):
    """``kg build`` prints with click.echo: the CLI's last line of defence reports it."""
    with open("/dev/full", "wb") as full:
        proc = run_kg(["build", "--seeds", str(SEEDS), "--store", str(tmp_path / "s")],
                      stdout=full, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.decode() == FULL + "\n"


def test_output_file_on_a_full_disk_is_an_error(kg, store):
    r = kg("export", "--store", str(store), "--format", "nquads", "-o", "/dev/full")
    assert r.exit_code == 1
    assert r.stderr == "Error: cannot write /dev/full: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_stdout_closed_is_an_error(store):
    proc = run_kg(["sparql", "--store", str(store), "ASK {}"], shell_suffix=">&-")
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines()[0] == "Error: cannot write to stdout: it is closed"


@pytest.mark.parametrize("query,status", [("ASK { kgr:russia a kg:State }", 0),
                                          ("SELEC", 1)])
def test_stderr_closed_keeps_the_exit_status(store, query, status):
    proc = run_kg(["sparql", "--store", str(store), query], shell_suffix="2>&-")
    assert proc.returncode == status
    assert proc.stdout == (b"true\n" if status == 0 else b"")


# --- M3: terminal escapes ----------------------------------------------------------------

HOSTILE_LABEL = "a\\u001b]0;pwned\\u0007b\\u202eX\\u200bY\\u0085Z\\r"


def test_controls_are_escaped_in_tables_and_markdown(kg, store):
    query = f'SELECT ?x WHERE {{ BIND("{HOSTILE_LABEL}" AS ?x) }}'
    r = sparql(kg, store, query)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[2] == "a\\x1b]0;pwned\\x07b\\u202eX\\u200bY\\x85Z\\x0d"
    r = sparql(kg, store, "--format", "markdown", query)
    assert r.stdout.splitlines()[2] == "| a\\x1b]0;pwned\\x07b\\u202eX\\u200bY\\x85Z\\x0d |"


def test_controls_stay_as_data_in_csv_and_json(kg, store):
    query = f'SELECT ?x WHERE {{ BIND("{HOSTILE_LABEL}" AS ?x) }}'
    r = sparql(kg, store, "--format", "json", query)
    value = json.loads(r.stdout)["results"]["bindings"][0]["x"]["value"]
    assert value == "a\x1b]0;pwned\x07b\u202eX\u200bY\x85Z\r"
    r = sparql(kg, store, "--format", "csv", query)
    assert "\x1b]0;pwned\x07" in r.stdout


def test_controls_in_an_article_are_escaped_in_coverage(kg, seeds_copy):
    article = seeds_copy / "000_99214e3abbb71cf3.txt"
    article.write_text(article.read_text(encoding="utf-8")
                       + "\n\x1b]0;pwned\x07 A \u202ehostile closing line.\n", encoding="utf-8")
    r = kg("coverage", "--seeds", str(seeds_copy))
    assert "\x1b" not in r.stdout and "\u202e" not in r.stdout
    assert [line for line in r.stdout.splitlines() if line.endswith(
        "missing: \\x1b]0;pwned\\x07 A \\u202ehostile closing line.")]


def test_controls_echoed_in_an_error_are_escaped(kg, store):
    r = sparql(kg, store, "SELECT \x1b[2J ?x WHERE {}")
    assert r.exit_code == 1
    assert "\x1b" not in r.stderr
    assert "SELECT \\x1b[2J ?x WHERE {}" in r.stderr


def test_long_echoed_query_is_cut_around_the_error(kg, store):
    query = "SELECT ?x WHERE { " + "?x ?y ?z . " * 90_000 + "ERROR }"
    r = sparql(kg, store, query)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "Error: <argument>: SPARQL syntax error at line 1, column 990026: expected one of "
        "LATERAL, SERVICE, [_]",
        "   1 | …" + query[-60:],
        "     | " + " " * 61 + "^"]


def test_long_echoed_iri_is_truncated_in_the_error(kg, store):
    r = sparql(kg, store, "SELECT * FROM <urn:" + "a" * 900_000 + "> WHERE { ?s ?p ?o }")
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert first == "Error: " + ("<argument>: FROM <urn:" + "a" * 900_000)[:999] + "…"


# --- M4: the forked query dies with kg, and at its own deadline ------------------------------

def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _wait_until(predicate, limit: float = 20.0) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_query_child_dies_with_kg(sig, store):
    proc = subprocess.Popen([kg_executable(), "sparql", "--store", str(store), "--timeout",
                             "600", RUNAWAY], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert _wait_until(lambda: _children(proc.pid)), "no query child appeared"
        child = _children(proc.pid)[0]
        os.kill(proc.pid, getattr(signal, sig))
        proc.wait(timeout=30)
        assert _wait_until(lambda: not _alive(child)), f"query child {child} outlived kg"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_query_child_carries_its_own_deadline(store):
    """kg stopped (SIGSTOP) cannot kill its child at 1 s: the child's own alarm does."""
    proc = subprocess.Popen([kg_executable(), "sparql", "--store", str(store), "--timeout",
                             "1", RUNAWAY], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert _wait_until(lambda: _children(proc.pid)), "no query child appeared"
        child = _children(proc.pid)[0]
        os.kill(proc.pid, signal.SIGSTOP)
        assert _wait_until(lambda: Path(f"/proc/{child}/stat").read_text().split()[2] == "Z"
                           if Path(f"/proc/{child}").exists() else True), \
            "the child ran past its own deadline"
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.kill()
        proc.wait()


# --- M6: -o onto special files, symlinks, and file modes -------------------------------------

def test_output_onto_a_fifo_writes_through_it(kg, store, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = sparql(kg, store, "--format", "csv", "-o", str(fifo), "ASK { kgr:russia a kg:State }")
    reader.join(timeout=30)
    assert r.exit_code == 0, r.stderr
    assert got == [b"true\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_onto_dev_null_leaves_the_device(kg, store):
    r = kg("export", "--store", str(store), "--format", "turtle", "-o", "/dev/null")
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_onto_a_link_to_proc_self_fd_1_writes_to_stdout(store, tmp_path):
    link = tmp_path / "stdout.json"
    link.symlink_to("/proc/self/fd/1")
    proc = run_kg(["sparql", "--store", str(store), "-o", str(link),
                   "ASK { kgr:russia a kg:State }"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b'{"head": {}, "boolean": true}\n'
    assert os.readlink(link) == "/proc/self/fd/1"


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(kg, store, tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    r = sparql(kg, store, "-o", str(link), "ASK { kgr:russia a kg:State }")
    assert r.exit_code == 0, r.stderr
    assert link.is_symlink() and target.read_text() == "true\n"


def test_new_output_follows_the_umask_and_old_output_keeps_its_mode(kg, store, tmp_path):
    old = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.csv"
        r = sparql(kg, store, "-o", str(fresh), "ASK {}")
        assert r.exit_code == 0, r.stderr
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    kept = tmp_path / "kept.csv"
    kept.write_text("old\n")
    kept.chmod(0o604)
    r = sparql(kg, store, "-o", str(kept), "ASK {}")
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604
    assert kept.read_text() == "true\n"


# --- low: --timeout values, --asserted-only with FROM, triple terms, an ASCII locale ---------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1", "86401", "soon"])
def test_timeout_must_be_finite_seconds(kg, store, value):
    r = sparql(kg, store, "--timeout", value, "ASK {}")
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--timeout': '{value}' is not a number of seconds from 0 "
        "(no limit) to 86400")



@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "86401", "soon"])
def test_push_timeout_must_be_finite_seconds_above_zero(kg, store, value):
    """A per-request deadline: 0 ("no limit") is refused too; nothing is sent."""
    r = kg("push", "--store", str(store), "--endpoint", "http://127.0.0.1:9/sparql",
           "--timeout", value)
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--timeout': '{value}' is not a number of seconds above 0 "
        "and up to 86400")

def test_asserted_only_with_from_inferred_is_refused(kg, store):
    r = sparql(kg, store, "--asserted-only",
               "SELECT (COUNT(*) AS ?n) FROM kgg:inferred WHERE { ?s ?p ?o }")
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "Error: <argument>: --asserted-only leaves out kgg:inferred, but the query names it "
        "(FROM <https://w3id.org/kg/graph/inferred>)",
        "Hint: drop --asserted-only, or the FROM naming kgg:inferred"]


TRIPLE_TERM = 'SELECT ?t WHERE { BIND(<<( <urn:a> <urn:b> "c" )>> AS ?t) }'


@pytest.mark.parametrize("fmt,expected", [
    ("table", "t\n---------------------\n<<( urn:a urn:b c )>>\n(1 row)\n"),
    ("csv", 't\r\n"<<( <urn:a> <urn:b> ""c"" )>>"\r\n'),
    ("tsv", '?t\n<<( <urn:a> <urn:b> "c" )>>\n'),
    ("jsonl", '{"t": {"type": "triple", "value": {"subject": {"type": "uri", "value": '
              '"urn:a"}, "predicate": {"type": "uri", "value": "urn:b"}, "object": '
              '{"type": "literal", "value": "c"}}}}\n'),
    ("markdown", "| t |\n|---|\n| <<( urn:a urn:b c )>> |\n"),
])
def test_triple_terms_in_results_are_rendered(kg, store, fmt, expected):
    r = sparql(kg, store, "--format", fmt, TRIPLE_TERM)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == expected.splitlines()


def test_ascii_locale_accepts_utf8_arguments(store):
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    proc = run_kg(["sparql", "--store", str(store), "--format", "csv",
                   'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "of Türkiye")) }'],
                  env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == "l\r\nForeign Minister of Türkiye (Hakan Fidan)\r\n"


@pytest.mark.parametrize("raw,shown", [
    ("plain text, accents é and CJK 日本", "plain text, accents é and CJK 日本"),
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07"),
    ("cr\roverwrite", "cr\\x0doverwrite"),
    ("c1\x9bcsi \x85nel", "c1\\x9bcsi \\x85nel"),
    ("kgr:\u202eaissur", "kgr:\\u202eaissur"),
    ("Rus\u200bsia Rus\u200dsia Rus\u2060sia \ufeffRussia", "Rus\\u200bsia Rus\\u200dsia "
     "Rus\\u2060sia \\ufeffRussia"),
    ("iso\u2066late\u2069", "iso\\u2066late\\u2069"),
    ("tag\U000e0041", "tag\\U000e0041"),
    ("lone \udcff byte", "lone \\udcff byte"),
])
def test_visible_escapes_controls_bidi_and_invisibles(raw, shown):
    from kg.visible import visible

    assert visible(raw) == shown


@pytest.fixture(scope="module")
def bidi_store(tmp_path_factory):
    """The seed with Russia labelled "Rus<RIGHT-TO-LEFT OVERRIDE>sia<ZERO WIDTH SPACE>"."""
    import shutil

    from kg.build import build

    root = tmp_path_factory.mktemp("bidi")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    yaml_file = seeds / "000_99214e3abbb71cf3.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("    type: State\n    label: Russia\n",
                                      '    type: State\n    label: "Rus\\u202esia\\u200b"\n', 1),
                         encoding="utf-8")
    build(seeds, root / "store")
    return root / "store"


def test_bidi_label_is_escaped_in_explain_and_query_tables(kg, bidi_store):
    r = kg("explain", "--store", str(bidi_store), "kgr:russia", "kg:participatesIn",
           "kgr:istanbul-talks-2025")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(
        "kgr:russia (Rus\\u202esia\\u200b) kg:participatesIn (participates in) ")
    r = kg("sparql", "--store", str(bidi_store), "SELECT ?x WHERE { BIND(kgr:russia AS ?x) }")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[2] == "Rus\\u202esia\\u200b"
    assert "\u202e" not in r.stdout and "\u200b" not in r.stdout
