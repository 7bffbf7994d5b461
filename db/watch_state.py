"""What `veille watch` remembers between polls and restarts: one schedule row per source, and
the weekly briefs it has written (tables of migration 13).

Plain SQL on a `sqlite_utils.Database`; the scheduling rules themselves live in the crawler.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from db.schema import transaction


@dataclass
class PollState:
    source: str
    every: float
    interval: float
    last_poll: str | None = None
    next_poll: str | None = None  # None: due now (a source never polled)
    outcome: str | None = None  # new | unchanged | failed
    polls: int = 0
    failures: int = 0
    unchanged: int = 0
    new_articles: int = 0
    new_total: int = 0
    errors: int = 0
    last_error: str | None = None


COLUMNS = [f.name for f in fields(PollState)]


def load_states(db) -> dict[str, PollState]:
    """{source name: PollState} of every source watched so far."""
    cur = db.execute(f"SELECT {', '.join(COLUMNS)} FROM watch_sources")
    return {row[0]: PollState(*row) for row in cur.fetchall()}


def save_states(db, states: list[PollState]) -> None:
    """Write the states of one poll round in one transaction."""
    marks = ", ".join("?" * len(COLUMNS))
    with transaction(db) as conn:
        conn.executemany(f"INSERT OR REPLACE INTO watch_sources ({', '.join(COLUMNS)}) VALUES ({marks})",
                         [[asdict(s)[c] for c in COLUMNS] for s in states])


def brief_written(db, week: str) -> str | None:
    """The path the brief of `week` was written to, or None when it was not."""
    row = db.execute("SELECT path FROM watch_briefs WHERE week = ?", [week]).fetchone()
    return row[0] if row else None


def record_brief(db, week: str, path: str, when: str) -> None:
    db.execute("INSERT OR REPLACE INTO watch_briefs (week, path, written_at) VALUES (?, ?, ?)", [week, path, when])


def articles_since(db, after_id: int) -> dict[str, int]:
    """{source: articles stored with an id above `after_id`}: what one poll round added."""
    rows = db.execute("SELECT source, COUNT(*) FROM articles WHERE id > ? GROUP BY source", [after_id])
    return dict(rows.fetchall())


def last_article_id(db) -> int:
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0]


def source_health(db, names: list[str]) -> dict[str, dict]:
    """The `source_health` rows (migration 5) the crawl wrote for `names`."""
    if not names:
        return {}
    cur = db.execute(f"SELECT * FROM source_health WHERE source IN ({','.join('?' * len(names))})", names)
    cols = [c[0] for c in cur.description]
    return {row[0]: dict(zip(cols, row)) for row in cur.fetchall()}
