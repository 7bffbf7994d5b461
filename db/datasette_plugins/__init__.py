"""Datasette plugins loaded by `veille serve` (--plugins-dir): SQL functions for the canned
queries (`veille_functions`), read-only connections (`veille_readonly`), and the home page and
money formatting (`veille_home`, with `templates/`)."""
