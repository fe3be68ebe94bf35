"""What the graph says, for people: explain, stats, coverage, profiles, pictures."""
