"""The page-speed benchmark: `bench/run` (see docs/benchmarks.md)."""
