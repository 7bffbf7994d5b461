"""Entities ranked over a period, and the ones rising against the period before."""
from __future__ import annotations

from datetime import date, timedelta

from db.filters import Filters, QueryError, article_clause, window


def _monday(day: str) -> date:
    d = date.fromisoformat(day)
    return d - timedelta(days=d.weekday())


def top_entities(db, f: Filters | None = None, *, label: str | None = None, top: int = 20, days: int | None = None,
                 min_articles: int = 3) -> dict:
    """Entities ranked by articles in the period, and the ones rising most against the period before.

    The period: --since/--until when given; else the last `days` days up to the latest day
    stored; else (the default) the ISO week holding the latest day stored, which may be partial.
    A whole ISO week without article filters reads the weekly roll-up; other periods the days.
    """
    f = f or Filters()
    if top < 1:
        raise QueryError(f"--top must be at least 1, got {top}")
    if days is not None and days < 1:
        raise QueryError(f"--days must be at least 1, got {days}")
    if f.since or f.until or days:
        start, end = window(db, f, days or 7)
    else:
        monday = _monday(window(db, f, 1)[1])
        start, end = monday.isoformat(), (monday + timedelta(days=6)).isoformat()
    span = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    prev_start = (date.fromisoformat(start) - timedelta(days=span)).isoformat()
    prev_end = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
    lab = label.upper() if label else None
    whole_week = span == 7 and date.fromisoformat(start).weekday() == 0
    if whole_week and not f.on_articles:
        ranked, rising_pool = _top_of_week(db, start, prev_start, lab, top, min_articles)
    else:
        counts = _period_counts(db, f, start, end, prev_start, lab)
        ranked = sorted((c for c in counts if c[1]), key=lambda c: (-c[1], c[0]))[:top]
        rising_pool = [c for c in counts if c[1] >= min_articles]
    # rising: growth with add-one smoothing, among entities with enough articles to mean something
    rising = sorted((c for c in rising_pool if c[1] > c[2]),
                    key=lambda c: (-(c[1] + 1) / (c[2] + 1), -c[1], c[0]))[:top]
    ids = sorted({c[0] for c in ranked} | {c[0] for c in rising})
    info = {}
    if ids:
        marks = ",".join("?" * len(ids))
        info = {r[0]: r[1:] for r in db.execute(f"SELECT id, name, label FROM entities WHERE id IN ({marks})", ids)}

    def row(rank, c):
        name, lab_ = info.get(c[0], ("?", "?"))
        return {"rank": rank, "id": c[0], "name": name, "label": lab_, "articles": c[1], "previous": c[2],
                "change": round((c[1] + 1) / (c[2] + 1), 2)}

    return {
        "period": {"since": start, "until": end},
        "previous_period": {"since": prev_start, "until": prev_end},
        "top": [row(i + 1, c) for i, c in enumerate(ranked)],
        "rising": [row(i + 1, c) for i, c in enumerate(rising)],
    }


def _top_of_week(db, week: str, prev_week: str, label: str | None, top: int, min_articles: int):
    """(top rows, rising candidates) of one ISO week from `entity_weeks`: (entity_id, cur, prev)."""
    label_join = "JOIN entities e ON e.id = w.entity_id AND e.label = ?" if label else ""
    lp = [label] if label else []
    # ties go to the entity seen first (lowest id): the index order
    ranked = db.execute(
        f"""SELECT w.entity_id, w.articles, coalesce(p.articles, 0) FROM entity_weeks w {label_join}
        LEFT JOIN entity_weeks p ON p.week = ? AND p.entity_id = w.entity_id
        WHERE w.week = ? ORDER BY w.articles DESC, w.entity_id LIMIT ?""",
        [*lp, prev_week, week, top],
    ).fetchall()
    pool = db.execute(
        f"""SELECT w.entity_id, w.articles, coalesce(p.articles, 0) FROM entity_weeks w {label_join}
        LEFT JOIN entity_weeks p ON p.week = ? AND p.entity_id = w.entity_id
        WHERE w.week = ? AND w.articles >= ?""",
        [*lp, prev_week, week, min_articles],
    ).fetchall()
    return ranked, pool


def _period_counts(db, f: Filters, start: str, end: str, prev_start: str, label: str | None) -> list[tuple]:
    """(entity_id, articles in [start, end], articles in the period before) from the day roll-ups."""
    label_sql, lp = "", []
    if label:
        label_sql = "AND d.entity_id IN (SELECT id FROM entities WHERE label = ?)"
        lp = [label]
    # GROUP BY +entity_id: grouping on the bare column lets SQLite pick a skip-scan of the
    # (entity_id, day) index over every row instead of the day range
    if not f.on_articles:
        return db.execute(
            f"""SELECT d.entity_id, sum(CASE WHEN d.day >= ? THEN d.articles ELSE 0 END) AS cur,
                   sum(CASE WHEN d.day >= ? THEN 0 ELSE d.articles END) AS prev
            FROM entity_days d WHERE d.day BETWEEN ? AND ? {label_sql} GROUP BY +d.entity_id""",
            [start, start, prev_start, end, *lp],
        ).fetchall()
    where, aparams = article_clause(db, f)
    return db.execute(
        f"""SELECT d.entity_id, sum(d.day >= ?) AS cur, sum(d.day < ?) AS prev
        FROM entity_articles d JOIN articles a ON a.id = d.article_id
        WHERE d.day BETWEEN ? AND ? AND {where} {label_sql} GROUP BY +d.entity_id""",
        [start, start, prev_start, end, *aparams, *lp],
    ).fetchall()
