"""`veille db check`: is the database whole? SQLite's integrity check, FTS5's, and row counts.

A damaged page may sit in a table nobody counts: `db stats` can look fine while a search or
an export fails. This reads every page (integrity_check), asks each FTS5 index to compare
itself with its content table, and counts every table, reporting each failure by name. It
opens the file as it is: no migration runs, nothing is created.
"""
from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlp.errors import VeilleError

MAX_PROBLEMS = 100  # integrity_check stops after this many: enough to see the damage, not a flood

# SQLite's primary result codes (the low byte of an extended code) that mean "the file is damaged"
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """True when `exc` says the file is damaged or is not a database, not a locked or busy one."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


@dataclass
class CheckReport:
    path: str
    integrity: list[str] = field(default_factory=list)  # ["ok"], or what SQLite found wrong
    fts: dict[str, str] = field(default_factory=dict)  # FTS5 table → "ok" or the error
    rows: dict[str, int | None] = field(default_factory=dict)  # table → row count; None: could not count
    errors: dict[str, str] = field(default_factory=dict)  # table → why it could not be counted

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and all(v == "ok" for v in self.fts.values()) and not self.errors

    def to_json(self) -> dict:
        return {"ok": self.ok, **asdict(self)}


def _fts_tables(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND lower(sql) LIKE 'create virtual table%using fts5%'"
        " ORDER BY name")]


def _tables(conn, fts: list[str]) -> list[str]:
    """Plain tables, without SQLite's own and the FTS shadow tables (counted through their index)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return [n for n in names if n not in fts and not any(n.startswith(f + "_") for f in fts)]


def check(path: str) -> CheckReport:
    """The state of the database at `path`; raises VeilleError when there is no file there."""
    if not Path(path).is_file():
        raise VeilleError(f"no database at {path}")
    report = CheckReport(path=path)
    # mode=rw: an FTS5 integrity-check is written as an INSERT, yet the file must never be created
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    try:
        try:
            report.integrity = [r[0] for r in conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})")]
        except sqlite3.DatabaseError as exc:  # too damaged to list its problems: still try the rest
            report.integrity = [str(exc)]
        try:
            fts = _fts_tables(conn)
            tables = _tables(conn, fts)
        except sqlite3.DatabaseError as exc:  # the schema itself is unreadable: nothing more to ask
            report.errors["sqlite_master"] = str(exc)
            return report
        for name in fts:
            try:
                # rank 1: compare the index with its content table too, not only its own structure
                conn.execute(f"INSERT INTO [{name}]([{name}], rank) VALUES ('integrity-check', 1)")
                report.fts[name] = "ok"
            except sqlite3.DatabaseError as exc:
                report.fts[name] = str(exc)
        for name in tables:
            try:
                report.rows[name] = conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                report.rows[name] = None
                report.errors[name] = str(exc)
    finally:
        conn.close()
    return report
