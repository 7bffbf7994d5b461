"""Reads and writes of the weekly brief: dates, topics, actors, entity history, stories, briefs.

Every filter is a bound parameter; tables written by other features (topics, roll-ups) are
read only when present, so a brief still builds on a database without them.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np


def _rows(cursor) -> list[dict]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


def _chunks(ids: list[int], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def has_table(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?", [name]).fetchone() is not None


def dates_of(db, article_ids: list[int]) -> dict[int, list[dict]]:
    """Dates mentioned in each article: text, ISO value, precision and offsets."""
    out: dict[int, list[dict]] = defaultdict(list)
    for chunk in _chunks(article_ids):
        for r in _rows(db.execute(
            f'SELECT article_id, text, value, precision, start, "end" FROM dates'
            f" WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, start", chunk)):
            out[r.pop("article_id")].append(r)
    return out


def topics_of(db, article_ids: list[int]) -> dict[int, dict[str, float]]:
    """Topic scores of each article, or {} when topics have not been computed."""
    out: dict[int, dict[str, float]] = defaultdict(dict)
    if not has_table(db, "article_topics"):
        return out
    for chunk in _chunks(article_ids):
        for aid, topic, score in db.execute(
            f"SELECT article_id, topic, score FROM article_topics WHERE article_id IN ({','.join('?' * len(chunk))})",
            chunk):
            out[aid][topic] = score
    return out


def off_topic_ids(db, article_ids: list[int]) -> set[int]:
    """Ids among `article_ids` marked off the watch topics; none before topics are scored."""
    if "on_topic" not in {r[1] for r in db.execute("PRAGMA table_info(articles)")}:
        return set()
    out: set[int] = set()
    for chunk in _chunks(article_ids):
        out.update(r[0] for r in db.execute(
            f"SELECT id FROM articles WHERE on_topic = 0 AND id IN ({','.join('?' * len(chunk))})", chunk))
    return out


def article_ids_for_topic(db, topic: str, start: str, end: str) -> set[int] | None:
    """Ids of the period's articles about `topic`: scored ones when topics exist, else a full-text match."""
    if has_table(db, "article_topics"):
        from nlp.topics import ON_TOPIC

        rows = db.execute(
            "SELECT t.article_id FROM article_topics t JOIN articles a ON a.id = t.article_id"
            " WHERE t.topic = ? AND t.score >= ? AND a.published BETWEEN ? AND ?", [topic, ON_TOPIC, start, end])
        found = {r[0] for r in rows}
        if found:
            return found
    phrase = '"' + topic.replace('"', '""') + '"'  # one FTS phrase: no query syntax from the user
    rows = db.execute(
        "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid"
        " WHERE articles_fts MATCH ? AND a.published BETWEEN ? AND ?", [phrase, start, end])
    return {r[0] for r in rows}


def amount_actors(db, article_ids: list[int]) -> dict[tuple[int, int], list[str]]:
    """Who is named in the sentence of each amount: (article, sentence) -> names.

    Organisations, people and programmes; when the sentence has none, the places it names, since
    policy news lets a country or its capital stand for its government ("Londres a engagé £2bn").
    """
    found: dict[tuple[int, int], dict[str, list[str]]] = defaultdict(lambda: {"actor": [], "place": []})
    for chunk in _chunks(article_ids):
        for aid, sent, name, label in db.execute(
            f"""SELECT DISTINCT am.article_id, am.sentence, e.name, e.label
            FROM amounts am JOIN mentions m ON m.article_id = am.article_id AND m.sentence = am.sentence
            JOIN entities e ON e.id = m.entity_id
            WHERE am.kind = 'money' AND am.sentence IS NOT NULL AND e.label IN ('ORG', 'PER', 'PROG', 'LOC')
              AND am.article_id IN ({','.join('?' * len(chunk))})
            ORDER BY am.article_id, am.sentence, m.start""", chunk):
            names = found[(aid, sent)]["place" if label == "LOC" else "actor"]
            if name not in names:
                names.append(name)
    out: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key, names in found.items():
        out[key] = names["actor"] or names["place"]
    return out


def entity_history(db, names: list[str], start: str, end: str) -> dict[str, dict[str, int]]:
    """Articles naming each entity per day in [start, end]: name -> {day: articles}."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    if not names:
        return out
    marks = ",".join("?" * len(names))
    if has_table(db, "entity_days"):
        sql = f"""SELECT e.name, d.day, sum(d.articles) FROM entity_days d JOIN entities e ON e.id = d.entity_id
                  WHERE e.name IN ({marks}) AND d.day BETWEEN ? AND ? GROUP BY e.name, d.day"""
    else:
        sql = f"""SELECT e.name, substr(a.published, 1, 10) AS day, count(DISTINCT a.id)
                  FROM mentions m JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id
                  WHERE e.name IN ({marks}) AND a.published BETWEEN ? AND ? AND a.duplicate_of IS NULL
                  GROUP BY e.name, day"""
    for name, day, n in db.execute(sql, [*names, start, end + "T99"]):
        out[name][day] = out[name].get(day, 0) + n
    return out


def earlier_stories(db, week: str, model: str, limit: int = 400) -> list[tuple[int, np.ndarray, str, str]]:
    """Stories of weeks before `week` with a centroid of `model`: (id, centroid, title, week), recent first."""
    rows = db.execute(
        "SELECT id, centroid, title, week FROM stories WHERE week < ? AND model = ? AND centroid IS NOT NULL"
        " ORDER BY week DESC, score DESC LIMIT ?", [week, model, limit]).fetchall()
    return [(sid, np.frombuffer(c, dtype=np.float32), title, wk) for sid, c, title, wk in rows]


def save_stories(db, week: str, stories: list[dict], model: str) -> list[int]:
    """Replace the stories recorded for `week`; each dict has key, title, article_ids, centroid, score, continues."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM stories WHERE week = ?", [week])
        ids = []
        for s in stories:
            cur = conn.execute(
                "INSERT INTO stories (week, key, title, continues, centroid, model, score, created_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [week, str(s["key"]), s["title"], s.get("continues"),
                 np.asarray(s["centroid"], dtype=np.float32).tobytes(), model, s.get("score"), now])
            ids.append(cur.lastrowid)
            conn.executemany("INSERT OR IGNORE INTO story_articles (story_id, article_id) VALUES (?, ?)",
                             [(cur.lastrowid, a) for a in s["article_ids"]])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ids


def save_digest(db, week: str, lang: str, title: str, data: dict, html: str | None) -> None:
    """Record the brief of (week, lang) for the Atom feed, replacing an earlier run."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO digests (week, lang, title, json, html, created_at) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT (week, lang) DO UPDATE SET title = excluded.title, json = excluded.json,"
        " html = excluded.html, created_at = excluded.created_at",
        [week, lang, title, json.dumps(data, ensure_ascii=False), html, now])


def recent_digests(db, lang: str, limit: int = 20) -> list[dict]:
    """The latest recorded briefs in `lang`, newest week first."""
    return _rows(db.execute(
        "SELECT week, lang, title, json, html, created_at FROM digests WHERE lang = ? ORDER BY week DESC LIMIT ?",
        [lang, limit]))
