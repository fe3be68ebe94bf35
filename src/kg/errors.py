"""The error family of kg.

The library raises these and never prints; the CLI turns them into one line
``Error: ...`` (plus an optional ``Hint: ...``) on stderr, and into the exit
status documented in the README:

====  =====================================================
0     success
1     runtime error: bad input, missing store, server error
2     usage error: bad option or argument (click's own)
3     a check found violations (SHACL shapes, ``*-violation`` queries,
      an inconsistency found by the reasoner)
130   interrupted (Ctrl-C); nothing half-written is left behind
====  =====================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_VIOLATIONS = 3


class KgError(Exception):
    """Base of every error kg raises on purpose."""

    exit_code = EXIT_RUNTIME

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(KgError):
    """An input file (article, annotation, query file) is wrong.

    The message starts with ``FILE:LINE:`` when a line is known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message, hint)
        self.path = path
        self.line = line


class UsageError(KgError):
    """The user asked for something that cannot be done as asked."""

    exit_code = EXIT_USAGE


class StoreError(KgError):
    """The built store is missing, unreadable or stale."""


class QueryError(KgError):
    """A SPARQL query is malformed, refused or failed."""


class QueryTimeout(QueryError):
    """A query ran past its deadline and was stopped."""


class EndpointError(KgError):
    """A remote SPARQL endpoint failed or answered something unusable."""


class ViolationsError(KgError):
    """A check found violations; ``report`` holds the readable details."""

    exit_code = EXIT_VIOLATIONS

    def __init__(self, message: str, report: str = "", hint: str | None = None):
        super().__init__(message, hint)
        self.report = report


def attempt(errors: list | None, fn, *args):
    """``fn(*args)``; when ``errors`` is a list (collecting every error in one run, as
    ``kg check`` does), an :class:`InputError` is appended to it and None returned."""
    if errors is None:
        return fn(*args)
    try:
        return fn(*args)
    except InputError as e:
        errors.append(e)
        return None
