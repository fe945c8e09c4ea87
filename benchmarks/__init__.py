"""Benchmarks: each figure is the project's time against a baseline measured in the same run."""
