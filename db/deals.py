"""Deals in the database: saved with an article's analysis, matched across articles and
languages, and read back for queries, briefs and alerts.

The same deal told by several articles is one row of `deals`: a new telling joins a stored
deal of the same kind when one party set holds the other (parties by entity, so "Royaume-Uni"
and "UK" are one party), the amounts agree (within 15%, or one is unknown) and the dates are
at most `WINDOW_DAYS` apart (a month- or year-precise date counts as its whole month or year).
"""
from __future__ import annotations

import calendar
from datetime import date

from nlp.types import Deal

WINDOW_DAYS = 30
# parties listed acting side first: "Bpifrance (funder) → IA Booster (recipient)"
_ROLE_ORDER = ("CASE p.role WHEN 'buyer' THEN 0 WHEN 'investor' THEN 0 WHEN 'funder' THEN 0 WHEN 'partner' THEN 1"
               " WHEN 'target' THEN 2 WHEN 'recipient' THEN 2 ELSE 3 END")
_AMOUNT_TOLERANCE = 0.15
_PATIENTS = ("target", "recipient")


# -- writes (inside the caller's transaction) -----------------------------------------------------


def forget_article(conn, article_id: int) -> None:
    """Remove what an article told (before its analysis is replaced); deals no article tells
    any more go too."""
    gone = [r[0] for r in conn.execute("SELECT DISTINCT deal_id FROM deal_sources WHERE article_id = ?", [article_id])]
    conn.execute("DELETE FROM deal_sources WHERE article_id = ?", [article_id])
    for deal_id in gone:
        if conn.execute("SELECT 1 FROM deal_sources WHERE deal_id = ? LIMIT 1", [deal_id]).fetchone() is None:
            conn.execute("DELETE FROM deals WHERE id = ?", [deal_id])


def save_deals(conn, article_id: int, published: str | None, deals: list[Deal], entity_id) -> list[int]:
    """Store the deals of one article; `entity_id(party) -> int` gives a party's entity row.
    Returns the deal ids, in order (a deal already stored keeps its id)."""
    ids = []
    for d in deals:
        parties = {}
        for p in d.parties:
            parties.setdefault(entity_id(p), p)
        day = d.date.value if d.date else (published or "")[:10] or None
        precision = d.date.precision if d.date else ("day" if day else None)
        eur = d.amount.eur if d.amount else None
        found = _same_deal(conn, d.kind, {e: p.role for e, p in parties.items()}, eur, day, precision)
        if found is None:
            found = _insert(conn, d, day, precision, published)
        else:
            _update(conn, found, d, day, precision, published)
        for eid, p in parties.items():
            conn.execute("INSERT OR IGNORE INTO deal_parties (deal_id, entity_id, role, name) VALUES (?, ?, ?, ?)",
                         [found, eid, p.role, p.name])
        conn.execute(
            'INSERT OR REPLACE INTO deal_sources (deal_id, article_id, status, sentence, start, "end", amount_text)'
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [found, article_id, d.status, d.text, d.start, d.end, d.amount.text if d.amount else None])
        ids.append(found)
    return ids


def _insert(conn, d: Deal, day, precision, published) -> int:
    a = d.amount
    cur = conn.execute(
        "INSERT INTO deals (kind, status, amount_text, amount_value, amount_unit, amount_eur, date, date_precision,"
        " first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [d.kind, d.status, a.text if a else None, a.value if a else None, a.unit if a else None,
         a.eur if a else None, day, precision, published, published])
    return cur.lastrowid


def _update(conn, deal_id: int, d: Deal, day, precision, published) -> None:
    a = d.amount
    if d.status == "announced":
        conn.execute("UPDATE deals SET status = 'announced' WHERE id = ?", [deal_id])
    if a is not None:
        conn.execute(
            "UPDATE deals SET amount_text = ?, amount_value = ?, amount_unit = ?, amount_eur = ?"
            " WHERE id = ? AND amount_text IS NULL", [a.text, a.value, a.unit, a.eur, deal_id])
    if precision == "day":  # a day-precise telling dates the deal better than a month or year
        conn.execute("UPDATE deals SET date = ?, date_precision = 'day' WHERE id = ? AND date_precision <> 'day'",
                     [day, deal_id])
    if published:
        conn.execute(
            "UPDATE deals SET first_seen = min(coalesce(first_seen, ?), ?), last_seen = max(coalesce(last_seen, ?), ?)"
            " WHERE id = ?", [published, published, published, published, deal_id])


