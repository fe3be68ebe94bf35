"""Facts and claims in the seed annotation (issue 4).

What the article says in its own voice is asserted; what a person says is a
kg:Claim whose content (kg:proposition) is never asserted or inferred.
Historical analogies are kept apart, identifiers are only the checked ones,
dates and numbers are typed, and every quote slices the article to its words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import SKOS

from kg.build import build_in_memory

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE = "000_99214e3abbb71cf3"
KG = "https://w3id.org/kg/ontology#"
KGR = "https://w3id.org/kg/id/"
KGC = "https://w3id.org/kg/concept/"
OA = "http://www.w3.org/ns/oa#"
WD = "http://www.wikidata.org/entity/"


def kg(x):
    return URIRef(KG + x)


def r(x):
    return URIRef(KGR + x)


def c(x):
    return URIRef(KGC + x)


@pytest.fixture(scope="module")
def dataset():
    return build_in_memory(SEEDS)


@pytest.fixture(scope="module")
def asserted(dataset):
    return dataset.graph("asserted")


@pytest.fixture(scope="module")
def union(dataset):
    return dataset.union()


@pytest.fixture(scope="module")
def text():
    return (SEEDS / f"{ARTICLE}.txt").read_text(encoding="utf-8")


def claims(g):
    """The attributed claims: each has a claimant (reported claims are their content)."""
    return set(g.subjects(RDF.type, kg("Claim"))) - set(g.subjects(RDF.type, kg("ReportedClaim")))


def reported_claims(g):
    return set(g.subjects(RDF.type, kg("ReportedClaim")))


def content(g, claim):
    """The (subject, predicate, object) propositions of a claim."""
    return {(g.value(p, RDF.subject), g.value(p, RDF.predicate), g.value(p, RDF.object))
            for p in g.objects(claim, kg("proposition"))}


# --- evidence -------------------------------------------------------------

def test_every_quote_slices_the_article_to_its_words(union, text):
    selectors = list(union.subjects(RDF.type, URIRef(OA + "TextPositionSelector")))
    assert len(selectors) > 100
    for pos in selectors:
        start = int(union.value(pos, URIRef(OA + "start")))
        end = int(union.value(pos, URIRef(OA + "end")))
        exact = union.value(URIRef(str(pos)[: -len("-pos")] + "-text"), URIRef(OA + "exact"))
        assert text[start:end] == str(exact)


def test_every_asserted_triple_is_supported_by_a_quote(asserted, union):
    supported = set()
    for st in union.subjects(RDF.type, RDF.Statement):
        anns = list(union.subjects(kg("supportsStatement"), st))
        if any(union.value(a, URIRef(OA + "hasTarget")) is not None for a in anns):
            supported.add((union.value(st, RDF.subject), union.value(st, RDF.predicate),
                           union.value(st, RDF.object)))
    missing = [t for t in asserted if t not in supported]
    assert missing == []


# --- claims ----------------------------------------------------------------

def test_every_claim_has_claimant_statement_and_subjects(asserted):
    found = claims(asserted)
    assert len(found) >= 60
    for claim in found:
        assert asserted.value(claim, kg("claimant")) is not None, claim
        stated = asserted.value(claim, kg("statedIn"))
        assert stated is not None, claim
        assert {(stated, RDF.type, kg(k)) for k in ("Statement", "Interview",
                                                    "CommunicationEvent")} & set(asserted), claim
        assert list(asserted.objects(claim, kg("about"))), claim


def test_reported_claims_are_the_content_of_a_claim(asserted):
    """X says that Y said ...: the inner claim has no claimant, only a reported speaker."""
    found = reported_claims(asserted)
    assert len(found) >= 10
    for rc in found:
        outer = list(asserted.subjects(kg("reports"), rc))
        assert len(outer) == 1, rc
        assert asserted.value(rc, kg("claimant")) is None, rc
        assert asserted.value(rc, kg("speechAct")) is not None, rc
        assert content(asserted, rc), rc


def test_at_least_90_percent_of_claims_are_structured(asserted):
    found = claims(asserted)
    structured = {cl for cl in found
                  if (cl, kg("proposition"), None) in asserted or (cl, kg("reports"), None)
                  in asserted}
    assert len(found) == 72
    assert found - structured == {r("claim-medinsky-warnings")}  # its content is not reported


def test_nested_speech_trump_calls_putin_a_great_guy(asserted, union):
    outer = r("claim-dymov-trump-calls-putin-great-guy")
    rc = asserted.value(outer, kg("reports"))
    assert asserted.value(outer, kg("claimant")) == r("valeriy-dymov")
    assert asserted.value(rc, kg("reportedSpeaker")) == r("donald-trump")
    assert asserted.value(rc, kg("speechAct")) == c("calls")
    assert content(asserted, rc) == {
        (r("vladimir-putin"), kg("characterisedAs"), Literal("a great guy", lang="en"))}
    # the graph never says that Trump made a claim or is a speaker
    assert (r("donald-trump"), kg("makesClaim"), None) not in union
    assert (r("donald-trump"), RDF.type, kg("Speaker")) not in union


def test_blame_is_nested_in_the_claim_that_reports_it(asserted):
    rc = asserted.value(r("claim-dymov-trump-blames-biden"), kg("reports"))
    assert asserted.value(rc, kg("speechAct")) == c("blames")
    assert content(asserted, rc) == {
        (r("joe-biden"), kg("responsibleFor"), r("alleged-collapse"))}
    rc = asserted.value(r("claim-dymov-orban-blames-brussels"), kg("reports"))
    assert set(asserted.objects(rc, kg("reportedSpeaker"))) == {
        r("viktor-orban"), r("trump-aligned-figures")}
    assert {s for s, p, o in content(asserted, rc)} == {
        r("european-union"), r("nato"), r("western-leaders")}


def test_trumps_instruction_and_pivot(asserted):
    outer = r("claim-dymov-trump-pivoted")
    rc = asserted.value(outer, kg("reports"))
    assert asserted.value(rc, kg("speechAct")) == c("instructs")
    assert content(asserted, rc) == {
        (r("volodymyr-zelenskyy"), kg("negotiatesWith"), r("vladimir-putin"))}
    got = content(asserted, outer)
    assert (r("pos-trump-supports-us-plan"), kg("supersededBy"), r("pos-trump-direct-talks")) \
        in got
    assert (r("pos-trump-supports-us-plan"), kg("stance"), c("supports")) in got
    # a superseded stance gets no present-tense shortcut, even as content
    assert (r("donald-trump"), kg("supports"), r("us-led-peace-plan")) not in got
    assert (r("donald-trump"), kg("proposes"), r("zelenskyy-putin-talks")) in got


@pytest.mark.parametrize("resource", [
    "russian-escalation", "ukrainian-liberation-offensives", "european-ultimatum",
    "russia-counter-demands", "russia-demands-2022", "us-led-peace-plan",
    "great-northern-war", "pruth-campaign", "crimean-war", "donald-trump-us-president",
    "viktoria-roshchyna-journalist",
])
def test_things_only_dymov_mentions_exist_only_in_his_claims(asserted, union, resource):
    """Not a world event, proposal or role: typed and labelled only inside claim content."""
    assert (r(resource), None, None) not in union
    typed = [(cl, o) for cl in claims(asserted) | reported_claims(asserted)
             for s, p, o in content(asserted, cl) if s == r(resource) and p == RDF.type]
    assert typed, resource
    for cl, _ in typed:
        owner = asserted.value(cl, kg("claimant")) or asserted.value(
            next(asserted.subjects(kg("reports"), cl)), kg("claimant"))
        assert owner == r("valeriy-dymov"), cl


def test_agreed_is_not_done(asserted, union):
    """The agreement happened; the exchange and further dialogue it provides for did not yet."""
    for act in ("prisoner-exchange-2025", "continued-dialogue"):
        assert (r(act), kg("modality"), c("planned")) in asserted
        assert (r(act), RDF.type, kg("PlannedEvent")) in union
        assert (r(act), kg("participant"), None) not in union
        assert set(asserted.objects(r(act), kg("committedParty"))) == {r("russia"), r("ukraine")}
        assert (r("russia"), kg("participatesIn"), r(act)) not in union
    assert (r("russia"), kg("participatesIn"), r("istanbul-agreement-2025")) in union


def test_article_judgements_are_claims_of_the_publisher(asserted):
    judgements = {cl for cl in claims(asserted)
                  if asserted.value(cl, kg("claimant")) == r("news-az")}
    assert {str(cl)[len(KGR):] for cl in judgements} == {
        "claim-newsaz-cautious-optimism", "claim-newsaz-symbolic-agreement",
        "claim-newsaz-ceasefire-hopes-dim", "claim-newsaz-uncompromising-stance",
        "claim-newsaz-narrow-opportunity"}
    for cl in judgements:
        assert asserted.value(cl, kg("statedIn")) == r("newsaz-report-2025")


def test_naming_the_west_and_witkoff(asserted):
    assert (r("steve-witkoff"), SKOS.altLabel, Literal("Vitkov", lang="en")) in asserted
    rc = asserted.value(r("claim-dymov-orban-blames-brussels"), kg("reports"))
    assert r("western-leaders") in {s for s, p, o in content(asserted, rc)}
    said = content(asserted, r("claim-dymov-west-wants-to-save-face"))
    assert {s for s, p, o in said} == {r("the-west")}
    assert (r("western-allies"), RDFS.label, Literal("Ukraine's Western allies", lang="en")) \
        in asserted


def test_dymovs_claims_are_stated_in_the_interview(asserted):
    dymov = {cl for cl in claims(asserted)
             if asserted.value(cl, kg("claimant")) == r("valeriy-dymov")}
    assert len(dymov) >= 50
    assert {asserted.value(cl, kg("statedIn")) for cl in dymov} == {
        r("newsaz-dymov-interview")}
    assert (r("newsaz-dymov-interview"), kg("interviewee"), r("valeriy-dymov")) in asserted
    assert (r("newsaz-dymov-interview"), kg("publishedBy"), r("news-az")) in asserted


def test_claims_by_others_are_stated_in_their_statements(asserted):
    got = sorted(
        (str(cl)[len(KGR):], str(asserted.value(cl, kg("claimant")))[len(KGR):],
         str(asserted.value(cl, kg("statedIn")))[len(KGR):],
         str(asserted.value(asserted.value(cl, kg("statedIn")), kg("speaker")))[len(KGR):])
        for cl in claims(asserted)
        if asserted.value(cl, kg("claimant")) not in (r("valeriy-dymov"), r("news-az")))
    assert got == [
        ("claim-experts-meaningful-gestures", "unnamed-experts", "experts-comments-2025",
         "unnamed-experts"),
        ("claim-fidan-both-sides-open-to-talks", "hakan-fidan", "fidan-statement-2025",
         "hakan-fidan"),
        ("claim-medinsky-warnings", "vladimir-medinsky", "medinsky-statements-2025",
         "vladimir-medinsky"),
        ("claim-ukraine-terms-detached-from-reality", "ukraine", "kyiv-statement-2025",
         "ukraine"),
    ]


def test_no_proposition_is_asserted_on_a_claims_word(dataset, union):
    """A proposition's triple is a fact only when the article's own voice says it too."""
    props = list(union.subjects(RDF.type, kg("Proposition")))
    assert len(props) >= 30
    for p in props:
        triple = (union.value(p, RDF.subject), union.value(p, RDF.predicate),
                  union.value(p, RDF.object))
        assert None not in triple
        assert triple not in dataset.graph("background")
        if triple not in dataset.graph("asserted"):
            continue
        bodies = {union.value(ann, URIRef(OA + "hasBody"))
                  for st in union.subjects(RDF.type, RDF.Statement)
                  if (union.value(st, RDF.subject), union.value(st, RDF.predicate),
                      union.value(st, RDF.object)) == triple
                  for ann in union.subjects(kg("supportsStatement"), st)}
        assert any((b, RDF.type, kg("Claim")) not in union for b in bodies), triple


@pytest.mark.parametrize("triple", [
    (r("vladimir-medinsky"), kg("leads"), r("russian-delegation")),
    (r("united-states"), kg("proposes"), r("ceasefire-30-day")),
    (r("russia"), kg("rejects"), r("ceasefire-30-day")),
    (r("ceasefire-30-day"), kg("scope"), c("land")),
    (r("istanbul-talks-2022"), kg("heldIn"), r("istanbul")),
    (r("istanbul-talks-2025"), kg("comparedWith"), r("istanbul-talks-2022")),
    (r("russia"), kg("openTo"), r("continued-dialogue")),
    (r("donald-trump"), kg("supports"), r("istanbul-talks-2025")),
])
def test_what_people_say_is_claimed_not_asserted(dataset, union, triple):
    assert triple not in union
    s, p, o = triple
    found = [cl for prop in union.subjects(RDF.subject, s)
             if union.value(prop, RDF.predicate) == p and union.value(prop, RDF.object) == o
             for cl in union.subjects(kg("proposition"), prop)]
    assert found, f"no claim carries {triple}"


@pytest.mark.parametrize("triple", [
    (r("istanbul-talks-2025"), kg("heldIn"), r("istanbul")),
    (r("istanbul-talks-2025"), kg("participant"), r("russia")),
    (r("istanbul-talks-2025"), kg("participant"), r("ukraine")),
    (r("istanbul-talks-2025"), kg("eventType"), c("cameo-046")),
    (r("turkiye"), kg("mediates"), r("istanbul-talks-2025")),
    (r("ukraine"), kg("proposes"), r("ceasefire-30-day")),
    (r("western-allies"), kg("proposes"), r("ceasefire-30-day")),
    (r("russia"), kg("demands"), r("russia-demand-withdrawal")),
    (r("ukraine"), kg("rejects"), r("russia-demand-recognition")),
    (r("hakan-fidan"), kg("hasRole"), r("hakan-fidan-foreign-minister")),
    (r("prisoner-exchange-2025"), kg("eventType"), c("cameo-0841")),
    (r("news-az"), kg("basedIn"), r("azerbaijan")),
    (r("four-regions"), kg("quantity"), Literal(4, datatype=XSD.integer)),
    (r("keith-kellogg"), kg("formerRole"), r("keith-kellogg-general")),
])
def test_what_the_article_reports_is_asserted(asserted, triple):
    assert triple in asserted


def test_the_interview_lead_ins_are_facts_but_speech_is_claimed(asserted, union, text):
    """Spans of Dymov's claims all lie in his speech or in reported speech."""
    for cl in claims(asserted):
        if asserted.value(cl, kg("claimant")) != r("valeriy-dymov"):
            continue
        for ann in union.subjects(URIRef(OA + "hasBody"), cl):
            for q in union.objects(ann, URIRef(OA + "hasTarget")):
                exact = str(union.value(
                    URIRef(str(q) + "-text"), URIRef(OA + "exact")))
                start = int(union.value(URIRef(str(q) + "-pos"), URIRef(OA + "start")))
                line_start = text.rfind("\n", 0, start) + 1
                line = text[line_start:text.find("\n", start)]
                reported = ("noted that", "Dymov said", "Dymov emphasized")
                assert line.startswith("“") or line.endswith("”") or \
                    any(w in line for w in reported), exact


