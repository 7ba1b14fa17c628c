"""Benchmarks (`make bench`): each `bench/<name>_bench.py` has a `main()` printing its figures."""
