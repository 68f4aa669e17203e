"""make bench: the benchmark harness of iofabric.core (not shipped)."""
