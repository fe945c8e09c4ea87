"""Floors: the plainest programs doing an import's work, each run as its own process against the project's."""
