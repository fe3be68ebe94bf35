"""Plain annotation data -> RDF triples: the mapping, the vocabulary, term conversion."""
