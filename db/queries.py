"""Named reads over the database, each a bound-parameter SQL query returning plain rows."""
from __future__ import annotations

import json
from collections import defaultdict

from nlp.errors import VeilleError


def _rows(cursor) -> list[dict]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


def articles_between(db, start: str, end: str, *, include_duplicates: bool = False) -> list[dict]:
    """Articles published in [start, end] (ISO dates), with their duplicates' ids."""
    dup = "" if include_duplicates else "AND a.duplicate_of IS NULL"
    return _rows(
        db.execute(
            f"""SELECT a.id, a.url, a.title, a.text, a.published, a.lang, a.source, a.status, a.duplicate_of,
                   (SELECT group_concat(d.source, '|') FROM articles d WHERE d.duplicate_of = a.id) AS copies
            FROM articles a
            WHERE a.published BETWEEN ? AND ? {dup}
            ORDER BY a.published DESC, a.id""",
            [start, end],
        )
    )


def mentions_of(db, article_ids: list[int]) -> dict[int, list[dict]]:
    """Entities mentioned in each article: canonical name, label and mention count."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not article_ids:
        return out
    marks = ",".join("?" * len(article_ids))
    for row in _rows(
        db.execute(
            f"""SELECT m.article_id, e.id AS entity_id, e.name, e.label, e.kb_id, count(*) AS n
            FROM mentions m JOIN entities e ON e.id = m.entity_id
            WHERE m.article_id IN ({marks})
            GROUP BY m.article_id, e.id ORDER BY n DESC, e.name""",
            article_ids,
        )
    ):
        out[row["article_id"]].append(row)
    return out


def amounts_of(db, article_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    if not article_ids:
        return out
    marks = ",".join("?" * len(article_ids))
    for row in _rows(
        db.execute(
            f"""SELECT article_id, text, value, unit, kind, eur, start, "end", sentence
            FROM amounts WHERE article_id IN ({marks}) ORDER BY article_id, start""",
            article_ids,
        )
    ):
        out[row["article_id"]].append(row)
    return out


def latest_published(db) -> str | None:
    row = db.execute("SELECT max(published) FROM articles WHERE published IS NOT NULL").fetchone()
    return row[0] if row else None


def export_articles(db):
    """Every article in the export contract's shape, in id order (a generator)."""
    cur = db.execute(
        """SELECT id, url, canonical_url, title, text, published, lang, source, duplicate_of
        FROM articles ORDER BY id"""
    )
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))


def stats(db) -> dict:
    q = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": q("SELECT count(*) FROM articles"),
        "duplicates": q("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
        "enriched": q("SELECT count(*) FROM articles WHERE status = 'enriched'"),
        "pending": q("SELECT count(*) FROM articles WHERE status = 'new'"),
        "skipped": q("SELECT count(*) FROM articles WHERE status = 'skipped'"),
        "entities": q("SELECT count(*) FROM entities"),
        "mentions": q("SELECT count(*) FROM mentions"),
        "dates": q("SELECT count(*) FROM dates"),
        "amounts": q("SELECT count(*) FROM amounts"),
        "sources": q("SELECT count(DISTINCT source) FROM articles"),
        # tables other migrations add: counted when this database has them
        **{t: q(f"SELECT count(*) FROM [{t}]") for t in _OPTIONAL_TABLES if t in set(db.table_names())},
    }


_OPTIONAL_TABLES = ("stories", "topics", "subscriptions", "outbox", "digests", "source_health")


# -- the query paths of `veille query`, `veille serve` and scripts -----------------------------------
#
# Every value a user types reaches SQLite as a bound parameter; only fixed fragments chosen
# here are formatted into the SQL. Counts per entity come from the roll-ups of migration 2
# (`entity_days`, `entity_articles`), which is what keeps these paths fast at 10^6 articles.

import re
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# co-occurrences and same-sentence amounts are counted over an entity's latest articles:
# an entity named in half a million articles would otherwise cost seconds for a ranking that
# a few hundred recent articles already settle
COOCCUR_SAMPLE = 1000


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


def _article_clause(db, f: Filters, a: str = "a") -> tuple[str, list]:
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


def _window(db, f: Filters, days: int) -> tuple[str, str]:
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