def _same_deal(conn, kind: str, parties: dict[int, str], eur, day, precision) -> int | None:
    """The stored deal this telling is one more source of, if any: `parties` maps entity ids
    to roles. Same kind, dates within the window, amounts that agree, and either one party set
    within the other or (both amounts known) a shared party and no two different targets or
    recipients."""
    if not parties:
        return None
    marks = ",".join("?" * len(parties))
    rows = conn.execute(
        f"""SELECT d.id, d.amount_eur, d.date, d.date_precision FROM deals d
        WHERE d.kind = ? AND d.id IN (SELECT deal_id FROM deal_parties WHERE entity_id IN ({marks}))
        ORDER BY d.id DESC LIMIT 200""", [kind, *parties]).fetchall()
    mine, my_patients = set(parties), {e for e, r in parties.items() if r in _PATIENTS}
    for deal_id, other_eur, other_day, other_precision in rows:
        roles = dict(conn.execute("SELECT entity_id, role FROM deal_parties WHERE deal_id = ?", [deal_id]).fetchall())
        theirs, their_patients = set(roles), {e for e, r in roles.items() if r in _PATIENTS}
        if eur is not None and other_eur is not None and abs(eur - other_eur) > _AMOUNT_TOLERANCE * max(eur, other_eur):
            continue
        nested = theirs <= mine or mine <= theirs
        same_sum = (eur is not None and other_eur is not None and bool(mine & theirs)
                    and not (my_patients and their_patients and not my_patients & their_patients))
        if not (nested or same_sum):
            continue
        if _days_apart(day, precision, other_day, other_precision) <= WINDOW_DAYS:
            return deal_id
    return None


def _span(day: str | None, precision: str | None) -> tuple[date, date] | None:
    """The days a date stands for: one day, a whole month or a whole year."""
    if not day:
        return None
    try:
        if precision == "year" or len(day) == 4:
            y = int(day[:4])
            return date(y, 1, 1), date(y, 12, 31)
        if precision == "month" or len(day) == 7:
            y, m = int(day[:4]), int(day[5:7])
            return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        d = date.fromisoformat(day[:10])
    except ValueError:
        return None
    return d, d


def _days_apart(a, pa, b, pb) -> int:
    sa, sb = _span(a, pa), _span(b, pb)
    if sa is None or sb is None:
        return 0  # an undated telling does not keep two tellings apart
    if sa[1] < sb[0]:
        return (sb[0] - sa[1]).days
    if sb[1] < sa[0]:
        return (sa[0] - sb[1]).days
    return 0


# -- reads ----------------------------------------------------------------------------------------


def _rows(cursor) -> list[dict]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


def _filters_in_use(filters: list[tuple[bool, str, list]]) -> tuple[list[str], list]:
    """(WHERE clauses, their parameters) of the (in use, clause, parameters) filters that are in use;
    the clause list starts with "1" so that joining it with AND is valid when none is."""
    where, params = ["1"], []
    for in_use, clause, values in filters:
        if in_use:
            where.append(clause)
            params += values
    return where, params


def list_deals(db, *, entity_id: int | None = None, kind: str | None = None, since: str | None = None,
               until: str | None = None, min_eur: float | None = None, status: str | None = None,
               limit: int = 100) -> list[dict]:
    """Deals, latest first, each with its parties and sources (articles)."""
    where, params = _filters_in_use([
        (entity_id is not None, "d.id IN (SELECT deal_id FROM deal_parties WHERE entity_id = ?)", [entity_id]),
        (bool(kind), "d.kind = ?", [kind]),
        # a month- or year-precise date counts when its month or year holds `since`
        (bool(since), "(coalesce(d.date, d.first_seen) >= ? OR ? LIKE coalesce(d.date, d.first_seen) || '%')",
         [since, since]),
        (bool(until), "substr(coalesce(d.date, d.first_seen), 1, 10) <= ?", [until]),
        (min_eur is not None, "d.amount_eur >= ?", [min_eur]),
        (bool(status), "d.status = ?", [status]),
    ])
    rows = _rows(db.execute(
        f"""SELECT d.id, d.kind, d.status, d.date, d.date_precision, d.amount_text, d.amount_value, d.amount_unit,
               d.amount_eur, d.first_seen, d.last_seen FROM deals d WHERE {' AND '.join(where)}
        ORDER BY coalesce(d.date, d.first_seen) DESC, d.id DESC LIMIT ?""", [*params, limit]))
    return _with_parties_and_sources(db, rows)


