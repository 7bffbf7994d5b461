"""What every query path of `veille query`, `veille serve` and scripts shares: the article
filters, the error a user sees, time windows and ISO weeks.

Every value a user types reaches SQLite as a bound parameter; only fixed fragments chosen
here are formatted into the SQL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from db.reads import latest_published
from nlp.errors import VeilleError

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(VeilleError, ValueError):
    """Bad input to a query; the message is meant for the user."""


@dataclass
class Filters:
    """Article filters shared by every query path; dates are ISO YYYY-MM-DD, inclusive."""

    since: str | None = None
    until: str | None = None
    lang: str | None = None
    source: str | None = None
    topic: str | None = None

    def __post_init__(self):
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is None:
                continue
            value = str(value).strip()
            try:
                if not _DAY_RE.match(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise QueryError(f"--{name} must be a date YYYY-MM-DD, got {value!r}") from None
            setattr(self, name, value)
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"--since {self.since} is after --until {self.until}")

    @property
    def on_articles(self) -> bool:
        """True when a filter needs the articles table (not only the per-day roll-ups)."""
        return bool(self.lang or self.source or self.topic)


def article_clause(db, f: Filters, a: str = "a") -> tuple[str, list]:
    """SQL conditions on the articles alias `a` for lang, source and topic (dates are separate)."""
    sql, params = [], []
    if f.lang:
        sql.append(f"{a}.lang = ?")
        params.append(f.lang.lower())
    if f.source:
        sql.append(f"{a}.source = ? COLLATE NOCASE")
        params.append(f.source)
    if f.topic:
        # article_topics (migration 6) scores every article on every topic: on it means >= ON_TOPIC
        from nlp.topics import ON_TOPIC

        if "article_topics" not in set(db.table_names()):
            raise QueryError("this database has no topics yet: --topic needs articles scored on topics")
        sql.append(f"{a}.id IN (SELECT t.article_id FROM article_topics t WHERE t.topic = ? COLLATE NOCASE"
                   " AND t.score >= ?)")
        params += [f.topic, ON_TOPIC]
    return (" AND ".join(sql) or "1"), params


def published_clause(f: Filters, a: str = "a") -> tuple[list[str], list]:
    """Conditions keeping the articles alias `a` published within the filters' dates."""
    cond, params = [], []
    if f.since:
        cond.append(f"{a}.published >= ?")
        params.append(f.since)
    if f.until:
        cond.append(f"{a}.published <= ?")
        params.append(f.until)
    return cond, params


def window(db, f: Filters, days: int) -> tuple[str, str]:
    """(start, end) days: the filters' bounds, else `days` days ending on the latest day stored."""
    end = f.until
    if end is None:
        row = db.execute("SELECT max(day) FROM entity_days").fetchone()
        end = (row and row[0]) or latest_published(db) or date.today().isoformat()
        end = end[:10]
    start = f.since or (date.fromisoformat(end) - timedelta(days=days - 1)).isoformat()
    return start, end


def iso_week(day: str) -> str:
    y, w, _ = date.fromisoformat(day[:10]).isocalendar()
    return f"{y}-W{w:02d}"


def by_week(rows) -> list[dict]:
    """Per-day (day, articles, mentions) rows summed per ISO week, oldest first."""
    weeks: dict[str, list[int]] = {}
    for day, n_articles, n_mentions in rows:
        w = weeks.setdefault(iso_week(day), [0, 0])
        w[0] += n_articles
        w[1] += n_mentions
    return [{"week": k, "articles": v[0], "mentions": v[1]} for k, v in sorted(weeks.items())]


def sentence_around(text: str, start: int, end: int, width: int = 300) -> str:
    """The sentence of `text` holding [start, end), trimmed to about `width` characters."""
    if not text:
        return ""
    lo = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    lo = 0 if lo < 0 else lo + 1
    hi_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    hi = min(hi_candidates) + 1 if hi_candidates else len(text)
    s = text[lo:hi].strip()
    if len(s) > width:
        mid = start - lo
        s = ("…" if mid > width // 2 else "") + s[max(0, mid - width // 2): mid + width // 2].strip() + "…"
    return s