def _by_week(rows) -> list[dict]:
    """Per-day (day, articles, mentions) rows summed per ISO week, oldest first."""
    weeks: dict[str, list[int]] = {}
    for day, n_articles, n_mentions in rows:
        w = weeks.setdefault(iso_week(day), [0, 0])
        w[0] += n_articles
        w[1] += n_mentions
    return [{"week": k, "articles": v[0], "mentions": v[1]} for k, v in sorted(weeks.items())]


# -- articles -------------------------------------------------------------------------------------

_FTS_HELP = 'use words, "exact phrases", AND / OR / NOT, NEAR(a b), prefix*'


# BM25 needs the positions of every match; for a term in most articles that is seconds at 10^6
# articles, so by default the `depth` most recent matches are ranked (exact when fewer match)
SEARCH_DEPTH = 1000


def search_articles(db, query: str, f: Filters | None = None, *, limit: int = 20, depth: int = SEARCH_DEPTH,
                    include_duplicates: bool = False) -> list[dict]:
    """Articles matching an FTS5 query, best first (BM25, title weighs 5x), with a snippet.

    Ranks the `depth` most recent matching articles (0: all of them); each row says in
    `ranked_over` how many were ranked, and `more` whether older matches were left out.
    """
    f = f or Filters()
    if not query or not query.strip():
        raise QueryError(f"empty search: {_FTS_HELP}")
    if limit < 1 or depth < 0:
        raise QueryError("--limit must be at least 1 and --depth at least 0")
    where, params = _article_clause(db, f)
    if f.since:
        where += " AND a.published >= ?"
        params.append(f.since)
    if f.until:
        where += " AND a.published <= ?"
        params.append(f.until)
    if not include_duplicates:
        where += " AND a.duplicate_of IS NULL"
    depth_sql = int(depth) + 1 if depth else -1  # one more tells whether older matches exist
    sql = f"""WITH cand AS MATERIALIZED (
            SELECT f.rowid AS id, bm25(articles_fts, 5.0, 1.0) AS score
            FROM articles_fts f JOIN articles a ON a.id = f.rowid
            WHERE articles_fts MATCH ? AND {where}
            ORDER BY f.rowid DESC LIMIT ?),
        ranked AS MATERIALIZED (SELECT id, score FROM cand ORDER BY id DESC LIMIT ?),
        best AS MATERIALIZED (SELECT id, score FROM ranked ORDER BY score LIMIT ?)
        SELECT a.id, a.title, a.url, a.source, a.published, a.lang, round(best.score, 3) AS score,
               (SELECT count(*) FROM cand) AS ranked_over
        FROM best JOIN articles a ON a.id = best.id ORDER BY best.score, a.id"""
    try:
        rows = _rows(db.execute(sql, [query, *params, depth_sql, int(depth) or -1, int(limit)]))
        snippets = _snippets(db, query, [r["id"] for r in rows])
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "fts5" in msg or "no such column" in msg or "unterminated" in msg or "syntax" in msg:
            raise QueryError(f"invalid search {query!r} ({msg}): {_FTS_HELP}") from None
        raise
    for r in rows:
        r["snippet"] = snippets.get(r["id"])
        r["more"] = bool(depth) and r["ranked_over"] > depth
        r["ranked_over"] = min(r["ranked_over"], depth) if depth else r["ranked_over"]
    return rows


def _snippets(db, query: str, ids: list[int]) -> dict[int, str]:
    """Snippets of the articles `ids` for an FTS query, from one pass over their rowid range.

    One MATCH over the range, with snippet() computed only for the wanted rows: a lookup per
    rowid would set the query up once per row, and a prefix query ("souverain*") costs ~13 ms
    to set up on a million articles (20 rows: 270 ms, against 16 ms this way).
    """
    if not ids:
        return {}
    rows = db.execute(
        """SELECT id, snip FROM (
            SELECT rowid AS id, CASE WHEN rowid IN (SELECT value FROM json_each(?))
                                THEN snippet(articles_fts, 1, '[', ']', '…', 16) END AS snip
            FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?)
        WHERE snip IS NOT NULL""", [json.dumps(ids), query, min(ids), max(ids)])
    return dict(rows.fetchall())


# -- entities -------------------------------------------------------------------------------------


