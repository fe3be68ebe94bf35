"""Development tools (ontology docs generator, OWL 2 RL profile checker): not in the kg package."""
