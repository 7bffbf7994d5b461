"""Source health and crawl runs: what each crawl saw of each source, and the runs themselves.

The crawler fills one `SourceRun` per source while it crawls; `save_health` turns the runs into
a status per source and adds them to the running totals of `source_health`. A crawl's row in
`crawl_runs` is written when it starts (`running`), refreshed while it runs and finished at its
end; `settle_dead_runs` marks the rows of crawls that died without finishing as `killed`.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

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
    refused_private: int = 0  # requests to private addresses the source did not declare
    feeds_refused: int = 0  # feeds and sitemaps refused unread (XML entity declarations)
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

    def snapshot(self) -> dict:
        """The counters as JSON-ready data, the delays folded into their mean."""
        data = asdict(self)
        data["delays"] = [self.avg_delay] if self.delays else []
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_COLUMNS = ("source", "status", "runs", "last_run", "last_success", "entry_points", "entry_points_ok",
            "not_modified", "items_seen", "articles_requested", "articles_fetched", "articles_forbidden",
            "robots_disallowed", "refused_private", "feeds_refused", "errors", "errors_total",
            "consecutive_failures", "avg_delay", "last_error", "last_error_at")


def _save_one(conn, run: SourceRun, when: str) -> None:
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
    values = [
        run.source, run.status(streak), n_runs + 1, when, last_success, run.entry_points, run.entry_points_ok,
        run.not_modified, run.items_seen, run.articles_requested, run.articles_fetched, run.articles_forbidden,
        run.robots_disallowed, run.refused_private, run.feeds_refused, run.errors, errors_total + run.errors,
        streak, run.avg_delay, last_error, last_error_at,
    ]
    conn.execute(
        f"INSERT OR REPLACE INTO source_health ({', '.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
        values,
    )


def save_health(store, runs: dict[str, SourceRun], when: str | None = None) -> None:
    """Write each source's run into `source_health` (last-run figures, running totals) in one transaction."""
    when = when or _now()
    with store.transaction() as conn:
        for run in runs.values():
            _save_one(conn, run, when)


def load_health(db, sources: list[str] | None = None) -> list[dict]:
    """Rows of `source_health` (all, or those of `sources`), worst status first."""
    worst_first = ("failing", "unreachable", "blocked", "degraded", "unknown", "ok")
    order = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(worst_first)) + " END"
    sql = "SELECT * FROM source_health"
    params: list = []
    if sources:
        sql += f" WHERE source IN ({','.join('?' * len(sources))})"
        params = list(sources)
    cur = db.execute(f"{sql} ORDER BY {order}, source", params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# -- conditional GET ---------------------------------------------------------------------------------


def load_validators(db_path: str | None) -> dict[str, tuple[str | None, str | None]]:
    """{feed URL: (ETag, Last-Modified)} from the database, read-only; empty when there is none."""
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


# -- crawl runs --------------------------------------------------------------------------------------


def start_run(store, spider: str, started_at: str, pid: int | None = None) -> int:
    """A `crawl_runs` row for a crawl that starts now, marked `running`; returns its id."""
    cur = store.db.execute(
        "INSERT INTO crawl_runs (spider, started_at, finish_reason, pid) VALUES (?,?,'running',?)",
        [spider, started_at, pid if pid is not None else os.getpid()],
    )
    return cur.lastrowid


def update_run(store, run_id: int, stats: dict, runs: dict[str, SourceRun]) -> None:
    """Refresh a running crawl's stats and per-source snapshot (what survives a SIGKILL)."""
    health = {name: run.snapshot() for name, run in runs.items()}
    store.db.execute(
        "UPDATE crawl_runs SET stats = ?, health = ? WHERE id = ? AND finish_reason = 'running'",
        [json.dumps(stats, default=str), json.dumps(health), run_id],
    )


def finish_run(store, run_id: int, reason: str | None, stats: dict) -> None:
    """Close a crawl's row with Scrapy's finish reason and final stats."""
    store.db.execute(
        "UPDATE crawl_runs SET finished_at = ?, finish_reason = ?, stats = ?, health = NULL WHERE id = ?",
        [_now(), reason or "finished", json.dumps(stats, default=str), run_id],
    )


def _alive(pid: int | None) -> bool:
    """True while `pid` is a running crawl (where /proc tells, a pid reused by another program is not)."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
        return b"crawler" in cmdline or b"scrapy" in cmdline
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return False  # Linux: no such process
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def settle_dead_runs(store) -> list[int]:
    """Mark `killed` every run left `running` by a process that is gone; returns their ids.

    Their last health snapshot is folded into `source_health`, so a killed crawl still counts
    as a run of each source it reached (and a source it could not reach still adds to its streak).
    """
    rows = store.db.execute(
        "SELECT id, pid, started_at, health FROM crawl_runs WHERE finish_reason = 'running' ORDER BY id"
    ).fetchall()
    dead = [(rid, started, health) for rid, pid, started, health in rows if not _alive(pid)]
    with store.transaction() as conn:
        for rid, started, health in dead:
            for data in json.loads(health or "{}").values():
                _save_one(conn, SourceRun(**data), started)
            conn.execute("UPDATE crawl_runs SET finish_reason = 'killed', health = NULL WHERE id = ?", [rid])
    return [rid for rid, _, _ in dead]
