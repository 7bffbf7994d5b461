"""The database schema, as numbered migrations applied once each, in order, in a transaction.

A database made by an older version is upgraded in place by `migrate()`; the applied
numbers are recorded in `_migrations`. Never edit a released migration: add a new one.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlite_utils

log = logging.getLogger(__name__)

def _discover() -> list[tuple[int, str, Callable]]:
    """Migrations from the modules of `db/migrations/`: each has NUMBER, NAME and apply(db)."""
    from db import migrations

    found = []
    for info in sorted(pkgutil.iter_modules(migrations.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"db.migrations.{info.name}")
        found.append((mod.NUMBER, mod.NAME, mod.apply))
    numbers = [n for n, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {sorted(numbers)}")
    return sorted(found)


MIGRATIONS: list[tuple[int, str, Callable]] = _discover()


@contextmanager
def transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE ... COMMIT on the database's autocommit connection; ROLLBACK on any error."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:  # even KeyboardInterrupt: never leave the write lock held; re-raised
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


PAGE_SIZE = 16384
WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024


def connect(path: str, *, readonly: bool = False) -> sqlite_utils.Database:
    """An open database with WAL, foreign keys and a busy timeout; migrated unless read-only."""
    import sqlite3

    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    # autocommit mode: every multi-statement write opens its own BEGIN IMMEDIATE ... COMMIT
    conn.isolation_level = None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    db = sqlite_utils.Database(conn)
    if not readonly:
        # 16 KiB pages for a new database (an existing one keeps its own: WAL never changes it):
        # an article's text and FTS5's index leaves span fewer pages; measured +15-20 % batched
        # ingestion (10,000 articles, 1,889-1,962 → 2,259-2,295/s), reads unchanged
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache (SQLite's default is 2 MiB), allocated only as pages are read:
        # FTS5 merges its index segments at each commit and rereads the same pages; measured
        # +5-8 % articles/s for batched ingestion (benchmarks/cluster_scaling.py, writer row)
        conn.execute("PRAGMA cache_size = -65536")
        # checkpoint the WAL every ~40 MB rather than every 4 MB: FTS5 rewrites the same index
        # pages at each commit, and a page rewritten between two checkpoints is copied back once
        # (+9-12 % batched ingestion in A/B runs); readers look pages up in a larger WAL index
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_BYTES // page}")
        migrate(db)
    return db


def applied(db: sqlite_utils.Database) -> set[int]:
    if "_migrations" not in db.table_names():
        return set()
    return {row[0] for row in db.execute("SELECT number FROM _migrations")}


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply the migrations not yet applied; returns their numbers."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (number INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    done = applied(db)
    ran = []
    for number, name, fn in sorted(MIGRATIONS):
        if number in done:
            continue
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if number in applied(db):  # another process got there first
                conn.execute("ROLLBACK")
                continue
            _run(db, fn)
            conn.execute(
                "INSERT INTO _migrations VALUES (?, ?, ?)",
                (number, name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except BaseException:  # a half-applied migration must not stay: roll back, then re-raise
            conn.execute("ROLLBACK")
            raise
        log.info("applied migration %d: %s", number, name)
        ran.append(number)
    return ran


def _run(db: sqlite_utils.Database, fn) -> None:
    """Run a migration inside the open transaction (statements split, not executescript)."""

    class _Tx:
        def __init__(self, db):
            self._db = db

        def executescript(self, script: str) -> None:
            for stmt in _split_sql(script):
                self._db.conn.execute(stmt)

        def __getattr__(self, name):
            return getattr(self._db, name)

    fn(_Tx(db))


def _split_sql(script: str) -> list[str]:
    """Statements of a script, keeping trigger bodies (BEGIN ... END;) whole."""
    import sqlite3

    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
