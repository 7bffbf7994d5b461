"""Every connection `veille serve` opens on a veille database refuses writes (`PRAGMA query_only`).

Datasette only runs SELECT from `?sql=`, but a writable canned query, a plugin or a later
Datasette with a write API would open a write connection; with query_only SQLite itself
refuses any change through it. Datasette's own `_internal` catalogue stays writable: it is an
in-memory database Datasette fills for itself.
"""
from __future__ import annotations

from datasette import hookimpl


@hookimpl
def prepare_connection(conn, database):
    if database != "_internal":
        conn.execute("PRAGMA query_only = ON")
