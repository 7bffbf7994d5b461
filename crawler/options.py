"""Click options shared by `crawler.cli` and the command modules in `crawler/commands/`.

Kept apart from `crawler.cli` because the command modules are imported while `crawler.cli`
loads: an option they use at import time must come from a module that is complete by then.
"""
from __future__ import annotations

import click


def db_option(f):
    """--db: the SQLite database (default: veille.db in the user data directory)."""
    return click.option("--db", "db", type=click.Path(dir_okay=False), help="SQLite database (default: user data dir).")(f)
