"""SQL functions for `veille serve`: `veille_norm(name)` and `veille_week(day)`.

Canned queries look entities up by the same normalised key as `veille query` (casefold,
no accents), and group days into ISO weeks, which SQLite's strftime cannot do.
"""
from __future__ import annotations

from datasette import hookimpl


def _norm(value):
    from nlp.kb import normalise

    return normalise(value) if isinstance(value, str) else None


def _week(day):
    from db.filters import iso_week

    try:
        return iso_week(day) if day else None
    except ValueError:
        return None


@hookimpl
def prepare_connection(conn):
    conn.create_function("veille_norm", 1, _norm, deterministic=True)
    conn.create_function("veille_week", 1, _week, deterministic=True)
