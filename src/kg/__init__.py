"""kg: a knowledge graph of news reporting, every fact anchored to the article's words."""

__version__ = "0.1.0"
