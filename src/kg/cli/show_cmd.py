from __future__ import annotations

import json

import click

from kg.cli.common import emit, open_session
from kg.cli.options import format_option, output_option, store_option

FORMATS = ["text", "markdown", "json"]


@click.command("show")
@click.argument("entity")
@format_option(FORMATS, help="Output format [default: text, or from -o's extension: .md, "
                        ".json, .txt].")
@output_option
@store_option
def command(entity, fmt, output, store_dir):
    """Show everything the graph says about ENTITY, each item with its quotes.

    ENTITY is a label, an alias, a record id, a prefixed name or an IRI;
    labels and aliases match case- and accent-insensitively ("turkiye",
    "TÜRKIYE" and "Türkiye" are one). It shows the entity's types, labels
    and aliases; its facts in and out (asserted ones with their quotes and
    [start, end) offsets; background and inferred ones marked so); the
    positions it holds or is the target of; the claims it makes and the
    claims about it, with the claimant (claims are never facts); and the
    events it takes part in, with their time and place. Nothing matches:
    exit status 1, with close names as suggestions; a name shared by
    several entities: exit status 2, with the candidates.

    \b
    Examples:
      kg show Türkiye
      kg show kgr:istanbul-talks-2025 --format markdown
      kg show "valeriy dymov" --format json -o dymov.json
    """
    fmt = fmt or _format_for(output)
    found = open_session(store_dir).show(entity)
    text = {"text": to_text, "markdown": to_markdown, "json": to_json}[fmt](found)
    emit(text, output, None)


def _format_for(output) -> str:
    if output is None:
        return "text"
    name = output.name.lower()
    for ext, fmt in ((".md", "markdown"), (".json", "json"), (".txt", "text")):
        if name.endswith(ext):
            return fmt
    from kg.errors import UsageError

    raise UsageError(f"cannot tell the format from {output.name!r}",
                     hint="pass --format text, markdown or json")


# --------------------------------------------------------------------------- rendering


def _short(iri: str) -> str:
    from kg import namespaces as ns

    return ns.shorten(iri)


def _name(p, iri: str) -> str:
    """``label (prefixed name)``, or the prefixed name alone when it has no label."""
    label = p.names.get(iri)
    return f"{label} ({_short(iri)})" if label else _short(iri)


def _pred(p, iri: str) -> str:
    return p.names.get(iri) or _short(iri)


def _term(p, t) -> str:
    if t.kind == "iri":
        return _name(p, t.value)
    if t.kind == "bnode":
        return "_:" + t.value
    if t.datatype is None:
        return json.dumps(t.value, ensure_ascii=False) + (f"@{t.language}" if t.language else "")
    return t.value


def _quote(q) -> str:
    return f"“{q.text}” [{q.start}, {q.end}) in {_short(q.document)}"


