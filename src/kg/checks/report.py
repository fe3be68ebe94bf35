"""Violations as data: what a check found, under a stable id documented in docs/checks.md.

Every check of kg (the SHACL data shapes, compiled to SPARQL or run in pySHACL,
and the voice guard) returns :class:`Violation` values; a :class:`Report` is a
titled list of them with the readable text the CLI prints. The library never
prints: :meth:`Report.raise_for_violations` turns a failed report into a
:class:`~kg.errors.ViolationsError` (exit status 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import ViolationsError

#: The prefix of every check id; ``kg-check:position-holder`` is explained in
#: docs/checks.md under the heading ``kg-check:position-holder``.
ID_PREFIX = "kg-check:"


@dataclass(frozen=True)
class Violation:
    """One problem found by a check.

    ``id`` names the rule (``kg-check:...``, see docs/checks.md), ``focus`` the
    resource as shown (``kgr:x``), ``message`` what is wrong, and ``source`` the
    annotation file and line of the record at fault when it is known. ``path``,
    ``value`` and ``shape`` say more for SHACL results (the property, the
    offending value, the shape), all as shown in reports.
    """

    id: str
    focus: str
    message: str
    source: tuple[str, int] | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None

    def line(self) -> str:
        """``focus path: message (value: v) [shape]``, as the reports print it."""
        where = self.focus if self.path is None else f"{self.focus} {self.path}"
        value = "" if self.value is None else f" (value: {self.value})"
        shape = "" if self.shape is None else f" [{self.shape}]"
        return f"{where}: {self.message}{value}{shape}"

    def located(self) -> str:
        """:meth:`line`, after ``FILE:LINE:`` when the source is known."""
        return self.line() if self.source is None else \
            f"{self.source[0]}:{self.source[1]}: {self.line()}"


def sort_key(v: Violation) -> tuple:
    return (v.focus, v.path or "", v.message, v.shape or "", v.value or "")


@dataclass(frozen=True)
class Report:
    """The outcome of a check: whether the graph conforms, and why not."""

    title: str
    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def text(self) -> str:
        """A readable multi-line report, one violation a line, sorted."""
        if self.conforms:
            return f"{self.title}: conforms"
        n = len(self.violations)
        lines = [f"{self.title}: {n} violation{'' if n == 1 else 's'}"]
        lines += ["  " + v.located() for v in sorted(self.violations, key=sort_key)]
        return "\n".join(lines)

    def raise_for_violations(self) -> None:
        """Raise :class:`~kg.errors.ViolationsError` (exit status 3) unless the graph conforms."""
        if not self.conforms:
            n = len(self.violations)
            raise ViolationsError(
                f"{self.title}: {n} violation{'' if n == 1 else 's'}", report=self.text(),
                hint="each line names the resource, the property, the problem and the shape")


__all__ = ["ID_PREFIX", "Report", "Violation", "sort_key"]
