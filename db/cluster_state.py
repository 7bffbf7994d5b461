"""The cluster writer's marks in the database (table `cluster_state`, migration 14)."""
from __future__ import annotations


def get_state(db, name: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM cluster_state WHERE name = ?", [name]).fetchone()
    return row[0] if row else default


def set_state(conn, name: str, value: str) -> None:
    """Set one mark; call inside the transaction whose effect it records."""
    conn.execute("INSERT OR REPLACE INTO cluster_state (name, value) VALUES (?, ?)", [name, value])


def stream_id(value: str | bytes) -> tuple[int, int]:
    """A Redis stream id ("1700000000000-3") as a comparable pair; "" is before every id."""
    if isinstance(value, bytes):
        value = value.decode("ascii")
    if not value:
        return (0, 0)
    ms, _, seq = value.partition("-")
    return (int(ms), int(seq or 0))


def new_articles_after(db, after: int, limit: int) -> list[dict]:
    """Articles waiting for analysis with id > `after`, oldest first, as the enrich stream carries them."""
    cur = db.execute(
        "SELECT id, title, text, published, lang FROM articles WHERE status = 'new' AND id > ? ORDER BY id LIMIT ?",
        [after, limit],
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def stored_keys(db, after: int = 0, limit: int = 10_000) -> list[tuple[int, str]]:
    """(id, url_key) of stored articles with id > `after`: the writer seeds Redis's stored set with them."""
    return db.execute("SELECT id, url_key FROM articles WHERE id > ? ORDER BY id LIMIT ?", [after, limit]).fetchall()
