"""A picture of the graph around one entity: who proposes, supports, rejects, takes part, mediates.

:func:`neighbourhood` collects, with SPARQL on the built store, the actors,
proposals, positions and events around an entity and the relations between
them: stances (through positions: holder -> position -> target, labelled with
the stance; or the stance properties themselves), participation and
mediation. What the articles state is drawn solid; what someone only claims
(the stances and roles inside a claim's proposition) is drawn dashed and
says whose claim it is. :func:`to_svg` lays it out in pure Python (the entity
in the centre, its neighbours on a ring, theirs on an outer ring; the same
data always gives the same bytes) with a legend, as standalone SVG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from kg import namespaces as ns
from kg.insight.profile import _lookup, _rows, _values, describe, names_of, touching

KG = ns.PREFIXES["kg"]
#: relations drawn, by predicate: (label, reversed?) — participant is drawn actor -> event
RELATIONS = {
    KG + "proposes": ("proposes", False), KG + "supports": ("supports", False),
    KG + "rejects": ("rejects", False), KG + "demands": ("demands", False),
    KG + "accepts": ("accepts", False), KG + "openTo": ("open to", False),
    KG + "participant": ("participates in", True), KG + "mediates": ("mediates", False),
}
KINDS = ("actor", "proposal", "position", "event", "other")
_KIND_CLASSES = (("position", KG + "Position"), ("proposal", KG + "Proposal"),
                 ("event", KG + "Event"), ("actor", KG + "Actor"))
MAX_NODES = 40


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    kind: str  # one of KINDS
    ring: int  # 0 the entity, 1 its neighbours, 2 theirs


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    relation: str  # "proposes", "participates in", "holds", ...
    claimed_by: tuple[str, ...] = ()  # claimants (IRIs) when only claimed; () when asserted
    according_to: tuple[str, ...] = ()  # the claimants' labels, in the same order
    #: reported speech: (speaker IRI, speech act IRI) of the kg:ReportedClaims that carry
    #: the relation (what the claimant says someone demanded, said, ...), and as shown
    speech: tuple[tuple[str, str], ...] = ()
    reported_as: str = ""

    @property
    def claimed(self) -> bool:
        return bool(self.claimed_by)


# --------------------------------------------------------------------------- data


def neighbourhood(store, iri: str) -> tuple[list[Node], list[Edge]]:
    """The nodes and edges of the picture around ``iri`` (sorted, deterministic).

    Every query starts from known IRIs (as in :mod:`kg.insight.profile`), so the
    picture costs about the same in a small graph or a large one.
    """
    lookup = _lookup(store)
    here = touching(lookup, iri)
    desc = describe(lookup, _iris(here) | {iri})
    edges = _edges_around(lookup, iri, here, desc)
    ring1 = {x for e in edges for x in (e.source, e.target)} - {iri}
    # second ring: who takes part in, mediates or takes a stance on the events and
    # proposals next to the entity (what the articles state, to keep it readable)
    kinds = _kinds(desc)
    kinds.update(_kinds(describe(lookup, ring1 - set(desc))))
    around = sorted(n for n in ring1 if kinds.get(n) in ("event", "proposal"))
    for n in around:  # while there is room in the picture
        if len({x for e in edges for x in (e.source, e.target)} | {iri}) >= MAX_NODES:
            break
        there = touching(lookup, n)
        edges |= _edges_around(lookup, n, there, describe(lookup, _iris(there) | {n}),
                               claimed=False)
    edges = _drop_shortcuts(edges)
    nodes_iris = {x for e in edges for x in (e.source, e.target)} | {iri}
    kinds.update(_kinds(describe(lookup, nodes_iris - set(kinds))))
    if len(nodes_iris) > MAX_NODES:  # keep the entity, its ring, then the outer ring in order
        keep = [iri] + sorted(ring1) + sorted(nodes_iris - ring1 - {iri})
        nodes_iris = set(keep[:MAX_NODES])
        edges = {e for e in edges if e.source in nodes_iris and e.target in nodes_iris}
    names = names_of(lookup, nodes_iris | {c for e in edges for c in e.claimed_by}
                     | {x for e in edges for pair in e.speech for x in pair})

    def name(x: str) -> str:
        return names.get(x) or ns.shorten(x)

    edges = {Edge(e.source, e.target, e.relation, e.claimed_by,
                  tuple(name(c) for c in e.claimed_by), e.speech,
                  "; ".join(f"{name(who)} {name(act) if act else 'says'}"
                            for who, act in e.speech)) for e in edges}
    nodes = [Node(n, names.get(n) or ns.shorten(n), kinds.get(n, "other"),
                  0 if n == iri else 1 if n in ring1 else 2) for n in nodes_iris]
    return (sorted(nodes, key=lambda n: (n.ring, KINDS.index(n.kind), n.label, n.iri)),
            sorted(edges, key=lambda e: (e.source, e.target, e.relation, e.claimed_by,
                                         e.speech)))


def _iris(triples) -> set[str]:
    return {t.value for s, _, o, _ in triples for t in (s, o) if t.kind == "iri"}


def _types(pairs) -> set[str]:
    return {o.value for p, o in pairs if p == ns.RDF + "type"}


def _edges_around(lookup, iri: str, here, desc, claimed: bool = True) -> set[Edge]:
    """The edges touching ``iri``: stated relations, positions, and (if ``claimed``)
    the relations inside claims' propositions."""
    edges = {_edge(s.value, p, o.value) for s, p, o, g in here
             if g == "asserted" and p in RELATIONS and s.kind == o.kind == "iri"}
    positions = {s.value for s, p, o, g in here
                 if o.value == iri and p in (KG + "holder", KG + "target") and g == "asserted"}
    if KG + "Position" in _types(desc.get(iri, ())):
        positions.add(iri)
    pdesc = describe(lookup, positions - set(desc)) | {p: desc[p] for p in positions & set(desc)}
    for pos in sorted(positions):
        d = pdesc.get(pos, [])
        if KG + "Position" not in _types(d):
            continue
        for p, holder in d:
            if p != KG + "holder":
                continue
            edges.add(Edge(holder.value, pos, "holds"))
            for q, stance in d:
                if q != KG + "stance":
                    continue
                name = ns.shorten(stance.value).split(":", 1)[-1].replace("openTo", "open to")
                edges |= {Edge(pos, t.value, name) for r, t in d if r == KG + "target"}
    if claimed:
        edges |= _claimed_edges(lookup, iri, here, desc)
    return edges


