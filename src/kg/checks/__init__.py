"""Checks of a built graph: SHACL shapes, violations as data."""
