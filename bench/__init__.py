"""Benchmarks: every safety feature paid for in ratios against a named reference."""