# --- time, quantity, identity ----------------------------------------------

def test_dates_are_typed_with_their_precision(asserted):
    assert (r("istanbul-talks-2022"), kg("date"), Literal("2022", datatype=XSD.gYear)) \
        in asserted
    assert (r("istanbul-talks-2022"), kg("dateQualifier"), c("early")) in asserted
    # the Pruth Campaign exists only in Dymov's claim: its date is claim content
    assert (r("pruth-campaign"), kg("date"), Literal("1711", datatype=XSD.gYear)) in \
        content(asserted, r("claim-dymov-pruth-campaign"))
    # the interview's date is not in the text (the page banner dates the report):
    # it is bounded by the publication date, like every undated reported event
    assert (r("newsaz-dymov-interview"), kg("date"), None) not in asserted
    assert (r("newsaz-report-2025"), kg("date"), Literal("2025-05-20", datatype=XSD.date)) \
        in asserted
    bounded = {str(s)[len(KGR):] for s in asserted.subjects(
        kg("notLaterThan"), Literal("2025-05-20", datatype=XSD.date))}
    assert {"istanbul-talks-2025", "istanbul-agreement-2025", "newsaz-dymov-interview",
            "russia-ukraine-war"} <= bounded
    assert not bounded & {"prisoner-exchange-2025", "continued-dialogue", "istanbul-talks-2022",
                          "newsaz-report-2025"}
    march = [p for p in asserted.subjects(RDF.subject, r("istanbul-talks-2022"))
             if asserted.value(p, RDF.predicate) == kg("date")]
    assert [asserted.value(p, RDF.object) for p in march] == [
        Literal("2022-03", datatype=XSD.gYearMonth)]