def find_entity(db, name: str) -> dict | None:
    """The entity called `name` (canonical name, alias or knowledge-base id), or None."""
    from nlp.kb import normalise

    key = normalise(name or "")
    if not key:
        return None
    row = _rows(db.execute("SELECT id, name, label, kb_id FROM entities WHERE norm = ?", [key]))
    if not row:
        # an alias shared by several entities goes to the one with most articles
        row = _rows(db.execute(
            """SELECT e.id, e.name, e.label, e.kb_id FROM aliases al JOIN entities e ON e.id = al.entity_id
            WHERE al.alias_norm = ?
            ORDER BY (SELECT sum(articles) FROM entity_days d WHERE d.entity_id = e.id) DESC LIMIT 1""",
            [key],
        ))
    if not row:
        row = _rows(db.execute("SELECT id, name, label, kb_id FROM entities WHERE kb_id = ?", [name.strip()]))
    return row[0] if row else None


def closest_entities(db, name: str, limit: int = 5) -> list[str]:
    """Canonical names of the entities whose name or alias is closest to `name` (rapidfuzz)."""
    from rapidfuzz import fuzz, process

    from nlp.kb import normalise

    names: dict[int, str] = {}
    keys, owners = [], []
    for eid, ename, norm in db.execute("SELECT id, name, norm FROM entities"):
        names[eid] = ename
        keys.append(norm)
        owners.append(eid)
    for eid, alias_norm in db.execute("SELECT entity_id, alias_norm FROM aliases"):
        keys.append(alias_norm)
        owners.append(eid)
    out: list[str] = []
    key = normalise(name or "")
    # WRatio over 10^5 names costs ~0.5 s: a cheap ratio shortlists, WRatio orders the shortlist
    shortlist = process.extract(key, keys, scorer=fuzz.QRatio, limit=100)
    shortlist += process.extract(key, keys, scorer=fuzz.partial_ratio, limit=20, score_cutoff=90) if len(key) > 3 else []
    best = sorted({i for _k, _s, i in shortlist}, key=lambda i: (-fuzz.WRatio(key, keys[i]), i))
    for i in best[: limit * 3]:
        n = names.get(owners[i])
        if n and n not in out:
            out.append(n)
        if len(out) == limit:
            break
    return out


def resolve_entity(db, name: str) -> dict:
    """The entity called `name`; QueryError naming the closest entities when there is none."""
    found = find_entity(db, name)
    if found:
        return found
    near = closest_entities(db, name)
    hint = f"; closest: {', '.join(near)}" if near else ""
    raise QueryError(f"no entity called {name!r}{hint}")


def _entity_days(db, entity_id: int, f: Filters, start: str, end: str) -> list[tuple]:
    """(day, articles, mentions) of one entity in [start, end], honouring article filters."""
    if not f.on_articles:
        return db.execute(
            "SELECT day, articles, mentions FROM entity_days WHERE entity_id = ? AND day BETWEEN ? AND ? ORDER BY day",
            [entity_id, start, end],
        ).fetchall()
    where, params = _article_clause(db, f)
    return db.execute(
        f"""SELECT ea.day, count(*), sum(ea.mentions) FROM entity_articles ea
        JOIN articles a ON a.id = ea.article_id
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where}
        GROUP BY ea.day ORDER BY ea.day""",
        [entity_id, start, end, *params],
    ).fetchall()


def _sample_cte(db, entity_id: int, f: Filters, start: str, end: str, sample: int) -> tuple[str, list]:
    """A `sample(article_id)` CTE: the entity's latest `sample` articles in the window."""
    where, params = _article_clause(db, f)
    join = "JOIN articles a ON a.id = ea.article_id" if f.on_articles else ""
    return (
        f"""WITH sample AS MATERIALIZED (
            SELECT ea.article_id FROM entity_articles ea {join}
            WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where if f.on_articles else '1'}
            ORDER BY ea.day DESC, ea.article_id DESC LIMIT ?)""",
        [entity_id, start, end, *(params if f.on_articles else []), sample],
    )


