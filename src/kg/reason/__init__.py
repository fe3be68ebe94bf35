"""The OWL 2 RL closure: the fast engine, and owlrl as the reference."""
