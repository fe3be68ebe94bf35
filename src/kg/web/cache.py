"""Rendered pages kept in the server process, by URL."""

from __future__ import annotations

from collections import OrderedDict


class PageCache:
    """Rendered pages by URL, least recently used first out, up to ``limit`` bytes.

    The store is opened read-only once, so a page's bytes never change while
    the server runs (a new ``kg build`` is seen after a restart). Only pages
    are kept, never SPARQL answers. Used from the event loop's thread only.
    """

    def __init__(self, limit: int = 64 << 20):
        self.limit = limit
        self.size = 0
        self.pages: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str | None) -> bytes | None:
        if key is None or key not in self.pages:
            return None
        self.pages.move_to_end(key)
        return self.pages[key]

    def put(self, key: str | None, data: bytes) -> None:
        if key is None or len(data) > self.limit // 4 or key in self.pages:
            return
        self.pages[key] = data
        self.size += len(data)
        while self.size > self.limit:
            _, old = self.pages.popitem(last=False)
            self.size -= len(old)
