"""Benchmarks (`make bench`). Each module `bench/<name>_bench.py` has a `main()` that prints its figures."""
