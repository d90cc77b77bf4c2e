"""Autogenerate made Oracle-safe: comparators that see sequences, rewrites that refuse to guess."""