def cooccurring(db, entity_id: int, f: Filters, start: str, end: str, *, top: int = 10,
                sample: int = COOCCUR_SAMPLE) -> list[dict]:
    """Entities most often in the same articles as `entity_id` (over its latest `sample` articles)."""
    cte, params = _sample_cte(db, entity_id, f, start, end, sample)
    return _rows(db.execute(
        f"""{cte}
        SELECT e.id, e.name, e.label, c.articles FROM (
            SELECT ea.entity_id, count(*) AS articles FROM sample s
            JOIN entity_articles ea ON ea.article_id = s.article_id
            WHERE ea.entity_id <> ? GROUP BY ea.entity_id ORDER BY articles DESC LIMIT ?) c
        JOIN entities e ON e.id = c.entity_id ORDER BY c.articles DESC, e.name""",
        [*params, entity_id, top],
    ))


def latest_articles(db, entity_id: int, f: Filters, start: str, end: str, *, limit: int = 10) -> list[dict]:
    """The entity's latest articles in the window (originals only), newest first."""
    where, params = _article_clause(db, f)
    return _rows(db.execute(
        f"""SELECT a.id, a.published, a.source, a.lang, a.title, a.url, ea.mentions
        FROM entity_articles ea JOIN articles a ON a.id = ea.article_id
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND a.duplicate_of IS NULL AND {where}
        ORDER BY ea.day DESC, ea.article_id DESC LIMIT ?""",
        [entity_id, start, end, *params, limit],
    ))


def _sentence_around(text: str, start: int, end: int, width: int = 300) -> str:
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


def _with_context(db, rows: list[dict]) -> list[dict]:
    """Rows of amounts with `sentence_text` and a filled `eur` (dated rates when missing)."""
    if not rows:
        return rows
    ids = sorted({r["article_id"] for r in rows})
    marks = ",".join("?" * len(ids))
    texts = dict(db.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids).fetchall())
    for r in rows:
        r["sentence_text"] = _sentence_around(texts.get(r["article_id"], ""), r["start"], r["end"])
        if r.get("eur") is None and r.get("kind") == "money":
            try:
                from nlp.rates import to_eur

                on = date.fromisoformat(r["published"][:10]) if r.get("published") else None
                r["eur"] = to_eur(r["value"], r["unit"], on)
            except Exception:  # an unknown currency or a bad date leaves the equivalent empty
                r["eur"] = None
    return rows


def _entity_articles_count(db, entity_id: int) -> int:
    row = db.execute("SELECT coalesce(sum(articles), 0) FROM entity_days WHERE entity_id = ?", [entity_id]).fetchone()
    return row[0]


# Which end the money query starts from. From the entity: ~1.3 amounts per article of it, all
# read. From the amounts, biggest first: ~50 / (share of articles naming it x ~0.15 same
# sentence) read. Both cost the same near 16 x sqrt(articles) articles; below that the entity
# drives. None: computed from the database size.
_ENTITY_DRIVEN_BELOW: int | None = None


def _entity_driven_below(db) -> int:
    if _ENTITY_DRIVEN_BELOW is not None:
        return _ENTITY_DRIVEN_BELOW
    n = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    return int(16 * n ** 0.5)


def amounts(db, f: Filters | None = None, *, currency: str | None = None, min_eur: float | None = None,
            max_eur: float | None = None, entity_id: int | None = None, kind: str = "money",
            limit: int = 50) -> list[dict]:
    """Amounts, biggest EUR equivalent first, with their sentence; `entity_id`: same sentence."""
    f = f or Filters()
    cond, params = ["am.kind = ?"], [kind]
    if currency:
        if not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
            raise QueryError(f"--currency takes an ISO 4217 code such as EUR, USD, GBP; got {currency!r}")
        cond.append("am.unit = ?")
        params.append(currency.strip().upper())
    if min_eur is not None:
        cond.append("am.eur >= ?")
        params.append(float(min_eur))
    if max_eur is not None:
        cond.append("am.eur <= ?")
        params.append(float(max_eur))
    where, aparams = _article_clause(db, f)
    cond.append(where)
    params += aparams
    if f.since:
        cond.append("a.published >= ?")
        params.append(f.since)
    if f.until:
        cond.append("a.published <= ?")
        params.append(f.until)
    cols = """am.id, am.article_id, a.published, a.source, a.title, a.url, am.text, am.value, am.unit,
              am.kind, am.eur, am.sentence, am.start, am."end\""""
    if entity_id is None:
        sql = f"""SELECT {cols} FROM amounts am JOIN articles a ON a.id = am.article_id
            WHERE {' AND '.join(cond)} ORDER BY am.eur DESC LIMIT ?"""
        qparams = [*params, limit]
    else:
        same_sentence = ("EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = am.article_id"
                         " AND m.sentence = am.sentence AND m.entity_id = ?)")
        if _entity_articles_count(db, entity_id) < _entity_driven_below(db):
            # CROSS JOIN keeps SQLite from reordering: the entity's articles first
            sql = f"""SELECT {cols} FROM entity_articles ea CROSS JOIN amounts am ON am.article_id = ea.article_id
                JOIN articles a ON a.id = am.article_id
                WHERE ea.entity_id = ? AND {' AND '.join(cond)} AND {same_sentence}
                ORDER BY am.eur DESC LIMIT ?"""
            qparams = [entity_id, *params, entity_id, limit]
        else:
            sql = f"""SELECT {cols} FROM amounts am JOIN articles a ON a.id = am.article_id
                WHERE {' AND '.join(cond)} AND {same_sentence} ORDER BY am.eur DESC LIMIT ?"""
            qparams = [*params, entity_id, limit]
    return _with_context(db, _rows(db.execute(sql, qparams)))


