"""Reading the inputs: articles, annotation files (file:line errors), quote anchoring, voice."""
