"""The seed article is kept byte for byte, with its metadata beside it."""

import hashlib

from conftest import ARTICLE, SEEDS

from kg.read.annotations import load_annotations

SHA256 = "3c72b15ee6196dcb4ebe202723d22daf6ce0fecfe21eff1b035a57c3b8be027b"


def test_seed_is_byte_identical():
    assert hashlib.sha256(ARTICLE.read_bytes()).hexdigest() == SHA256


def test_metadata_sidecar():
    meta = load_annotations(SEEDS / "000_99214e3abbb71cf3.yaml").document
    assert meta.publisher.text == "news-az"
    assert meta.published.text == "2025-05-20"
    assert meta.language == "en"
    assert meta.title


def test_document_in_evidence_graph(dataset):
    q = """
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX kg: <https://w3id.org/kg/ontology#>
    SELECT ?date ?lang ?publisher ?sha WHERE {
      ?doc a kg:NewsArticle ; dcterms:date ?date ; dcterms:language ?lang ;
           dcterms:publisher ?publisher ; kg:sha256 ?sha . }"""
    rows = [tuple(str(v) for v in r) for r in dataset.graph("evidence").query(q)]
    assert rows == [("2025-05-20", "en", "https://w3id.org/kg/id/news-az", SHA256)]


def test_header_debris_is_not_prose(dataset, article_text):
    """Only the date is taken from the page-debris header line."""
    header_end = article_text.index("\n", 1)
    assert article_text[:header_end] == " date 2025-05-20 + ↺ − 16 px"
    date = article_text.index("2025-05-20")
    inside = {(s.start, s.end) for s in dataset.mapped.spans if s.start < header_end}
    assert inside <= {(date, date + len("2025-05-20"))}
