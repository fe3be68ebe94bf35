"""An article's text as HTML with its quotes highlighted, built on the server.

Offsets are code points, end exclusive (``oa:start``/``oa:end``), which is
how Python indexes a ``str``: ``text[start:end]`` is the quote. Quotes may
nest or overlap, so the text is cut at every quote boundary into segments;
each segment covered by quotes becomes one ``<mark>`` listing every quote
that covers it (innermost first) and styled by the innermost one. Each
quote's first segment is preceded by an empty anchor ``<span id=KEY>`` so
that a fact can link to ``#KEY``. All text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """A quote to highlight: ``[start, end)`` in code points, its key and CSS classes."""

    start: int
    end: int
    key: str  # the anchor id, e.g. "q451-467"
    css: str  # classes for the mark, e.g. "k-fact" or "v-speech sp-0"


def quote_key(start: int, end: int) -> str:
    return f"q{start}-{end}"


def highlight(text: str, spans: list[Span]) -> Markup:
    """``text`` as escaped HTML with ``spans`` marked (spans outside the text are dropped)."""
    n = len(text)
    kept = sorted({s for s in spans if 0 <= s.start < s.end <= n},
                  key=lambda s: (s.start, -s.end, s.key))
    cuts = sorted({0, n, *(s.start for s in kept), *(s.end for s in kept)})
    out: list[str] = []
    anchored: set[str] = set()
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = sorted((s for s in kept if s.start <= a and b <= s.end),
                          key=lambda s: (s.end - s.start, s.start, s.key))
        for s in kept:
            if s.start == a and s.key not in anchored:
                anchored.add(s.key)
                out.append(f'<span class="anchor" id="{escape(s.key)}"></span>')
        piece = escape(text[a:b])
        if not covering:
            out.append(piece)
            continue
        keys = " ".join(dict.fromkeys(s.key for s in covering))
        out.append(f'<mark class="hl {escape(covering[0].css)}" data-q="{escape(keys)}" '
                   f'tabindex="0">{piece}</mark>')
    return Markup("".join(out))
