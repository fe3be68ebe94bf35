"""Access to the files shipped inside the package: ontology/ and queries/.

Both directories live at the repository root and are shipped in the wheel
as ``kg/ontology`` and ``kg/queries``; they are reached only through
``importlib.resources``.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def ontology_dir() -> Traversable:
    return files("kg") / "ontology"


def queries_dir() -> Traversable:
    return files("kg") / "queries"


def ontology_file(name: str = "kg.ttl") -> Traversable:
    return ontology_dir() / name


def read_text(resource: Traversable) -> str:
    return resource.read_text(encoding="utf-8")
