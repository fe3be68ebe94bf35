"""Other systems: exports, remote SPARQL endpoints, safety of what servers send back."""