def _sections(p) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(heading, [(line, [quote lines])]) for each part of the profile, in order."""
    out = []
    asserted = [f for f in p.facts_out if f.graph == "asserted"]
    asserted_in = [f for f in p.facts_in if f.graph == "asserted"]
    facts = [(f"{_pred(p, f.predicate)} → {_term(p, f.object)}", [_quote(q) for q in f.quotes])
             for f in asserted]
    facts += [(f"{_term(p, f.subject)} {_pred(p, f.predicate)} → this",
               [_quote(q) for q in f.quotes]) for f in asserted_in]
    out.append(("Facts the articles state", facts))
    other = [(f"[{f.graph}] {_pred(p, f.predicate)} → {_term(p, f.object)}", [])
             for f in p.facts_out if f.graph != "asserted"]
    other += [(f"[{f.graph}] {_term(p, f.subject)} {_pred(p, f.predicate)} → this", [])
              for f in p.facts_in if f.graph != "asserted"]
    out.append(("Background and inferred facts (kg explain shows why)", other))
    out.append(("Positions", [
        (f"{_name(p, x.holder)} {_pred(p, x.stance)} {_name(p, x.target)}"
         + (f", expressed in {_name(p, x.expressed_in)}" if x.expressed_in else "")
         + f" — {_short(x.iri)}", [_quote(q) for q in x.quotes]) for x in p.positions]))
    parts = [("Claims it makes", p.claims_by), ("Claims about it", p.claims_about)]
    if p.claims_reported:
        parts.append(("What others report it said (their claims, not its own)",
                      p.claims_reported))
    for heading, claims in parts:
        items = []
        for c in claims:
            who = ", ".join(_name(p, w) for w in c.claimant or c.reported_by) or "(no claimant)"
            said = json.dumps(c.label or _short(c.iri), ensure_ascii=False)
            if c.reported_speaker:
                verb = ", ".join(_pred(p, a) for a in c.speech_act) or "says"
                said = (", ".join(_name(p, w) for w in c.reported_speaker)
                        + f" ({verb}): " + said)
            line = f"according to {who}: {said} — {_short(c.iri)}"
            details = []
            if c.about:
                details.append("about: " + "; ".join(_name(p, a) for a in c.about))
            if c.stated_in:
                details.append("stated in: " + "; ".join(_name(p, s) for s in c.stated_in))
            for x in c.propositions:
                details.append(f"content (not a fact): {_term(p, x.subject)} "
                               f"{_pred(p, x.predicate)} {_term(p, x.object)}")
            items.append((line, details + [_quote(q) for q in c.quotes]))
        out.append((heading, items))
    events = []
    for e in p.events:
        qualifiers = [_pred(p, q) if q.startswith(("http://", "https://")) else q
                      for q in e.qualifiers]
        when = " ".join(qualifiers + [t.value for t in e.dates]) or (
            "no later than " + " ".join(t.value for t in e.not_later_than)
            if e.not_later_than else "undated")
        if e.modality:
            when += " (" + ", ".join(_pred(p, m) for m in e.modality) + ")"
        where = "; ".join(_name(p, x) for x in e.places)
        how = ", ".join(_pred(p, r) for r in e.relations)
        events.append((f"{when}: {_name(p, e.iri)}" + (f", in {where}" if where else "")
                       + f" — {how}", [_quote(q) for q in e.quotes]))
    out.append(("Events", events))
    return out


def _head(p) -> list[str]:
    lines = [_name(p, p.iri)]
    if p.labels:
        lines.append("labels: " + "; ".join(p.labels))
    if p.aliases:
        lines.append("aliases: " + "; ".join(p.aliases))
    stated = [t for t, g in p.types if g != "inferred"]
    inferred = [t for t, g in p.types if g == "inferred"]
    if stated:
        lines.append("a " + "; ".join(_name(p, t) for t in stated))
    if inferred:
        lines.append("inferred: a " + "; ".join(_name(p, t) for t in inferred))
    return lines


def to_text(p) -> str:
    lines = _head(p)
    for heading, items in _sections(p):
        lines.append("")
        lines.append(f"{heading} ({len(items)})" if items else f"{heading}: none")
        for line, quotes in items:
            lines.append("  " + line)
            lines.extend("    " + q for q in quotes)
    return "\n".join(lines) + "\n"


def to_markdown(p) -> str:
    head = _head(p)
    lines = [f"# {_md(head[0])}", ""] + [f"- {_md(x)}" for x in head[1:]]
    for heading, items in _sections(p):
        lines += ["", f"## {heading} ({len(items)})", ""]
        if not items:
            lines.append("None.")
        for line, quotes in items:
            lines.append(f"- {_md(line)}")
            lines.extend(f"  - {_md(q)}" for q in quotes)
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    """``s`` on one line, with the characters Markdown would act on escaped."""
    import re

    for c in "\\`*<>|":
        s = s.replace(c, "\\" + c)
    s = re.sub(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])", r"\\_", s)  # not inside words
    s = s.replace("](", "]\\(")
    return " ".join(s.split())


def to_json(p) -> str:
    return json.dumps(p.as_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
