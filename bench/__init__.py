"""The benchmark of issue 5: `bench/run` (see docs/benchmarks.md)."""
