"""The entity edit log: `<db>.kb.jsonl`, one JSON line per edit, appended, never rewritten.

Each line says when (`at`, UTC), what (`op`: alias, rename, merge, promote, with its
arguments) and the knowledge-base entries as the edit left them (`entries`). Two readers:

- the knowledge base of the next enrichment replays every line's entries in order over the
  packaged base (`knowledge_base`), so every edit counts, not only the latest;
- the rows: an edit appends its line (flushed and fsynced) *before* it changes the rows, and
  records in the rows' own transaction how many lines the rows follow (`edit_log_state`,
  migration 11). A kill in between leaves a line that `replay` applies on the next run.

Lines of the older format (a bare knowledge-base entry, no `op`) are read as entries only.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from db.schema import transaction
from nlp.kb import KnowledgeBase

log = logging.getLogger(__name__)

RowApplier = Callable[[object, dict], None]  # (sqlite3 connection, record) -> None


def log_path(db_path: str | Path) -> Path:
    """The edit log of a database: `veille.db` -> `veille.kb.jsonl`."""
    p = Path(db_path)
    return p.with_name(p.stem + ".kb.jsonl")


def records(path: Path) -> Iterator[tuple[int, dict | None]]:
    """(line number, record) for every non-empty line; None for a line that is not JSON (a
    write cut short by a kill), which still counts as a line."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        n = 0
        for raw in f:
            if not raw.strip():
                continue
            n += 1
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError:
                log.warning("%s:%d: unreadable edit skipped (a write cut short?)", path, n)
                rec = None
            yield n, rec if isinstance(rec, dict) else None


def _entries(rec: dict) -> list[dict]:
    return rec["entries"] if "op" in rec else [rec]  # the old format: the line is the entry


# One knowledge base per log content, shared by the process: spaCy pipelines are built per
# knowledge base object (nlp.models), so runs over the same edits (or none) reuse the loaded model
# instead of loading it again. An edit calls `forget` before it changes one in memory.
_SHARED: dict[str | None, KnowledgeBase] = {}
_SHARED_MAX = 4


def knowledge_base(path: Path) -> KnowledgeBase:
    """The packaged knowledge base with every edit of the log applied in order (shared: see
    `forget` before changing it)."""
    key = hashlib.sha1(path.read_bytes()).hexdigest() if path.exists() else None
    kb = _SHARED.get(key)
    if kb is None:
        kb = _SHARED[key] = _replayed(path)
        while len(_SHARED) > _SHARED_MAX:
            del _SHARED[next(iter(_SHARED))]  # the oldest: an earlier state of some log
    return kb


def forget(kb: KnowledgeBase) -> None:
    """Stop sharing `kb`: the caller is about to change it, and no other run may see that."""
    for key in [k for k, v in _SHARED.items() if v is kb]:
        del _SHARED[key]


def _replayed(path: Path) -> KnowledgeBase:
    packaged = {e.id: e.to_json() for e in KnowledgeBase.default()}
    extra: list[dict] = []
    for _n, rec in records(path):
        for entry in _entries(rec) if rec else []:
            if "name" not in entry and entry.get("id") in packaged:  # a hand-written "add aliases" line
                base = packaged[entry["id"]]
                entry = {**base, **entry, "aliases": [*base["aliases"], *entry.get("aliases", [])]}
            if "name" in entry:
                extra.append(entry)
    # later entries of an id extend earlier ones (newer fields, union of aliases)
    return KnowledgeBase([*packaged.values(), *extra])


def _applied(conn, path: Path) -> int:
    row = conn.execute("SELECT applied FROM edit_log_state WHERE log = ?", [path.name]).fetchone()
    return row[0] if row else 0


def _set_applied(conn, path: Path, n: int) -> None:
    conn.execute("INSERT INTO edit_log_state (log, applied) VALUES (?, ?)"
                 " ON CONFLICT(log) DO UPDATE SET applied = excluded.applied", [path.name, n])


def replay(db, path: Path, appliers: dict[str, RowApplier]) -> int:
    """Apply to the rows the lines of the log they do not follow yet; returns how many."""
    done = _applied(db, path)
    count = 0
    for n, rec in records(path):
        if n <= done:
            continue
        with transaction(db) as conn:
            fn = appliers.get(rec.get("op")) if rec else None
            if fn is not None:
                fn(conn, rec)
            _set_applied(conn, path, n)
        count += 1
    if count:
        log.debug("%s: %d edit(s) applied to the rows", path.name, count)
    return count


def append(path: Path, record: dict) -> dict:
    """Add one edit at the end of the log, flushed and fsynced; returns the record as written."""
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")  # first: a failure leaves the file whole
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab+") as f:
        if f.seek(0, os.SEEK_END):
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")  # close a line a kill cut short, so this edit gets a line of its own
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    return record


def commit(db, path: Path, record: dict, appliers: dict[str, RowApplier]) -> None:
    """Append one edit to the log, then bring the rows up to the log (this edit included).

    The two steps are the whole protocol: whatever kills the process after `append` leaves a
    line that the next `commit` or `replay` applies, before anything newer.
    """
    append(path, record)
    replay(db, path, appliers)
