"""Where a record is defined: violations traced back to ``FILE:LINE`` of an annotation file.

Shared by the build (a failed check names the record's file and line) and
``kg check`` (every problem at its record's line).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from kg import namespaces as ns

if TYPE_CHECKING:
    from kg.model.mapping import Mapped
    from kg.read.sources import Article

_KGR_IRI = re.compile(r"(?:<" + re.escape(ns.KGR) + r"|\bkgr:)([a-z0-9][a-z0-9-]*)")


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def record_lines(mapped: Mapped, articles: list[Article]) -> dict[str, tuple[str, int]]:
    """record id -> (annotation file, line) of the first record that gives it a quote."""
    files = {a.doc_id: display_path(a.annotation_path) for a in articles}
    out: dict[str, tuple[str, int]] = {}
    for span in mapped.spans:
        if span.doc_id in files:
            out.setdefault(span.record_id, (files[span.doc_id], span.line))
    return out


def locate(text: str, lines_of: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """The definition (file, line) of the first record named in ``text``."""
    for m in _KGR_IRI.finditer(text):
        rid = m.group(1)
        for candidate in (rid, re.sub(r"-p\d+$", "", rid)):
            if candidate in lines_of:
                return lines_of[candidate]
    return None

