"""Datasette plugins loaded by `veille serve` (--plugins-dir): SQL functions for canned queries."""