def deals_for_articles(db, article_ids: list[int]) -> dict[int, list[dict]]:
    """The deals each article tells (for the alert matcher): article id -> deals."""
    if not article_ids:
        return {}
    marks = ",".join("?" * len(article_ids))
    pairs = db.execute(f"SELECT article_id, deal_id FROM deal_sources WHERE article_id IN ({marks})",
                       list(article_ids)).fetchall()
    ids = sorted({d for _, d in pairs})
    if not ids:
        return {}
    rows = _rows(db.execute(
        f"""SELECT id, kind, status, date, date_precision, amount_text, amount_value, amount_unit, amount_eur,
               first_seen, last_seen FROM deals WHERE id IN ({','.join('?' * len(ids))})""", ids))
    by_id = {r["id"]: r for r in _with_parties_and_sources(db, rows)}
    out: dict[int, list[dict]] = {}
    for article_id, deal_id in pairs:
        out.setdefault(article_id, []).append(by_id[deal_id])
    return out


def _with_parties_and_sources(db, rows: list[dict]) -> list[dict]:
    if not rows:
        return rows
    ids = [r["id"] for r in rows]
    marks = ",".join("?" * len(ids))
    parties: dict[int, list[dict]] = {}
    for r in _rows(db.execute(
            f"""SELECT p.deal_id, p.name, e.name AS canonical, e.label, p.role, p.entity_id FROM deal_parties p
            JOIN entities e ON e.id = p.entity_id WHERE p.deal_id IN ({marks})
            ORDER BY p.deal_id, {_ROLE_ORDER}, p.name""", ids)):
        parties.setdefault(r.pop("deal_id"), []).append(r)
    sources: dict[int, list[dict]] = {}
    for r in _rows(db.execute(
            f"""SELECT s.deal_id, s.article_id, a.url, a.title, a.source, a.lang, a.published, s.status, s.sentence,
                   s.amount_text FROM deal_sources s JOIN articles a ON a.id = s.article_id WHERE s.deal_id IN ({marks})
            ORDER BY s.deal_id, a.published, s.article_id""", ids)):
        sources.setdefault(r.pop("deal_id"), []).append(r)
    for r in rows:
        r["parties"] = parties.get(r["id"], [])
        r["sources"] = sources.get(r["id"], [])
    return rows


def partners(db, entity_id: int, *, since: str | None = None, until: str | None = None) -> list[dict]:
    """The entity's counterparties: per other party, deal kinds, count, last deal, total EUR."""
    where, params = ["me.entity_id = ?", "other.entity_id <> me.entity_id"], [entity_id]
    if since:
        where.append("coalesce(d.date, d.first_seen) >= ?")
        params.append(since)
    if until:
        where.append("substr(coalesce(d.date, d.first_seen), 1, 10) <= ?")
        params.append(until)
    rows = _rows(db.execute(
        f"""SELECT e.id AS entity_id, e.name, e.label, group_concat(DISTINCT d.kind) AS kinds,
               group_concat(DISTINCT other.role) AS roles, count(DISTINCT d.id) AS deals,
               max(coalesce(d.date, d.first_seen)) AS last_deal, sum(d.amount_eur) AS total_eur
        FROM deal_parties me JOIN deals d ON d.id = me.deal_id
        JOIN deal_parties other ON other.deal_id = me.deal_id JOIN entities e ON e.id = other.entity_id
        WHERE {' AND '.join(where)}
        GROUP BY e.id ORDER BY deals DESC, last_deal DESC, e.name""", params))
    for r in rows:
        r["kinds"] = sorted((r["kinds"] or "").split(","))
        r["roles"] = sorted((r["roles"] or "").split(","))
    return rows


def deals_between(db, start: str, end: str, *, limit: int = 200) -> list[dict]:
    """Deals told by articles published within [start, end] (days, inclusive), for the weekly
    brief; whether each is news of the period or an old deal recalled is the brief's call."""
    ids = [r[0] for r in db.execute(
        """SELECT DISTINCT s.deal_id FROM deal_sources s JOIN articles a ON a.id = s.article_id
        WHERE a.published >= ? AND a.published <= ? ORDER BY s.deal_id LIMIT ?""", [start, end + "T99", limit])]
    if not ids:
        return []
    rows = _rows(db.execute(
        f"""SELECT id, kind, status, date, date_precision, amount_text, amount_value, amount_unit, amount_eur,
               first_seen, last_seen FROM deals WHERE id IN ({','.join('?' * len(ids))})
        ORDER BY coalesce(date, first_seen) DESC, id DESC""", ids))
    return _with_parties_and_sources(db, rows)

