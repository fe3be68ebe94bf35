"""`kg sparql`: read-only, local unless allowed, stopped at its deadline, clear errors."""

from __future__ import annotations

import json
import socket
import time

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.query.guard import inspect, tokens

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (kg:x|!kg:x)* ?b . ?c (kg:x|!kg:x)* ?d . "
           "?e (kg:x|!kg:x)* ?f }")


def sparql(kg, store, *args, input=None):
    return kg("sparql", "--store", str(store), *args, input=input)


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("update", [
    "INSERT DATA { kgr:a kgr:b kgr:c }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <http://x/>\nclear all",
    "LOAD <http://example.org/data.ttl>",
    "DROP GRAPH kgg:asserted",
    "WITH kgg:asserted DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_update_is_refused(kg, built_store, update):
    result = sparql(kg, built_store, update)
    assert result.exit_code == 1
    word = update.split("\n")[-1].split()[0].upper()
    assert result.stderr.startswith(
        f"Error: <argument>: SPARQL Update is refused ({word}): queries are read-only\n")
    assert result.stdout == ""


def test_service_to_loopback_is_refused_and_connects_nowhere(kg, built_store):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        result = sparql(kg, built_store,
                        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
                        "--timeout", "5")
        time.sleep(0.2)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected
    finally:
        listener.close()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: <argument>: SERVICE <{url}> is refused: a federated query would open a "
        "network connection")
    assert "--allow-remote" in result.stderr


def test_service_with_a_prefixed_name_is_expanded_in_the_message(kg, built_store):
    result = sparql(kg, built_store, "PREFIX ex: <http://127.0.0.1:9/>\n"
                    "SELECT * WHERE { SERVICE ex:q { ?s ?p ?o } }")
    assert result.exit_code == 1
    assert "SERVICE <http://127.0.0.1:9/q> is refused" in result.stderr


@pytest.mark.parametrize("clause", ["FROM <file:///etc/passwd>",
                                    "FROM NAMED <https://example.org/remote.ttl>"])
def test_from_outside_the_build_is_refused(kg, built_store, clause):
    result = sparql(kg, built_store, f"SELECT * {clause} WHERE {{ ?s ?p ?o }} LIMIT 1")
    assert result.exit_code == 1
    iri = clause.split("<")[1].rstrip(">")
    keyword = clause.split(" <")[0]
    assert result.stderr.splitlines()[0] == (
        f"Error: <argument>: {keyword} <{iri}> is refused: it is not a graph of the build")


def test_from_a_graph_of_the_build_chooses_the_dataset(kg, built_store):
    q = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    counts = {}
    for name in ("asserted", "inferred"):
        result = sparql(kg, built_store, q.format(f"FROM kgg:{name}"), "--format", "csv")
        assert result.exit_code == 0, result.stderr
        counts[name] = int(result.stdout.splitlines()[1])
    assert counts["asserted"] > 0 and counts["inferred"] > 0
    assert counts["asserted"] != counts["inferred"]


def test_allow_remote_lets_from_through(kg, built_store):
    result = sparql(kg, built_store, "SELECT ?s ?p ?o FROM <file:///nowhere> WHERE { ?s ?p ?o }",
                    "--allow-remote", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b"s,p,o\r\n"


def test_runaway_query_is_stopped_by_the_timeout(kg, built_store):
    started = time.monotonic()
    result = sparql(kg, built_store, RUNAWAY, "--timeout", "1")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert result.stderr == ("Error: <argument>: the query ran longer than 1 s and was stopped\n"
                             "Hint: narrow it (a LIMIT, a more specific pattern) or raise "
                             "--timeout\n")
    assert elapsed < 8
    # the process that ran it stays usable
    again = sparql(kg, built_store, "ASK { kgr:russia a kg:State }")
    assert (again.exit_code, again.stdout) == (0, "true\n")


def test_runaway_canned_query_timeout_in_the_library(built_store):
    from kg.errors import QueryTimeout
    from kg.query.querying import execute
    from kg.store.disk import open_store

    store = open_store(built_store).oxigraph
    with pytest.raises(QueryTimeout):
        execute(store, RUNAWAY, prefixes={"kg": "https://w3id.org/kg/ontology#"}, timeout=0.5)
    assert execute(store, "ASK { ?s ?p ?o }", timeout=5).boolean is True


def test_syntax_error_names_line_and_column_and_marks_the_line(kg, built_store):
    result = sparql(kg, built_store, "SELECT ?x\nWHERE {\n  ?x a kg:State .\n  FILTER(?x = ) }")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: <argument>: SPARQL syntax error at line 4, column ")
    column = int(lines[0].split("column ")[1].split(":")[0])
    assert lines[1] == "   4 |   FILTER(?x = ) }"
    assert lines[2] == "     | " + " " * (min(column, len("  FILTER(?x = ) }") + 1) - 1) + "^"


# --- input and output ------------------------------------------------------------------

def test_select_formats(kg, built_store, tmp_path):
    q = "SELECT ?x ?l WHERE { ?x a kg:State ; rdfs:label ?l } ORDER BY ?x LIMIT 2"
    table = sparql(kg, built_store, q)
    assert table.exit_code == 0
    assert table.stdout.endswith("(2 rows)\n")
    assert "Azerbaijan" in table.stdout and "kgr:" not in table.stdout
    assert "kgr:azerbaijan" in sparql(kg, built_store, q, "--iris").stdout.replace(
        "https://w3id.org/kg/id/", "kgr:")
    data = json.loads(sparql(kg, built_store, q, "--format", "json").stdout)
    assert data["head"]["vars"] == ["x", "l"]
    assert data["results"]["bindings"][0]["x"] == {
        "type": "uri", "value": "https://w3id.org/kg/id/azerbaijan"}
    tsv = sparql(kg, built_store, q, "--format", "tsv").stdout
    assert tsv.splitlines()[0] == "?x\t?l"
    assert tsv.splitlines()[1].startswith('<https://w3id.org/kg/id/azerbaijan>\t"Azerbaijan"')
    assert len(sparql(kg, built_store, q, "--format", "jsonl").stdout.splitlines()) == 2
    assert sparql(kg, built_store, q, "--format", "markdown").stdout.startswith("| x | l |\n")
    out = tmp_path / "states.csv"
    assert sparql(kg, built_store, q, "-o", str(out)).exit_code == 0
    assert out.read_bytes().decode().startswith("x,l\r\nhttps://w3id.org/kg/id/azerbaijan,Azerbaijan")


def test_construct_is_turtle_and_parses(kg, built_store, tmp_path):
    q = "CONSTRUCT { ?s a kg:State } WHERE { ?s a kg:State }"
    result = sparql(kg, built_store, q)
    assert result.exit_code == 0
    triples = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.TURTLE))
    assert len(triples) == 6
    out = tmp_path / "states.nt"
    assert sparql(kg, built_store, q, "-o", str(out)).exit_code == 0
    assert len(out.read_text().splitlines()) == 6
    describe = sparql(kg, built_store, "DESCRIBE kgr:russia", "--format", "ntriples")
    assert describe.exit_code == 0 and "<https://w3id.org/kg/id/russia>" in describe.stdout


