"""The SQL of alert subscriptions: rows in, rows out (dicts); the rules live in digests.alerts."""
from __future__ import annotations

from db.schema import transaction

FIELDS = ("query", "entities", "topic", "lang", "min_amount", "notify", "every", "origin", "deal")


def rows(cursor) -> list[dict]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


def get(db, name: str) -> dict | None:
    found = rows(db.execute("SELECT * FROM subscriptions WHERE name = ?", [name]))
    return found[0] if found else None


def all_rows(db, *, active_only: bool = False) -> list[dict]:
    where = "WHERE active = 1" if active_only else ""
    return rows(db.execute(f"SELECT * FROM subscriptions {where} ORDER BY name"))


def upsert(db, name: str, values: dict, ts: str, *, replace: bool) -> tuple[bool, str | None]:
    """(saved, previous notify reference): False when `name` exists and `replace` is not set.

    A new subscription starts after the newest stored article: history is not replayed as alerts.
    """
    fields = [values[f] for f in FIELDS]
    with transaction(db) as conn:
        row = conn.execute("SELECT id, notify FROM subscriptions WHERE name = ?", [name]).fetchone()
        if row and not replace:
            return False, None
        if row:
            conn.execute(
                "UPDATE subscriptions SET query=?, entities=?, topic=?, lang=?, min_amount=?, notify=?, every=?,"
                " origin=?, deal=?, updated_at=?, error=NULL, error_at=NULL WHERE id=?", [*fields, ts, row[0]])
            return True, row[1]
        start = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        conn.execute(
            "INSERT INTO subscriptions (query, entities, topic, lang, min_amount, notify, every, origin, deal,"
            " name, start_after, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [*fields, name, start, ts, ts])
    return True, None


def set_active(db, name: str, active: bool, ts: str) -> bool:
    cur = db.conn.execute("UPDATE subscriptions SET active = ?, updated_at = ? WHERE name = ?",
                          [int(active), ts, name])
    return cur.rowcount > 0


def remove(db, name: str) -> str | None | bool:
    """The removed subscription's notify reference (None without one), False when there was none."""
    with transaction(db) as conn:
        row = conn.execute("SELECT notify FROM subscriptions WHERE name = ?", [name]).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM subscriptions WHERE name = ?", [name])  # outbox rows and attempts cascade
    return row[0]


def note_error(db, sub_id: int, error: str | None, ts: str | None) -> None:
    db.conn.execute("UPDATE subscriptions SET error = ?, error_at = ? WHERE id = ?", [error, ts, sub_id])


def overview(db) -> list[dict]:
    """One row per subscription with its outbox counts and the latest error, for `alerts list`."""
    return rows(db.execute(
        """SELECT s.id, s.name, s.active, s.every, s.notify, s.query, s.entities, s.topic, s.lang, s.min_amount,
                  s.deal, s.origin, s.error,
                  sum(o.status = 'pending') AS pending, sum(o.status = 'sent') AS sent,
                  sum(o.status = 'failed') AS failed, sum(o.status = 'in_doubt') AS in_doubt,
                  sum(o.status IN ('claimed', 'handing')) AS sending, sum(o.status = 'feed') AS feed,
                  sum(o.status = 'dead') AS dead, max(o.sent_at) AS last_sent,
                  (SELECT o2.last_error FROM outbox o2 WHERE o2.subscription_id = s.id
                   AND o2.status IN ('failed', 'dead') ORDER BY o2.next_attempt_at DESC LIMIT 1) AS last_error,
                  (SELECT min(o3.next_attempt_at) FROM outbox o3 WHERE o3.subscription_id = s.id
                   AND o3.status = 'failed') AS next_retry
           FROM subscriptions s LEFT JOIN outbox o ON o.subscription_id = s.id
           GROUP BY s.id ORDER BY s.name"""))


def recent(db, sub_id: int, limit: int = 20) -> list[dict]:
    """The latest outbox rows of a subscription with their article, newest first."""
    return rows(db.execute(
        """SELECT o.id, o.article_id, o.status, o.attempts, o.created_at, o.due_at, o.next_attempt_at, o.sent_at,
                  o.last_error, o.why, a.title, a.url, a.source, a.published
           FROM outbox o JOIN articles a ON a.id = o.article_id
           WHERE o.subscription_id = ? ORDER BY o.id DESC LIMIT ?""", [sub_id, limit]))


def articles(db, ids: list[int]) -> dict[int, dict]:
    """{id: {id, title, url, source, published}} of the given articles."""
    import json

    found = rows(db.execute(
        "SELECT id, title, url, source, published FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)]))
    return {r["id"]: r for r in found}