def entity_profile(db, name: str, f: Filters | None = None, *, weeks: int = 12, top: int = 10,
                   latest: int = 10) -> dict:
    """One entity: type, aliases, mentions per week, co-occurring entities, latest articles, money."""
    f = f or Filters()
    e = resolve_entity(db, name)
    start, end = _window(db, f, weeks * 7)
    aliases = [r[0] for r in db.execute("SELECT alias FROM aliases WHERE entity_id = ? ORDER BY alias", [e["id"]])]
    days = _entity_days(db, e["id"], f, start, end)
    cte, params = _sample_cte(db, e["id"], f, start, end, COOCCUR_SAMPLE)
    money = _rows(db.execute(
        f"""{cte}
        SELECT am.id, am.article_id, a.published, a.source, a.title, a.url, am.text, am.value, am.unit, am.kind,
               am.eur, am.sentence, am.start, am."end"
        FROM sample s JOIN amounts am ON am.article_id = s.article_id JOIN articles a ON a.id = am.article_id
        WHERE am.kind = 'money' AND EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = am.article_id
              AND m.sentence = am.sentence AND m.entity_id = ?)
        ORDER BY am.eur DESC LIMIT ?""",
        [*params, e["id"], top],
    ))
    return {
        **e,
        "aliases": aliases,
        "window": {"since": start, "until": end},
        "articles": sum(d[1] for d in days),
        "mentions": sum(d[2] for d in days),
        "weeks": _by_week(days),
        "cooccurring": cooccurring(db, e["id"], f, start, end, top=top),
        "latest": latest_articles(db, e["id"], f, start, end, limit=latest),
        "amounts": _with_context(db, money),
    }


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
        start, end = _window(db, f, days or 7)
    else:
        monday = _monday(_window(db, f, 1)[1])
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
    where, aparams = _article_clause(db, f)
    return db.execute(
        f"""SELECT d.entity_id, sum(d.day >= ?) AS cur, sum(d.day < ?) AS prev
        FROM entity_articles d JOIN articles a ON a.id = d.article_id
        WHERE d.day BETWEEN ? AND ? AND {where} {label_sql} GROUP BY +d.entity_id""",
        [start, start, prev_start, end, *aparams, *lp],
    ).fetchall()


def timeline(db, name: str, f: Filters | None = None, *, by: str = "week") -> dict:
    """Articles and mentions of one entity per week (or day, or month) over the whole window."""
    f = f or Filters()
    e = resolve_entity(db, name)
    start, end = f.since or "0000-01-01", f.until or "9999-12-31"
    days = _entity_days(db, e["id"], f, start, end)
    if by == "day":
        points = [{"day": d, "articles": n, "mentions": m} for d, n, m in days]
    elif by == "month":
        months: dict[str, list[int]] = {}
        for d, n, m in days:
            v = months.setdefault(d[:7], [0, 0])
            v[0] += n
            v[1] += m
        points = [{"month": k, "articles": v[0], "mentions": v[1]} for k, v in sorted(months.items())]
    elif by == "week":
        points = _by_week(days)
    else:
        raise QueryError(f"--by takes day, week or month, got {by!r}")
    return {**e, "by": by, "points": points}