def _claimed_edges(lookup, iri: str, here, desc) -> set[Edge]:
    """Stances and roles inside claims' propositions that touch the entity (dashed)."""
    props = {s.value for s, p, o, g in here
             if o.value == iri and p in (ns.RDF + "subject", ns.RDF + "object")
             and g == "asserted" and KG + "Proposition" in _types(desc.get(s.value, ()))}
    if not props:
        return set()
    claims: dict[str, set[str]] = {}
    for claim, x in _rows(lookup, "SELECT DISTINCT ?claim ?x WHERE { %s ?claim kg:proposition "
                                  "?x }" % _values("x", props)):
        claims.setdefault(x.value, set()).add(claim.value)
    cdesc = describe(lookup, {c for cs in claims.values() for c in cs})
    # reported speech has no claimant of its own: the claimants of the claims reporting it
    unclaimed = {c for c, d in cdesc.items() if not any(q == KG + "claimant" for q, _ in d)}
    if unclaimed:
        outer: dict[str, set[str]] = {}
        for o, rc in _rows(lookup, "SELECT DISTINCT ?outer ?rc WHERE { %s ?outer kg:reports "
                                   "?rc }" % _values("rc", unclaimed)):
            outer.setdefault(rc.value, set()).add(o.value)
        odesc = describe(lookup, {o for os in outer.values() for o in os})
        for rc, os in outer.items():
            cdesc[rc] = cdesc[rc] + [pair for o in sorted(os) for pair in odesc.get(o, [])
                                     if pair[0] == KG + "claimant"]
    speech: dict[str, set[tuple[str, str]]] = {}  # claim -> (reported speaker, speech act)
    for c, d in cdesc.items():
        acts = [o.value for q, o in d if q == KG + "speechAct"] or [""]
        speech[c] = {(o.value, act) for q, o in d if q == KG + "reportedSpeaker" for act in acts}
    found: dict[tuple, set[str]] = {}
    said: dict[tuple, set[tuple[str, str]]] = {}
    for x in sorted(props):
        d = desc.get(x, [])
        for _, s in (pair for pair in d if pair[0] == ns.RDF + "subject"):
            for _, p in (pair for pair in d if pair[0] == ns.RDF + "predicate"):
                for _, o in (pair for pair in d if pair[0] == ns.RDF + "object"):
                    if p.value not in RELATIONS or s.kind != "iri" or o.kind != "iri":
                        continue
                    who = {w.value for c in claims.get(x, ()) for q, w in cdesc.get(c, [])
                           if q == KG + "claimant"}
                    found.setdefault((s.value, p.value, o.value), set()).update(who)
                    said.setdefault((s.value, p.value, o.value), set()).update(
                        pair for c in claims.get(x, ()) for pair in speech.get(c, ()))
    out = set()
    for (s, p, o), who in found.items():
        if who:
            e = _edge(s, p, o, tuple(sorted(who)))
            out.add(Edge(e.source, e.target, e.relation, e.claimed_by,
                         speech=tuple(sorted(said.get((s, p, o), ())))))
    return out


