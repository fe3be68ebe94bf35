"""Inconsistency: owlrl's error triples fail the build (exit 3), naming the clash and resources.

They never reach the store, nor therefore any export.
"""

from __future__ import annotations

import pytest

from .helpers import ARTICLE_NAME, store_state

KG = "https://w3id.org/kg/ontology#"
KGR = "https://w3id.org/kg/id/"


@pytest.mark.parametrize("record,types,a,b", [
    ("russia", "State", "State", "Organisation"),
    ("valeriy-dymov", "Person", "Person", "State"),
])
def test_disjoint_types_fail_the_build(record, types, a, b, kg, seeds_copy, store, before,
                                       tmp_path):
    ann = seeds_copy / f"{ARTICLE_NAME}.yaml"
    text = ann.read_text(encoding="utf-8")
    old = f"  - id: {record}\n    type: {types}\n"
    assert old in text
    ann.write_text(text.replace(old, f"  - id: {record}\n    type: [{a}, {b}]\n", 1),
                   encoding="utf-8")
    r = kg("build", "--seeds", str(seeds_copy), "--store", str(store))
    assert r.exit_code == 3
    clash = (f"Disjoint classes {KG}{a} and {KG}{b} have a common individual {KGR}{record}")
    assert r.stderr == (f"Error: the reasoner found an inconsistency: {clash}\n"
                        "Hint: check the types and relations of the resources named above\n")
    assert store_state(store) == before
    # Nothing of it reaches an export of the store.
    out = tmp_path / "kg.nq"
    assert kg("export", "--store", str(store), "-o", str(out)).exit_code == 0
    data = out.read_text(encoding="utf-8")
    assert "daml.org" not in data and "common individual" not in data
