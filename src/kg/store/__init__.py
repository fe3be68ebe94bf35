"""The built store: on disk (atomic swap, lock, staleness) and in memory."""
