"""Text for a terminal: control, bidi and invisible characters shown as escapes.

Article text, labels and a remote server's answers are data; printed raw,
an ESC or OSC sequence would drive the reader's terminal (move the cursor,
retitle the window, hide the lines before it), a bidi override would show
``kgr:aissur`` for ``kgr:russia``, and a zero-width character makes two
labels that differ look the same. :func:`visible` is applied by every
renderer meant for people (tables, Markdown, ``kg coverage`` and
``kg explain`` text, error messages); CSV, TSV, JSON and RDF are data and
are written as they are.

Escaped: C0 controls but newline and tab (a carriage return too), DEL, the
C1 controls, lone surrogates (undecodable bytes), the bidi embeddings,
overrides, isolates and marks, zero-width spaces and joiners, the word
joiner and invisible operators, soft hyphen, byte order mark, line and
paragraph separators, interlinear annotation and tag characters. Each
becomes ``\\xHH``, ``\\uHHHH`` or ``\\UHHHHHHHH``; a backslash already in
the text is left alone.
"""

from __future__ import annotations

import functools
import re

_UNSAFE = ("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
           "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]")


@functools.cache
def _unsafe() -> re.Pattern:
    return re.compile(_UNSAFE)


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, bidi or invisible character written as an escape."""
    return _unsafe().sub(_escape, text)
