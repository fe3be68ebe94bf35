"""Queries: the catalogue, parameter binding, the guard, running with a deadline, results."""