def test_numbers_and_durations_are_typed(asserted):
    assert (r("prisoner-exchange-2025"), kg("numberOfPrisoners"),
            Literal(1000, datatype=XSD.integer)) in asserted
    assert (r("ceasefire-30-day"), kg("duration"), Literal("P30D", datatype=XSD.duration)) \
        in asserted
    assert (r("ceasefire-30-day"), kg("unconditional"), Literal(True)) in asserted


def _reference_qids():
    out = {}
    for line in (SEEDS / "reference" / "wikidata.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 2 and cols[1].startswith("Q"):
            out[cols[1]] = cols[0]
    return out


def test_wikidata_links_only_from_the_reference_table(dataset):
    bg = dataset.graph("background")
    links = {str(s)[len(KGR):]: str(o)[len(WD):] for s, o in bg.subject_objects(SKOS.exactMatch)}
    ref = _reference_qids()
    assert set(links.values()) <= set(ref)
    assert links["russia"] == "Q159" and links["turkiye"] == "Q43"
    assert links["istanbul"] == "Q406" and links["donald-trump"] == "Q22686"
    for unlinked in ("steve-witkoff", "hakan-fidan", "vladimir-medinsky", "keith-kellogg",
                     "valeriy-dymov", "news-az"):
        assert unlinked not in links
    # every entity of the reference table that the article names is linked, except
    # Ankara: "looking to Ankara" is metonymy for Türkiye, so there is no city record
    assert set(ref) - set(links.values()) == {"Q3640"}


def test_historical_analogies_are_kept_apart(asserted):
    historical = set(asserted.subjects(RDF.type, kg("HistoricalEvent")))
    # the others (Great Northern War, Pruth Campaign, Crimean War) exist only in
    # Dymov's claims: see test_things_only_dymov_mentions_exist_only_in_his_claims
    assert {str(h)[len(KGR):] for h in historical} == {"istanbul-talks-2022"}
    for h in historical:
        for reported in ("Negotiation", "War", "MilitaryAction"):
            if h != r("istanbul-talks-2022"):
                assert (h, RDF.type, kg(reported)) not in asserted
        assert (h, kg("heldIn"), None) not in asserted
    assert (r("istanbul-talks-2025"), RDF.type, kg("HistoricalEvent")) not in asserted


def test_metonymy_cities_never_act(union):
    cities = set(union.subjects(RDF.type, kg("City")))
    assert {str(x)[len(KGR):] for x in cities} == {"istanbul", "jeddah", "kharkiv", "kyiv"}
    acting = [kg(p) for p in ("claimant", "speaker", "holder", "participant", "proposes",
                              "demands", "rejects", "mediates")]
    for city in cities:
        assert (city, RDF.type, kg("Actor")) not in union
        for p in acting:
            assert (None, p, city) not in union and (city, p, None) not in union
    assert (r("kyiv-statement-2025"), kg("speaker"), r("ukraine")) in union


def test_event_types_are_cameo_concepts_on_events(union):
    pairs = list(union.subject_objects(kg("eventType")))
    assert len(pairs) >= 8
    for s, o in pairs:
        assert str(o).startswith(KGC + "cameo-")
        assert (s, RDF.type, kg("Event")) in union, s


def test_positions_have_holder_stance_target_and_shortcut(asserted):
    shortcut = {"proposes": "proposes", "demands": "demands", "rejects": "rejects"}
    positions = list(asserted.subjects(RDF.type, kg("Position")))
    assert len(positions) == 6
    for pos in positions:
        holder = asserted.value(pos, kg("holder"))
        stance = asserted.value(pos, kg("stance"))
        target = asserted.value(pos, kg("target"))
        assert None not in (holder, stance, target)
        assert (holder, kg(shortcut[str(stance)[len(KGC):]]), target) in asserted


def test_every_record_has_a_label(asserted):
    for s in set(asserted.subjects(RDF.type, None)):
        if (s, RDF.type, kg("Proposition")) in asserted:
            continue
        assert asserted.value(s, RDFS.label) is not None, s
