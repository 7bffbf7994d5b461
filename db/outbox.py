"""The SQL of the delivery outbox: alerts (`outbox`) and briefs (`brief_outbox`), one state machine.

A row moves pending → claimed → handing → sent, or → failed (retried later) → dead (given up).
`claimed`: a run took it, nothing has left the process yet. `handing`: it was given to the
channel, so it may have arrived. A run that dies leaves its rows in one of those two states;
the next run (which holds the delivery lock, so the dead run is known to be gone) retries the
`claimed` ones and marks the `handing` ones `in_doubt` (never resent unless asked).
"""
from __future__ import annotations

import json
from collections.abc import Callable

from db.schema import transaction

TABLES = ("outbox", "brief_outbox")
RETRYABLE = ("pending", "failed")


def _table(name: str) -> str:
    if name not in TABLES:  # table names cannot be bound parameters: only these two are spliced in
        raise ValueError(f"not an outbox table: {name!r}")
    return name


def recover(db, ts: str) -> tuple[int, int]:
    """(retried, in_doubt): rows an earlier run left mid-send, put back or marked in doubt.

    Call only while holding the delivery lock: then no live run owns these rows.
    """
    retried = in_doubt = 0
    with transaction(db) as conn:
        for table in TABLES:
            claims = [r[0] for r in conn.execute(f"SELECT DISTINCT claim FROM {table} WHERE status = 'handing'")]
            retry_claims = [r[0] for r in conn.execute(f"SELECT DISTINCT claim FROM {table} WHERE status = 'claimed'")]
            retried += conn.execute(
                f"UPDATE {table} SET status = 'failed', next_attempt_at = ?, claim = NULL,"
                " last_error = 'interrupted before it was handed to the channel; retried'"
                " WHERE status = 'claimed'", [ts]).rowcount
            in_doubt += conn.execute(
                f"UPDATE {table} SET status = 'in_doubt', last_error = 'interrupted while the channel had it;"
                " possibly delivered, not resent (veille alerts retry NAME --in-doubt resends it)'"
                " WHERE status = 'handing'").rowcount
            if table == "outbox":
                conn.executemany("UPDATE delivery_attempts SET outcome = ?, finished_at = ? "
                                 "WHERE claim = ? AND outcome IS NULL",
                                 [("in_doubt", ts, c) for c in claims] + [("retried", ts, c) for c in retry_claims])
    return retried, in_doubt


def due_alerts(db, ts: str) -> list[tuple[int, int]]:
    """(subscription id, outbox id) of the alert rows due at `ts`, on active subscriptions with a channel."""
    return db.execute(
        """SELECT o.subscription_id, o.id FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id
           WHERE o.status IN ('pending', 'failed') AND o.due_at <= ? AND o.next_attempt_at <= ?
             AND s.active = 1 AND s.notify IS NOT NULL
           ORDER BY o.subscription_id, o.id""", [ts, ts]).fetchall()


def due_briefs(db, ts: str, only: int | None = None) -> list[int]:
    """Ids of the briefs due at `ts` (or just brief `only`, when it is due)."""
    extra, params = ("AND id = ?", [only]) if only is not None else ("", [])
    return [r[0] for r in db.execute(
        f"SELECT id FROM brief_outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? {extra}"
        " ORDER BY id", [ts, *params])]


def claim(db, table: str, ids: list[int], token: str, ts: str) -> list[int]:
    """The ids among `ids` now held by `token` (others were taken, or are no longer due)."""
    table = _table(table)
    with transaction(db) as conn:
        conn.execute(
            f"UPDATE {table} SET status = 'claimed', claim = ?, attempts = attempts + 1"
            f" WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'failed')",
            [token, json.dumps(ids)])
        got = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE claim = ? ORDER BY id", [token])]
        if table == "outbox":
            conn.executemany("INSERT INTO delivery_attempts (outbox_id, claim, started_at) VALUES (?, ?, ?)",
                             [(i, token, ts) for i in got])
    return got


def handing(db, table: str, token: str) -> None:
    """Record, before anything is sent, that the claimed rows are being given to their channel."""
    db.conn.execute(f"UPDATE {_table(table)} SET status = 'handing' WHERE claim = ? AND status = 'claimed'", [token])


def sent(db, table: str, token: str, ts: str) -> None:
    table = _table(table)
    with transaction(db) as conn:
        conn.execute(f"UPDATE {table} SET status = 'sent', sent_at = ?, last_error = NULL"
                     " WHERE claim = ? AND status IN ('claimed', 'handing')", [ts, token])
        if table == "outbox":
            conn.execute("UPDATE delivery_attempts SET outcome = 'sent', finished_at = ? WHERE claim = ?", [ts, token])


def failed(db, table: str, token: str, ts: str, error: str, *, retry_at: Callable[[int], str],
           give_up_before: str) -> int:
    """How many rows died: each row of the claim is failed (next try at `retry_at(attempts)`),
    or `dead` when it has been due since before `give_up_before`."""
    table = _table(table)
    dead = 0
    with transaction(db) as conn:
        rows = conn.execute(f"SELECT id, attempts, due_at FROM {table} WHERE claim = ? AND status IN"
                            " ('claimed', 'handing')", [token]).fetchall()
        for oid, attempts, due_at in rows:
            give_up = due_at < give_up_before
            dead += give_up
            conn.execute(f"UPDATE {table} SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                         ["dead" if give_up else "failed", error, ts if give_up else retry_at(attempts), oid])
        if table == "outbox":
            outcome = "dead" if dead == len(rows) and rows else "failed"
            conn.execute("UPDATE delivery_attempts SET outcome = ?, error = ?, finished_at = ? WHERE claim = ?",
                         [outcome, error, ts, token])
    return dead


def requeue(db, name: str, statuses: list[str], ts: str) -> int:
    """How many rows of subscription `name` in `statuses` were put back in the queue."""
    cur = db.conn.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?, claim = NULL"
        " WHERE status IN (SELECT value FROM json_each(?))"
        " AND subscription_id = (SELECT id FROM subscriptions WHERE name = ?)", [ts, json.dumps(statuses), name])
    return cur.rowcount


def alert_rows(db, outbox_ids: list[int]) -> list[dict]:
    """The outbox rows with their article's title, link, source and date, newest article first."""
    cur = db.execute(
        """SELECT o.id, o.article_id, o.why, a.title, a.url, a.source, a.published FROM outbox o
           JOIN articles a ON a.id = o.article_id WHERE o.id IN (SELECT value FROM json_each(?))
           ORDER BY a.published DESC, o.id""", [json.dumps(outbox_ids)])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# -- briefs --------------------------------------------------------------------------------------------


def queue_brief(db, *, notify: str, key: str, title: str, markdown: str, html: str | None,
                attachments: list[dict], ts: str) -> int:
    """The id of a new brief row, due at once."""
    cur = db.conn.execute(
        "INSERT INTO brief_outbox (notify, key, title, markdown, html, attachments, created_at, due_at,"
        " next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [notify, key, title, markdown, html, json.dumps(attachments), ts, ts, ts])
    return cur.lastrowid


def brief(db, brief_id: int) -> dict | None:
    cur = db.execute("SELECT * FROM brief_outbox WHERE id = ?", [brief_id])
    cols = [c[0] for c in cur.description]
    row = cur.fetchone()
    return dict(zip(cols, row)) if row else None


def brief_counts(db) -> dict[str, int]:
    """{status: rows} of the brief outbox."""
    return dict(db.execute("SELECT status, count(*) FROM brief_outbox GROUP BY status").fetchall())