def _drop_shortcuts(edges: set[Edge]) -> set[Edge]:
    """Without ``holder -stance-> target`` where a position node already draws it."""
    holders = {e.target: e.source for e in edges if e.relation == "holds" and not e.claimed}
    covered = {Edge(holders[e.source], e.target, e.relation) for e in edges
               if e.source in holders and e.relation != "holds" and not e.claimed}
    return edges - covered


def _edge(s: str, p: str, o: str, claimed_by: tuple[str, ...] = ()) -> Edge:
    label, reverse = RELATIONS[p]
    return Edge(o, s, label, claimed_by) if reverse else Edge(s, o, label, claimed_by)


def _kinds(desc) -> dict[str, str]:
    """IRI -> kind (position, proposal, event, actor; the first that applies)."""
    out = {}
    for s, pairs in desc.items():
        types = _types(pairs)
        kind = next((k for k, c in _KIND_CLASSES if c in types), None)
        if kind:
            out[s] = kind
    return out


# --------------------------------------------------------------------------- drawing

COLOURS = {"actor": "#cfe2f3", "proposal": "#fde9c4", "position": "#e2d5f0",
           "event": "#d5ecd4", "other": "#eeeeee"}
STROKES = {"actor": "#3d6d99", "proposal": "#b7832f", "position": "#6c4f8f",
           "event": "#4b7f48", "other": "#777777"}
NODE_W, LINE_H, WRAP = 150, 14, 22


def wrap(text: str, width: int = WRAP, lines: int = 3) -> list[str]:
    """``text`` in lines of at most ``width`` characters (the last ends with … if cut)."""
    words, out, line = text.split(), [], ""
    for w in words:
        while len(w) > width:  # a word longer than a line is split
            if line:
                out.append(line)
                line = ""
            out.append(w[:width])
            w = w[width:]
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while len(last) >= width and " " in last:  # drop whole words to make room for …
            last = last.rsplit(" ", 1)[0]
        out[-1] = last[: width - 1] + "…"
    return out or [""]