def cooccurrence(db, name_a: str, name_b: str, f: Filters | None = None, *, limit: int = 20,
                 weeks: int = 12) -> dict:
    """Articles naming both entities in the window (default: the latest `weeks` weeks): count,
    per week, the latest ones with a sentence naming both."""
    f = f or Filters()
    a, b = resolve_entity(db, name_a), resolve_entity(db, name_b)
    if a["id"] == b["id"]:
        raise QueryError(f"{name_a!r} and {name_b!r} are the same entity ({a['name']})")
    # walk the rarer entity's articles and probe the other's by primary key
    rare, other = sorted((a, b), key=lambda e: _entity_articles_count(db, e["id"]))
    start, end = _window(db, f, weeks * 7)
    where, params = _article_clause(db, f)
    join = "JOIN articles a ON a.id = ea.article_id" if f.on_articles else ""
    shared = db.execute(
        f"""SELECT ea.article_id, ea.day FROM entity_articles ea {join}
        WHERE ea.entity_id = ? AND ea.day BETWEEN ? AND ? AND {where if f.on_articles else '1'}
          AND EXISTS (SELECT 1 FROM entity_articles eb WHERE eb.article_id = ea.article_id AND eb.entity_id = ?)
        ORDER BY ea.day DESC, ea.article_id DESC""",
        [rare["id"], start, end, *(params if f.on_articles else []), other["id"]],
    ).fetchall()
    weeks: dict[str, int] = {}
    for _aid, day in shared:
        weeks[iso_week(day)] = weeks.get(iso_week(day), 0) + 1
    latest_ids = [r[0] for r in shared[:limit]]
    latest = []
    if latest_ids:
        marks = ",".join("?" * len(latest_ids))
        arts = {r["id"]: r for r in _rows(db.execute(
            f"SELECT id, published, source, lang, title, url, text FROM articles WHERE id IN ({marks})", latest_ids))}
        both = {}
        for aid, start_a, end_a in db.execute(
            f"""SELECT ma.article_id, min(ma.start, mb.start), max(ma."end", mb."end") FROM mentions ma
            JOIN mentions mb ON mb.article_id = ma.article_id AND mb.sentence = ma.sentence AND mb.entity_id = ?
            WHERE ma.entity_id = ? AND ma.article_id IN ({marks}) GROUP BY ma.article_id""",
            [b["id"], a["id"], *latest_ids],
        ):
            both[aid] = (start_a, end_a)
        for aid in latest_ids:
            art = arts[aid]
            text = art.pop("text")
            span = both.get(aid)
            art["sentence"] = _sentence_around(text, *span) if span else None
            latest.append(art)
    return {
        "a": a, "b": b, "window": {"since": start, "until": end}, "articles": len(shared),
        "weeks": [{"week": k, "articles": v} for k, v in sorted(weeks.items())],
        "latest": latest,
    }


# -- exports ----------------------------------------------------------------------------------------

_EXPORTS = {
    "entities": """SELECT e.id, e.name, e.label, e.kb_id,
                     (SELECT group_concat(alias, '|') FROM aliases al WHERE al.entity_id = e.id) AS aliases,
                     (SELECT coalesce(sum(articles), 0) FROM entity_days d WHERE d.entity_id = e.id) AS articles
                   FROM entities e ORDER BY e.id""",
    "mentions": """SELECT m.id, m.article_id, m.entity_id, e.name AS entity, m.text, m.label, m.start, m."end",
                     m.sentence FROM mentions m JOIN entities e ON e.id = m.entity_id ORDER BY m.id""",
    "amounts": """SELECT id, article_id, text, value, unit, kind, eur, start, "end", sentence
                  FROM amounts ORDER BY id""",
}


def export_table(db, what: str):
    """Every row of `what` (entities, mentions or amounts) as dicts, in id order (a generator)."""
    if what not in _EXPORTS:
        raise QueryError(f"cannot export {what!r}: choose articles, {', '.join(_EXPORTS)}")
    cur = db.execute(_EXPORTS[what])
    cols = [c[0] for c in cur.description]
    for r in cur:
        yield dict(zip(cols, r))
