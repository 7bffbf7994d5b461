"""Source health: what one crawl saw of each source, folded into the `source_health` table.

The spider fills one `SourceRun` per source while it crawls; at the end `save_health` turns the
runs into a status per source and adds them to the running totals. `veille sources check` reads
the table back with `load_health`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

log = logging.getLogger(__name__)

STATUSES = ("ok", "degraded", "blocked", "failing", "unreachable", "unknown")
FAILING_AFTER = 3  # runs in a row without reading any entry point


@dataclass
class SourceRun:
    """Counters of one source during one crawl."""

    source: str
    entry_points: int = 0  # feeds, sitemaps and listing pages requested
    entry_points_ok: int = 0  # ... answered and parsed
    not_modified: int = 0  # ... answered 304 to a conditional GET
    items_seen: int = 0  # entries listed by the feeds and sitemaps
    articles_requested: int = 0
    articles_fetched: int = 0
    articles_forbidden: int = 0  # 401/403/451 on article pages
    robots_disallowed: int = 0
    errors: int = 0
    last_error: str | None = None
    delays: list[float] = field(default_factory=list)

    def error(self, reason: str) -> None:
        self.errors += 1
        self.last_error = reason[:300]

    @property
    def avg_delay(self) -> float | None:
        return round(sum(self.delays) / len(self.delays), 3) if self.delays else None

    @property
    def reached(self) -> bool:
        return bool(self.entry_points_ok or self.not_modified)

    def status(self, consecutive_failures: int = 0) -> str:
        """ok | degraded | blocked | failing | unreachable, from this run alone (and the failure streak)."""
        if self.entry_points and not self.reached:
            return "failing" if consecutive_failures >= FAILING_AFTER else "unreachable"
        refused = self.articles_forbidden + self.robots_disallowed
        if self.articles_requested and not self.articles_fetched and 2 * refused >= self.articles_requested:
            return "blocked"  # the feed loads, but its articles refuse us
        if self.errors:
            return "degraded"
        return "ok" if self.entry_points else "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def save_health(store, runs: dict[str, SourceRun], when: str | None = None) -> None:
    """Write each source's run into `source_health` (last-run figures, running totals) in one transaction."""
    when = when or _now()
    with store.transaction() as conn:
        for run in runs.values():
            prev = conn.execute(
                "SELECT runs, errors_total, consecutive_failures, last_success, last_error, last_error_at"
                " FROM source_health WHERE source = ?",
                [run.source],
            ).fetchone()
            n_runs, errors_total, streak, last_success, last_error, last_error_at = prev or (0, 0, 0, None, None, None)
            streak = 0 if run.reached or not run.entry_points else streak + 1
            if run.reached:
                last_success = when
            if run.last_error:
                last_error, last_error_at = run.last_error, when
            conn.execute(
                "INSERT OR REPLACE INTO source_health (source, status, runs, last_run, last_success, entry_points,"
                " entry_points_ok, not_modified, items_seen, articles_requested, articles_fetched,"
                " articles_forbidden, robots_disallowed, errors, errors_total, consecutive_failures, avg_delay,"
                " last_error, last_error_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    run.source, run.status(streak), n_runs + 1, when, last_success, run.entry_points,
                    run.entry_points_ok, run.not_modified, run.items_seen, run.articles_requested,
                    run.articles_fetched, run.articles_forbidden, run.robots_disallowed, run.errors,
                    errors_total + run.errors, streak, run.avg_delay, last_error, last_error_at,
                ],
            )


def load_health(db, sources: list[str] | None = None) -> list[dict]:
    """Rows of `source_health` (all, or those of `sources`), worst status first."""
    worst_first = ("failing", "unreachable", "blocked", "degraded", "unknown", "ok")
    order = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(worst_first)) + " END"
    sql = "SELECT * FROM source_health"
    params: list = []
    if sources:
        sql += " WHERE source IN (%s)" % ",".join("?" * len(sources))
        params = list(sources)
    cur = db.execute(f"{sql} ORDER BY {order}, source", params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# -- conditional GET ---------------------------------------------------------------------------------


def load_validators(db_path: str | None) -> dict[str, tuple[str | None, str | None]]:
    """{feed URL: (ETag, Last-Modified)} from the database, read-only; empty when there is none."""
    import sqlite3

    if not db_path:
        return {}
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT url, etag, last_modified FROM feed_validators").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # no database yet, or one older than migration 5
        return {}
    return {url: (etag, lm) for url, etag, lm in rows}


def save_validators(store, validators: dict[str, tuple[str, str | None, str | None]]) -> None:
    """Store {url: (source, ETag, Last-Modified)} for the next crawl's conditional GETs."""
    when = _now()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO feed_validators (url, source, etag, last_modified, checked_at) VALUES (?,?,?,?,?)",
            [(url, src, etag, lm, when) for url, (src, etag, lm) in validators.items()],
        )


def record_run(store, spider: str, started_at: str, reason: str | None, stats: dict) -> None:
    """One row in `crawl_runs` with Scrapy's stats as JSON."""
    import json

    store.db.execute(
        "INSERT INTO crawl_runs (spider, started_at, finished_at, finish_reason, stats) VALUES (?,?,?,?,?)",
        [spider, started_at, _now(), reason, json.dumps(stats, default=str)],
    )