def layout(nodes: list[Node], edges: list[Edge] = ()) -> dict[str, tuple[float, float]]:
    """Radial positions: the entity at the centre, its neighbours evenly spread on a
    ring in node order, theirs on an outer ring, each near the neighbours it is linked to."""
    pos: dict[str, tuple[float, float]] = {}
    angle: dict[str, float] = {}
    rings = [[n for n in nodes if n.ring == r] for r in (0, 1, 2)]
    links: dict[str, set[str]] = {}
    for e in edges:
        links.setdefault(e.source, set()).add(e.target)
        links.setdefault(e.target, set()).add(e.source)
    radius = 0.0
    for r, ring in enumerate(rings):
        if not ring:
            continue
        if r == 0:
            pos[ring[0].iri] = (0.0, 0.0)
            continue
        if r == 1:  # each position next to its holder, so that "holds" stays short
            held: dict[str, list[Node]] = {}
            by_iri = {n.iri: n for n in ring}
            for e in edges:
                if e.relation == "holds" and e.source in by_iri and e.target in by_iri \
                        and by_iri[e.target].kind == "position":
                    held.setdefault(e.source, []).append(by_iri[e.target])
            placed = {p.iri for ps in held.values() for p in ps}
            ordered: list[Node] = []
            for n in ring:
                if n.iri in placed:
                    continue
                ordered.append(n)
                ordered += sorted(held.get(n.iri, []), key=lambda p: (p.label, p.iri))
            ring = ordered + [n for n in ring if n.iri in placed and n not in ordered]
        if r == 2:  # by the mean direction of the inner nodes each is linked to
            def direction(n: Node) -> float:
                near = [angle[m] for m in sorted(links.get(n.iri, ())) if m in angle]
                if not near:
                    return 10.0
                a = math.atan2(sum(math.sin(x) for x in near), sum(math.cos(x) for x in near))
                return round((a + math.pi / 2) % (2 * math.pi), 6)
            ring = sorted(ring, key=lambda n: (direction(n), n.label, n.iri))
        # each node needs about NODE_W along the ring; at least 260 px between rings
        radius = max(radius + 260, len(ring) * (NODE_W + 20) / (2 * math.pi))
        for i, n in enumerate(ring):
            a = -math.pi / 2 + 2 * math.pi * i / len(ring)
            angle[n.iri] = a
            pos[n.iri] = (round(radius * math.cos(a), 1), round(radius * 0.8 * math.sin(a), 1))
    return pos


def to_svg(nodes: list[Node], edges: list[Edge], title: str | None = None) -> str:
    """A standalone SVG picture of ``nodes`` and ``edges`` with a legend."""
    pos = layout(nodes, edges)
    boxes = {n.iri: _box(n) for n in nodes}
    xs = [pos[i][0] for i in pos] or [0.0]
    ys = [pos[i][1] for i in pos] or [0.0]
    margin = NODE_W / 2 + 30
    min_x, max_x = min(xs) - margin, max(xs) + margin
    min_y, max_y = min(ys) - margin - 20, max(ys) + margin + 150
    width, height = max(max_x - min_x, 720), max_y - min_y
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="{min_x:.1f} {min_y:.1f} {width:.1f} {height:.1f}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        f"<title>{escape(title or (nodes[0].label if nodes else 'empty graph'))}</title>",
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker>',
        "</defs>",
        f'<rect x="{min_x:.1f}" y="{min_y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        'fill="white"/>',
        '<g class="edges">',
    ]
    drawn = [_edge_svg(e, pos, boxes) for e in edges if e.source in pos and e.target in pos]
    out += [line for line, _ in drawn]
    out.append("</g>")
    out.append('<g class="nodes">')
    for n in nodes:
        out.append(_node_svg(n, pos[n.iri], boxes[n.iri]))
    out.append("</g>")
    out.append('<g class="edge-labels">')  # above the nodes: never hidden by a box
    out += [label for _, label in drawn]
    out.append("</g>")
    out.append(_legend(min_x + 10, max_y - 140))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _box(n: Node) -> tuple[list[str], float, float]:
    lines = wrap(n.label)
    return lines, NODE_W / 2, (len(lines) * LINE_H + 12) / 2


