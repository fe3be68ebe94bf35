"""kg: a knowledge graph of news reporting, every fact anchored to the article's words.

``kg.open(path)`` opens a built store and ``kg.connect(url)`` a SPARQL
endpoint: both give a :class:`kg.session.Session` (see docs/api.md).
"""

__version__ = "0.1.0"

__all__ = ["Session", "__version__", "connect", "open"]


def __getattr__(name: str):
    # imported on first use, so that `import kg` (and the CLI's start) stays cheap
    if name in ("Session", "connect", "open"):
        from kg import session

        return getattr(session, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