def test_ask_and_stdin_and_file(kg, built_store, tmp_path):
    assert sparql(kg, built_store, "-", input="ASK { kgr:russia a kg:State }").stdout == "true\n"
    path = tmp_path / "q.rq"
    path.write_text("ASK { kgr:russia a kg:City }")
    assert sparql(kg, built_store, "--file", str(path)).stdout == "false\n"
    assert json.loads(sparql(kg, built_store, "--file", str(path), "--format", "json").stdout) == {
        "head": {}, "boolean": False}


def test_asserted_only_leaves_out_inference(kg, built_store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { kgr:hakan-fidan kg:actsOnBehalfOf ?x }"
    both = sparql(kg, built_store, q, "--format", "csv").stdout.splitlines()[1]
    asserted = sparql(kg, built_store, q, "--format", "csv", "--asserted-only").stdout
    assert both == "1" and asserted.splitlines()[1] == "0"


# --- the guard, property-based ---------------------------------------------------------

BASE = "SELECT ?s WHERE { ?s ?p ?o }"
WORDS = ["SERVICE", "INSERT", "DELETE", "LOAD", "DROP", "FROM", "CLEAR", "WITH", "COPY"]
text_chars = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


def _string_literal(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r") + '"'


@settings(max_examples=200, deadline=None, derandomize=True)
@given(word=st.sampled_from(WORDS), noise=text_chars)
def test_keywords_inside_strings_comments_and_names_are_harmless(word, noise):
    hidden = [
        f'SELECT ?s WHERE {{ ?s ?p {_string_literal(noise + " " + word + " <http://x/>")} }}',
        f"SELECT ?s WHERE {{ ?s ?p ?o }} # {word} <http://x/> " + noise.replace("\n", " "),
        f"PREFIX ex: <http://x/>\nSELECT ?{word.lower()} WHERE {{ ?{word.lower()} ex:{word} "
        f"ex:{word.lower()} }}",
        f"SELECT ?s WHERE {{ ?s <http://x/{word}> ?o }}",
        f'SELECT ?s WHERE {{ ?s ?p """{word} \'\'\' {noise.replace(chr(34), "")} """ }}',
        f'SELECT ?s WHERE {{ ?s ?p "x"@{word.lower()} }}',
    ]
    for text in hidden:
        found = inspect(text)
        assert not found.is_update and not found.services and not found.has_dataset, text
        assert found.form == "SELECT"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(pad=st.sampled_from([" ", "\n", "\t", "  # note\n"]),
       case=st.sampled_from([str.upper, str.lower, str.title]),
       silent=st.booleans(), host=st.from_regex(r"[a-z]{1,10}\.[a-z]{2,5}", fullmatch=True))
def test_service_is_always_found(pad, case, silent, host):
    service = case("SERVICE") + (pad + case("SILENT") if silent else "")
    text = f"SELECT * WHERE {{{pad}{service}{pad}<http://{host}/sparql>{pad}{{ ?s ?p ?o }} }}"
    assert inspect(text).services == [f"http://{host}/sparql"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(parts=st.lists(st.sampled_from([
    "SELECT", "ASK", "INSERT", "DELETE", "DATA", "WHERE", "{", "}", "?s", "?p", "?o", ".",
    "<http://x/a>", '"INSERT"', "# DELETE\n", "GRAPH", "LOAD", "CLEAR", "ALL", "WITH", "*",
]), min_size=1, max_size=12))
def test_guard_never_misses_what_oxigraph_would_run_as_an_update(parts):
    """Whatever pyoxigraph accepts as an update, the guard flags as one."""
    text = " ".join(parts)
    if all(t.kind == "comment" for t in tokens(text)):
        return  # an empty update does nothing
    store = ox.Store()
    try:
        store.update(text)
    except (SyntaxError, OSError, ValueError):
        return
    assert inspect(text).is_update, text


@pytest.mark.parametrize("escaped,decoded", [
    (r"urn:x\u0041#", "urn:xA#"),
    (r"urn:\U00000023", "urn:#"),
    (r"urn:a\u00E9", "urn:aé"),
    (r"urn:\uZZZZ", r"urn:\uZZZZ"),
    ("urn:plain", "urn:plain"),
])
def test_uchar_escapes_in_iris_are_decoded(escaped, decoded):
    from kg.query.guard import decode_uchars

    assert decode_uchars(escaped) == decoded
    assert [t.kind for t in tokens(f"<{escaped}>")] == (
        ["iri"] if "ZZ" not in escaped else ["other", "pname", "other", "word", "other"])


@pytest.mark.parametrize("text,expected", [
    ("SELECT * WHERE { ?s <urn:a#b> ?o }", None),
    ("SELECT * WHERE { FILTER(1<2) } # '", None),
    ("SELECT * WHERE { FILTER(1<X#>0) \"\"\"\nSERVICE <urn:u> { } \"\"\" }", "SERVICE"),
    ("SELECT * WHERE { FILTER(1<STRLEN('>')) INSERT \"'\" } # \"", "INSERT"),
])
def test_second_reading_of_less_than(text, expected):
    from kg.errors import QueryError
    from kg.query.guard import check_shape

    if expected is None:
        check_shape(text)
        return
    with pytest.raises(QueryError) as e:
        check_shape(text)
    assert f"the query holds {expected}" in e.value.message