def _clip_to_box(x0, y0, x1, y1, hw, hh) -> tuple[float, float]:
    """The point where the segment from the centre (x0, y0) to (x1, y1) leaves the box."""
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        return x0, y0
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return x0 + dx * t, y0 + dy * t


def _edge_svg(e: Edge, pos, boxes) -> tuple[str, str]:
    """The edge's line (in a group carrying its data) and its label."""
    (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
    _, hw0, hh0 = boxes[e.source]
    _, hw1, hh1 = boxes[e.target]
    sx, sy = _clip_to_box(x0, y0, x1, y1, hw0 + 2, hh0 + 2)
    tx, ty = _clip_to_box(x1, y1, x0, y0, hw1 + 4, hh1 + 4)
    label = e.relation
    if e.claimed:
        label += (" (" + (e.reported_as + ", " if e.reported_as else "") + "according to "
                  + ", ".join(e.according_to or e.claimed_by) + ")")
    dash = ' stroke-dasharray="6 4"' if e.claimed else ""
    colour = "#a33" if e.claimed else "#555"
    mx, my = (sx + tx) / 2, (sy + ty) / 2  # the middle of the visible part
    kind = "claimed" if e.claimed else "asserted"
    return (f'<g class="edge {kind}" data-source={quoteattr(e.source)} '
            f'data-target={quoteattr(e.target)} data-relation={quoteattr(e.relation)}>'
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" stroke="{colour}" '
            f'stroke-width="1.4"{dash} marker-end="url(#arrow)"/></g>',
            f'<text x="{mx:.1f}" y="{my - 3:.1f}" text-anchor="middle" fill="{colour}" '
            f'font-size="10" stroke="white" stroke-width="3" paint-order="stroke">'
            f"{escape(label)}</text>")


def _node_svg(n: Node, xy, box) -> str:
    x, y = xy
    lines, hw, hh = box
    rx = {"actor": 14, "event": 4, "proposal": 0, "position": 8}.get(n.kind, 2)
    stroke_w = 3 if n.ring == 0 else 1.5
    text = "".join(
        f'<tspan x="{x:.1f}" y="{y - hh + 6 + LINE_H * (i + 1) - 3:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines))
    return (f'<g class="node {n.kind}" data-iri={quoteattr(n.iri)}>'
            f"<title>{escape(n.label)} ({escape(ns.shorten(n.iri))})</title>"
            f'<rect x="{x - hw:.1f}" y="{y - hh:.1f}" width="{2 * hw:.1f}" height="{2 * hh:.1f}" '
            f'rx="{rx}" fill="{COLOURS[n.kind]}" stroke="{STROKES[n.kind]}" '
            f'stroke-width="{stroke_w}"/>'
            f'<text text-anchor="middle" fill="#111">{text}</text></g>')


def _legend(x: float, y: float) -> str:
    parts = [f'<g class="legend" transform="translate({x:.1f},{y:.1f})">',
             '<text x="0" y="0" font-weight="bold">Legend</text>']
    for i, kind in enumerate(("actor", "proposal", "position", "event")):
        yy = 12 + i * 18
        parts.append(f'<rect x="0" y="{yy}" width="22" height="12" fill="{COLOURS[kind]}" '
                     f'stroke="{STROKES[kind]}"/><text x="30" y="{yy + 10}">{kind}</text>')
    yy = 12 + 4 * 18 + 6
    parts.append(f'<line x1="0" y1="{yy}" x2="22" y2="{yy}" stroke="#555" stroke-width="1.4"/>'
                 f'<text x="30" y="{yy + 4}">stated by the article</text>')
    yy += 18
    parts.append(f'<line x1="0" y1="{yy}" x2="22" y2="{yy}" stroke="#a33" stroke-width="1.4" '
                 f'stroke-dasharray="6 4"/><text x="30" y="{yy + 4}">only claimed '
                 "(according to someone)</text>")
    parts.append("</g>")
    return "".join(parts)
