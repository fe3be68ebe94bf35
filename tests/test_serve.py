"""`kg serve`'s pages, over HTTP on loopback: status, content type and key content."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from kg.web.app import create_app
from kg.web.highlight import Span, highlight
from kg.web.server import running

DOC = "000_99214e3abbb71cf3"
HTML = "text/html; charset=utf-8"


@pytest.fixture(scope="module")
def client(built_store):
    with running(create_app(built_store, timeout=30)) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


# --------------------------------------------------------------------------- highlighting

def test_highlight_escapes_and_marks_nested_spans():
    html = highlight("a <b> & c d", [Span(0, 5, "q0-5", "k-fact"), Span(2, 5, "q2-5", "k-claim"),
                                     Span(8, 11, "q8-11", "k-fact")])
    assert html == (
        '<span class="anchor" id="q0-5"></span>'
        '<mark class="hl k-fact" data-q="q0-5" tabindex="0">a </mark>'
        '<span class="anchor" id="q2-5"></span>'
        '<mark class="hl k-claim" data-q="q2-5 q0-5" tabindex="0">&lt;b&gt;</mark> &amp; '
        '<span class="anchor" id="q8-11"></span>'
        '<mark class="hl k-fact" data-q="q8-11" tabindex="0">c d</mark>')


def test_highlight_counts_code_points_not_utf16_units():
    # "😀" is one code point (two UTF-16 units): the quote [2, 5) is "abc"
    text = "😀 abc"
    assert highlight(text, [Span(2, 5, "q2-5", "k-fact")]) == (
        '😀 <span class="anchor" id="q2-5"></span>'
        '<mark class="hl k-fact" data-q="q2-5" tabindex="0">abc</mark>')


def test_highlight_overlapping_spans_and_spans_outside_the_text():
    html = highlight("abcdef", [Span(0, 4, "q0-4", "x"), Span(2, 6, "q2-6", "y"),
                                Span(3, 99, "bad", "z")])
    assert html == (
        '<span class="anchor" id="q0-4"></span><mark class="hl x" data-q="q0-4" tabindex="0">ab'
        '</mark><span class="anchor" id="q2-6"></span><mark class="hl x" data-q="q0-4 q2-6" '
        'tabindex="0">cd</mark><mark class="hl y" data-q="q2-6" tabindex="0">ef</mark>')


# --------------------------------------------------------------------------- pages

def test_index_lists_articles_queries_and_a_search_box(client):
    r = client.get("/")
    assert (r.status_code, r.headers["content-type"]) == (200, HTML)
    assert (f'<a href="/article/{DOC}">Valeriy Dymov on the Istanbul talks between Russia '
            "and Ukraine (News.Az interview)</a>") in r.text
    assert '<a href="/query/talks">talks</a> — Talks and who took part' in r.text
    assert '<form class="search" action="/query/search" method="get">' in r.text
    assert '<input id="search" name="text" type="search"' in r.text
    # the checks are listed apart from the queries
    assert '<li><a href="/query/unsupported-fact-violation">' in r.text


def test_pages_load_nothing_from_elsewhere(client):
    """No CDN, font or script from another host: every src/href is local, and the CSP says so."""
    for path in ("/", f"/article/{DOC}", "/entity/russia", "/query/talks", "/sparql"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "default-src 'self'" in r.headers["content-security-policy"]
        refs = re.findall(r'(?:src|href)="([^"#]*)', r.text)
        assert refs and all(u.startswith("/") or u == "" for u in refs), (path, refs)


def test_static_files_are_packaged(client):
    css = client.get("/static/kg.css")
    js = client.get("/static/reader.js")
    assert (css.status_code, css.headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "mark.k-claim" in css.text and 'closest("mark.hl")' in js.text


def test_article_reader_highlights_every_quote_with_its_triples(client, built_store):
    from kg.store.disk import open_store

    r = client.get(f"/article/{DOC}")
    assert (r.status_code, r.headers["content-type"]) == (200, HTML)
    text = open_store(built_store).oxigraph
    quotes = {(int(row["s"].value), int(row["e"].value)) for row in text.query(
        "SELECT ?s ?e WHERE { GRAPH ?g { ?q <http://www.w3.org/ns/oa#hasSelector> ?p . "
        "?p <http://www.w3.org/ns/oa#start> ?s ; <http://www.w3.org/ns/oa#end> ?e } }")}
    anchors = set(re.findall(r'<span class="anchor" id="q(\d+)-(\d+)"></span>', r.text))
    assert {(int(a), int(b)) for a, b in anchors} == quotes
    # coloured by voice once the build records kg:voice (helper voice), else fact vs claim
    voiced = 'class="hl v-' in r.text
    # the quote "Held in Istanbul" [169, 185) is marked, and its panel shows the fact
    # (first in data-q: the innermost quote; longer quotes around it follow)
    assert re.search('<span class="anchor" id="q169-185"></span><mark class="hl '
                     + ("v-own" if voiced else "k-fact")
                     + '" data-q="q169-185( q[0-9-]+)*" tabindex="0">Held in Istanbul</mark>',
                     r.text)
    panel = r.text[r.text.index('id="sup-q169-185"'):]
    panel = panel[:panel.index("</section>")]
    keys = re.search(r'<ul class="supports-of" data-s="([^"]*)"></ul>', panel).group(1).split()
    items = {k: re.search(rf'<li id="{k}" class="support (fact|claim)">(.*?)</li>', r.text,
                          re.S).group(2) for k in keys}
    held = [k for k, item in items.items() if (
        '<span class="triple"><a href="/entity/istanbul-talks-2025">Istanbul talks between '
        'Russia and Ukraine (2025)</a> · <span title="https://w3id.org/kg/ontology#heldIn">held '
        'in</span> · <a href="/entity/istanbul">Istanbul</a></span>') in item]
    assert len(held) == 1
    # the triple in the list links back to the highlight of its quote
    assert '<a class="to-quote" href="#q169-185">“Held in Istanbul”</a>' in items[held[0]]
    # someone's words (or claims) are coloured apart from the article's, and say who claims
    assert ('class="hl v-speech sp-0"' if voiced else 'class="hl k-claim"') in r.text
    assert re.search(r'<span class="claimant">claimed by <a href="/entity/valeriy-dymov">'
                     r"Valeriy Dymov</a></span>", r.text)


def test_article_text_is_escaped_and_whole(client, article_text):
    r = client.get(f"/article/{DOC}")
    body = r.text[r.text.index('<article class="text" id="text">') + 32:]
    body = body[:body.index("</article>")]
    plain = re.sub(r"<[^>]+>", "", body)
    import html

    assert html.unescape(plain) == article_text


def test_unknown_article_is_404(client):
    r = client.get("/article/no-such-article")
    assert (r.status_code, r.headers["content-type"]) == (404, HTML)
    assert "<p>Error: no article &#39;no-such-article&#39; in the build</p>" in r.text


def test_entity_page_shows_the_profile_with_links(client):
    r = client.get("/entity/russia")
    assert (r.status_code, r.headers["content-type"]) == (200, HTML)
    assert "<h1>Russia</h1>" in r.text
    assert '<img class="graph" src="/graph/russia.svg"' in r.text
    # a fact with its quote, linked to the reader's highlight
    assert re.search(r'<a class="quote-link" href="/article/' + DOC + r'#q480-611">'
                     r"“Russia demanded that Ukrainian forces withdraw", r.text)
    # claims about Russia stay claims, with their claimant
    section = r.text[r.text.index('id="claims-about"'):]
    assert '<a href="/entity/valeriy-dymov">Valeriy Dymov</a>' in section.split("</li>")[0]


def test_entity_by_label_and_unknown_entity(client):
    assert client.get("/entity/T%C3%BCrkiye").status_code == 200
    assert client.get("/entity/kgr:russia").status_code == 200
    r = client.get("/entity/atlantis")
    assert (r.status_code, r.headers["content-type"]) == (404, HTML)
    assert "<p>Error: no entity matches &#39;atlantis&#39;</p>" in r.text


def test_graph_picture_is_svg(client):
    r = client.get("/graph/istanbul-talks-2025.svg")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/svg+xml")
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Istanbul talks between Russia and Ukraine" in r.text
    proposal = client.get("/graph/ceasefire-30-day.svg")
    assert (proposal.status_code, proposal.headers["content-type"]) == (200, "image/svg+xml")
    assert ET.fromstring(proposal.content).tag == "{http://www.w3.org/2000/svg}svg"
    assert ">proposes<" in proposal.text and "Ukraine" in proposal.text
    missing = client.get("/graph/atlantis.svg")
    assert missing.status_code == 404
    assert missing.text.startswith("Error: no entity matches 'atlantis'\nHint: ")


def test_query_page_runs_with_defaults_and_labels(client):
    r = client.get("/query/talks")
    assert (r.status_code, r.headers["content-type"]) == (200, HTML)
    assert ("<thead><tr><th>talks</th><th>place</th><th>participant</th><th>quote</th></tr>"
            "</thead>") in r.text
    assert ('<tr><td><a href="/entity/istanbul-talks-2025">Istanbul talks between Russia and '
            'Ukraine (2025)</a></td><td><a href="/entity/istanbul">Istanbul</a></td><td>'
            '<a href="/entity/russia">Russia</a></td><td>Held in Istanbul</td></tr>') in r.text
    assert '<p class="count">(2 rows)</p>' in r.text


def test_query_page_form_binds_parameters(client):
    r = client.get("/query/positions-of-actor", params={"actor": "Ukraine"})
    assert r.status_code == 200
    assert '<input id="p-actor" name="actor" value="Ukraine" placeholder="kgr:russia">' in r.text
    assert '<a href="/entity/ukraine">Ukraine</a>' in r.text
    search = client.get("/query/search", params={"text": "istanbul"})
    assert '<a href="/entity/istanbul">Istanbul</a>' in search.text


def test_query_page_bad_parameter_is_400_with_the_message(client):
    r = client.get("/query/positions-of-actor", params={"actor": "Atlantis"})
    assert (r.status_code, r.headers["content-type"]) == (400, HTML)
    assert "<p>Error: parameter actor: no resource is labelled &#39;Atlantis&#39;</p>" in r.text
    assert client.get("/query/no-such-query").status_code == 404


def test_unknown_path_is_404(client):
    r = client.get("/nowhere")
    assert (r.status_code, r.headers["content-type"]) == (404, HTML)
    assert "<p>Error: no page at /nowhere</p>" in r.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/", f"/article/{DOC}", "/sparql", "/query/talks"])
def test_read_only_other_methods_are_405(client, method, path):
    r = client.request(method, path)
    assert r.status_code == 405
    assert f"Error: {method} is not allowed on {path}: kg serve is read-only" in r.text


@pytest.mark.parametrize("path", ["/", f"/article/{DOC}", "/entity/russia", "/query/talks"])
def test_post_only_to_sparql(client, path):
    assert client.post(path, data={"query": "ASK {}"}).status_code == 405


def test_other_hosts_are_refused(client):
    """A page of another site cannot read the graph through DNS rebinding."""
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400


def test_templates_and_static_files_are_package_data():
    """`pip install .` carries every template and static file (pyproject's package-data)."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["kg"]
    package = root / "src" / "kg"
    files = [p.relative_to(package).as_posix() for d in ("web/templates", "web/static")
             for p in (package / d).iterdir() if p.is_file()]
    assert len(files) >= 10
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_head_is_get_without_a_body(client):
    r = client.head("/query/talks")
    assert (r.status_code, r.headers["content-type"], r.content) == (200, HTML, b"")


def test_pages_are_cached_and_the_cache_is_bounded(client):
    from kg.web.cache import PageCache

    first, second = client.get("/query/talks"), client.get("/query/talks")
    assert first.content == second.content
    cache = PageCache(limit=100)
    cache.put("/a", b"200" + b"a" * 20)
    cache.put("/b", b"200" + b"b" * 20)
    assert cache.get("/a") is not None  # /a is now the most recently used
    cache.put("/c", b"200" + b"c" * 20)
    cache.put("/d", b"200" + b"d" * 20)
    cache.put("/e", b"200" + b"e" * 20)
    assert (cache.get("/b"), cache.get("/a") is not None, cache.size) == (None, True, 92)
    cache.put("/big", b"200" + b"x" * 30)  # over a quarter of the limit: never kept
    assert cache.get("/big") is None
