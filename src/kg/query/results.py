"""Rendering result sets: table, csv, tsv, json, jsonl, markdown; graphs as RDF.

``json`` is the W3C SPARQL 1.1 Query Results JSON format, ``csv``/``tsv``
the W3C SPARQL 1.1 CSV/TSV formats; ``table`` and ``markdown`` are for
people (labels instead of IRIs unless asked, a row count at the end).
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from kg import namespaces as ns
from kg.errors import UsageError
from kg.interop.export import FORMATS as RDF_FORMATS
from kg.query.querying import ResultSet
from kg.visible import visible

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
GRAPH_FORMATS = tuple(RDF_FORMATS)  # CONSTRUCT / DESCRIBE results: any export format
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl",
              ".md": "markdown", ".txt": "table", ".ttl": "turtle", ".nt": "ntriples",
              ".nq": "nquads", ".trig": "trig", ".jsonld": "jsonld", ".rdf": "rdfxml",
              ".owl": "rdfxml", ".xml": "rdfxml"}


def format_for_path(path: str) -> str | None:
    for ext, fmt in EXTENSIONS.items():
        if path.lower().endswith(ext):
            return fmt
    return None


def term_json(term) -> dict | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):  # an RDF 1.2 triple term (SPARQL 1.2 results JSON)
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    d = {"type": "literal", "value": term.value}
    if term.language:
        d["xml:lang"] = term.language
    elif term.datatype.value != ns.XSD + "string":
        d["datatype"] = term.datatype.value
    return d


def _plain(term, names: dict[str, str] | None, iris: bool) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        if not iris and names and term.value in names:
            return names[term.value]
        return ns.shorten(term.value) if not iris else term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return "<<( " + " ".join(_plain(t, names, iris) for t in term) + " )>>"
    return term.value


def _term_text(term) -> str:
    """A term as N-Triples text; a triple term as ``<<( s p o )>>`` (RDF 1.2)."""
    if isinstance(term, ox.Triple):
        return "<<( " + " ".join(_term_text(t) for t in term) + " )>>"
    return str(term)


def render(result: ResultSet, fmt: str, *, names: dict[str, str] | None = None,
           iris: bool = False, width: int = 80) -> str:
    if result.kind == "graph":
        return render_graph(result.triples, fmt if fmt in GRAPH_FORMATS else "turtle")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "json":
        return json.dumps({
            "head": {"vars": result.variables},
            "results": {"bindings": [
                {v: term_json(t) for v, t in zip(result.variables, row, strict=True)
                 if t is not None} for row in result.rows]},
        }, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps({v: term_json(t) for v, t in zip(result.variables, row,
                                                                     strict=True)},
                                  ensure_ascii=False) + "\n" for row in result.rows)
    if fmt in ("csv", "tsv"):
        return _delimited(result, fmt)
    cells = [[visible(_plain(t, names, iris)) for t in row] for row in result.rows]
    if fmt == "markdown":
        return _markdown(result.variables, cells)
    if fmt == "table":
        return table(result.variables, cells, width)
    raise UsageError(f"unknown output format {fmt!r}", hint="one of " + ", ".join(FORMATS))


def _delimited(result: ResultSet, fmt: str) -> str:
    buf = io.StringIO()
    if fmt == "csv":
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.variables)
        for row in result.rows:
            w.writerow(["" if t is None else ("_:" + t.value if isinstance(t, ox.BlankNode)
                                              else _term_text(t) if isinstance(t, ox.Triple)
                                              else t.value) for t in row])
        return buf.getvalue()
    buf.write("\t".join("?" + v for v in result.variables) + "\n")
    for row in result.rows:
        buf.write("\t".join("" if t is None else _term_text(t) for t in row) + "\n")
    return buf.getvalue()


def _markdown(variables: list[str], cells: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(variables) + " |", "|" + "---|" * len(variables)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


def wrap_cell(s: str, width: int) -> list[str]:
    """``s`` (whitespace runs collapsed) in lines of at most ``width`` characters.

    Lines break between words; a word longer than a line is split across
    lines. Nothing is cut: joining the lines gives back every character.
    """
    width = max(width, 1)
    out: list[str] = []
    line = ""
    for word in s.split():
        if line and len(line) + 1 + len(word) <= width:
            line += " " + word
            continue
        if line:
            out.append(line)
        while len(word) > width:
            out.append(word[:width])
            word = word[width:]
        line = word
    out.append(line)
    return out


def table(variables: list[str], cells: list[list[str]], width: int = 80,
          keep: tuple[int, ...] = ()) -> str:
    """A plain-text table that fits ``width`` columns: long cells wrap, never cut.

    The widest columns give up space first, down to their longest word, then
    below it; columns whose index is in ``keep`` only once the others are
    down to 4 characters. When a row takes
    more than one line, rows are separated by an empty line.
    """
    n = len(variables)
    if n == 0:
        return f"({len(cells)} row{'s' if len(cells) != 1 else ''})\n"
    # Each cell's whitespace collapsed once, for its width and for wrapping.
    flat = [[" ".join(c.split()) for c in r] for r in cells]
    natural = [max([len(v)] + [len(r[i]) for r in flat]) for i, v in enumerate(variables)]
    avail = max(width - 3 * (n - 1), n * 4)
    # first down to each column's longest word (no word split), then further
    longest = [max([len(w) for r in flat for w in r[i].split()] + [len(v)])
               for i, v in enumerate(variables)]
    widths = list(natural)
    while sum(widths) > avail:
        shrinkable = ([k for k in range(n) if k not in keep and widths[k] > max(longest[k], 4)]
                      or [k for k in range(n) if k not in keep and widths[k] > 4]
                      or list(range(n)))
        i = max(shrinkable, key=lambda k: widths[k])
        if widths[i] <= 1:
            break
        widths[i] -= 1
    sep = "   "

    def block(row: list[str]) -> list[str]:
        if all(len(c) <= w for c, w in zip(row, widths, strict=True)):
            return [sep.join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()]
        parts = [wrap_cell(c, w) for c, w in zip(row, widths, strict=True)]
        height = max(len(p) for p in parts)
        return [sep.join((p[k] if k < len(p) else "").ljust(w)
                         for p, w in zip(parts, widths, strict=True)).rstrip()
                for k in range(height)]

    body = [block(r) for r in flat]
    spaced = any(len(b) > 1 for b in body)
    lines = block(list(variables)) + [sep.join("-" * w for w in widths)]
    for k, b in enumerate(body):
        if spaced and k:
            lines.append("")
        lines.extend(b)
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def render_graph(triples, fmt: str) -> str:
    from kg.interop.export import serialize_triples

    return serialize_triples(triples, fmt).decode("utf-8")
