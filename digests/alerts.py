"""Keyword alerts: subscriptions, matching new articles into a persistent outbox, delivery.

The path of an alert:

1. `match_new(db)` runs right after enrichment. It takes every analysed article not yet
   scanned (`alert_scanned`), matches it against every active subscription with one bound SQL
   query per subscription and chunk (FTS5 for the query, joins for entities, language and
   amounts), and inserts one outbox row per (subscription, article) — `UNIQUE`, so re-running
   it, or crashing half-way through, never queues an article twice.
2. `deliver_due(db)` runs off the crawl's path (`veille alerts run`, `veille run`). For each due
   group of rows (one row for `immediate`, a period's rows for `hourly`/`daily`) it

   a. claims the rows in one transaction: status `sending`, a fresh claim token, a lease, one
      `delivery_attempts` row each with no outcome yet — committed *before* anything is sent;
   b. sends through the channel, bounded by a timeout;
   c. commits the outcome: `sent`, or `failed` with the next try pushed back exponentially.

The guarantee, exactly:

- a row marked `sent` is never sent again, and a row is sent only by the run holding its claim;
- a failure the channel reports (refused, HTTP error, timeout) is retried with exponential
  backoff until it goes through, so a channel that is down gets its messages when it is back.
  A timeout can hide a message that did arrive: that retry may then be a second copy, which
  carries the same `X-Veille-Alert-Id` header (mail, JSON webhooks) for the receiver to drop;
- a crash or kill between the send and step c leaves the row `sending` with its attempt open.
  Once the lease has expired the next run marks it `in_doubt` and does not resend it (it was
  probably delivered): at most once through that window, reported by `veille alerts list`, and
  re-queued only on request (`veille alerts retry NAME --in-doubt`).

So: at most once per outbox row through a crash, at least once through reported failures.
"""
from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from db.schema import transaction
from digests import channels
from nlp.errors import VeilleError

log = logging.getLogger(__name__)

EVERY = ("immediate", "hourly", "daily")
BACKOFF_BASE = 60.0  # seconds before the first retry; doubles each time
BACKOFF_CAP = 6 * 3600.0
BATCH_LIMIT = 50  # articles in one batched message; the rest go in the next one
HIT_OPEN, HIT_CLOSE = "\x02", "\x03"  # snippet markers, replaced per output format
_NAME_RE = re.compile(r"^[\w][\w.\- ]{0,63}$")


class SubscriptionError(VeilleError, ValueError):
    """A subscription that cannot be saved as given; the text says what to fix."""


@dataclass
class Subscription:
    name: str
    query: str | None = None
    entities: list[str] = field(default_factory=list)
    topic: str | None = None
    lang: str | None = None
    min_amount: float | None = None
    notify: str | None = None
    every: str = "immediate"
    active: bool = True
    origin: str = "cli"
    id: int | None = None
    start_after: int = 0
    error: str | None = None

    def criteria(self) -> list[str]:
        """Human-readable filters, e.g. ['query: OpenAI AND Paris', 'entity: Bpifrance']."""
        out = []
        if self.query:
            out.append(f"query: {self.query}")
        out += [f"entity: {e}" for e in self.entities]
        if self.topic:
            out.append(f"topic: {self.topic}")
        if self.lang:
            out.append(f"lang: {self.lang}")
        if self.min_amount is not None:
            out.append(f"amount ≥ {self.min_amount:,.0f} EUR")
        return out


@dataclass
class Match:
    article_id: int
    why: dict  # {"snippet", "terms", "entities", "amounts"}


@dataclass
class MatchReport:
    scanned: int = 0
    queued: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # subscription name → why it failed


@dataclass
class DeliveryReport:
    sent: int = 0  # outbox rows delivered
    messages: int = 0
    failed: int = 0
    deferred: int = 0  # not tried: their channel already failed in this run
    in_doubt: int = 0  # found abandoned mid-send by an earlier run
    errors: list[str] = field(default_factory=list)


# -- time ------------------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def due_after(every: str, now: datetime) -> datetime:
    """When a row queued at `now` may go out: at once, or at the end of its hour or day (UTC)."""
    if every == "hourly":
        return now.replace(minute=0, second=0) + timedelta(hours=1)
    if every == "daily":
        return now.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    return now


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure: 1 min, 2, 4, ... up to 6 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)




def _rows(cursor) -> list[dict]:
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, r)) for r in cursor.fetchall()]


# -- subscriptions -----------------------------------------------------------------------------


def check_query(query: str) -> None:
    """Nothing: raises SubscriptionError when SQLite's FTS5 cannot parse `query`."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO t VALUES ('', '')")  # FTS5 parses the query only when it has rows
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [query]).fetchall()
    except sqlite3.OperationalError as exc:
        hint = ""
        if "'" in query or "’" in query or "syntax error" in str(exc):
            hint = ' (quote phrases and words with punctuation: "l\'IA", "France 2030"; operators are AND, OR, NOT)'
        elif "no such column" in str(exc):
            hint = " (only title: and text: may prefix a term; quote a term that holds ':' or '-')"
        raise SubscriptionError(f"invalid query {query!r}: {exc}{hint}") from None
    finally:
        conn.close()


def parse(name: str, *, query: str | None = None, entities: Iterable[str] = (), topic: str | None = None,
          lang: str | None = None, min_amount: float | str | None = None, notify: str | None = None,
          every: str | None = None, origin: str = "cli") -> Subscription:
    """A validated Subscription; raises SubscriptionError with what to fix."""
    name = (name or "").strip()
    if not _NAME_RE.match(name):
        raise SubscriptionError(f"invalid name {name!r}: letters, digits, space, '.', '-', '_' (64 at most)")
    query = query.strip() if query and query.strip() else None
    if query:
        check_query(query)
    if isinstance(entities, str):
        entities = [entities]
    ents = [e.strip() for e in entities if e and e.strip()]
    if lang is not None and not re.fullmatch(r"[a-z]{2}", lang.strip().lower()):
        raise SubscriptionError(f"invalid language {lang!r}: a two-letter code such as fr or en")
    amount = None
    if min_amount is not None and min_amount != "":
        try:
            amount = float(min_amount)
        except (TypeError, ValueError):
            raise SubscriptionError(f"invalid minimum amount {min_amount!r}: a number of euros, e.g. 1e6") from None
        if not amount >= 0:
            raise SubscriptionError(f"invalid minimum amount {min_amount!r}: must be zero or more")
    if not (query or ents or topic or amount is not None):
        raise SubscriptionError(f"subscription {name!r} has no criterion: give --query, --entity, --topic or --min-amount")
    every = (every or "immediate").strip().lower()
    if every not in EVERY:
        raise SubscriptionError(f"invalid --every {every!r}: one of {', '.join(EVERY)}")
    if notify is not None and notify.strip():
        try:
            notify = channels.validate_url(notify)
        except channels.ChannelURLError as exc:
            raise SubscriptionError(str(exc)) from None
    else:
        notify = None
    return Subscription(name=name, query=query, entities=ents, topic=topic.strip() if topic else None,
                        lang=lang.strip().lower() if lang else None, min_amount=amount, notify=notify,
                        every=every, origin=origin)


def from_config(items: list[dict]) -> list[Subscription]:
    """Subscriptions declared as `[[alert]]` tables in veille.toml; raises SubscriptionError."""
    known = {"name", "query", "entity", "entities", "topic", "lang", "min_amount", "notify", "every"}
    out = []
    for i, item in enumerate(items or []):
        where = f"[[alert]] #{i + 1}" + (f" ({item.get('name')})" if isinstance(item, dict) and item.get("name") else "")
        if not isinstance(item, dict):
            raise SubscriptionError(f"{where}: expected a table")
        unknown = set(item) - known
        if unknown:
            raise SubscriptionError(f"{where}: unknown keys: {', '.join(sorted(unknown))}")
        ents = item.get("entities", item.get("entity", []))
        try:
            out.append(parse(str(item.get("name", "")), query=item.get("query"), entities=ents,
                             topic=item.get("topic"), lang=item.get("lang"), min_amount=item.get("min_amount"),
                             notify=item.get("notify"), every=item.get("every"), origin="config"))
        except SubscriptionError as exc:
            raise SubscriptionError(f"{where}: {exc}") from None
    return out


def _from_row(r: dict) -> Subscription:
    return Subscription(name=r["name"], query=r["query"], entities=json.loads(r["entities"] or "[]"),
                        topic=r["topic"], lang=r["lang"], min_amount=r["min_amount"], notify=r["notify"],
                        every=r["every"], active=bool(r["active"]), origin=r["origin"], id=r["id"],
                        start_after=r["start_after"], error=r["error"])


def get(db, name: str) -> Subscription | None:
    rows = _rows(db.execute("SELECT * FROM subscriptions WHERE name = ?", [name]))
    return _from_row(rows[0]) if rows else None


def all_subscriptions(db, *, active_only: bool = False) -> list[Subscription]:
    where = "WHERE active = 1" if active_only else ""
    return [_from_row(r) for r in _rows(db.execute(f"SELECT * FROM subscriptions {where} ORDER BY name"))]


def save(db, sub: Subscription, *, replace: bool = False, now: datetime | None = None) -> Subscription:
    """The stored subscription. A new one matches articles stored from now on (see `dry_run`)."""
    ts = _iso(_utc(now))
    with transaction(db) as conn:
        row = conn.execute("SELECT id FROM subscriptions WHERE name = ?", [sub.name]).fetchone()
        fields = [sub.query, json.dumps(sub.entities, ensure_ascii=False), sub.topic, sub.lang, sub.min_amount,
                  sub.notify, sub.every, sub.origin]
        if row and not replace:
            raise SubscriptionError(f"a subscription named {sub.name!r} exists; remove it or use --replace")
        if row:
            conn.execute(
                "UPDATE subscriptions SET query=?, entities=?, topic=?, lang=?, min_amount=?, notify=?, every=?,"
                " origin=?, updated_at=?, error=NULL, error_at=NULL WHERE id=?", [*fields, ts, row[0]])
        else:
            start = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            conn.execute(
                "INSERT INTO subscriptions (query, entities, topic, lang, min_amount, notify, every, origin, name,"
                " start_after, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [*fields, sub.name, start, ts, ts])
    return get(db, sub.name)


def sync_config(db, subs: list[Subscription]) -> None:
    """Store the subscriptions of the config file, updating those whose declaration changed."""
    for sub in subs:
        old = get(db, sub.name)
        if old is None:
            save(db, sub)
        elif (old.query, old.entities, old.topic, old.lang, old.min_amount, old.notify, old.every) != (
                sub.query, sub.entities, sub.topic, sub.lang, sub.min_amount, sub.notify, sub.every):
            save(db, sub, replace=True)


def set_active(db, name: str, active: bool) -> bool:
    """True when the subscription exists (now active or paused)."""
    cur = db.conn.execute("UPDATE subscriptions SET active = ?, updated_at = ? WHERE name = ?",
                          [int(active), _iso(_utc(None)), name])
    return cur.rowcount > 0


def remove(db, name: str) -> bool:
    """True when a subscription was removed, with its outbox rows and attempts."""
    return db.conn.execute("DELETE FROM subscriptions WHERE name = ?", [name]).rowcount > 0


def requeue(db, name: str, *, in_doubt: bool = False, failed: bool = True, now: datetime | None = None) -> int:
    """How many rows of a subscription were put back in the queue to be sent on the next run."""
    statuses = (["failed"] if failed else []) + (["in_doubt"] if in_doubt else [])
    if not statuses:
        return 0
    marks = ",".join("?" * len(statuses))
    cur = db.conn.execute(
        f"UPDATE outbox SET status = 'pending', next_attempt_at = ?, claim = NULL, lease_until = NULL"
        f" WHERE status IN ({marks}) AND subscription_id = (SELECT id FROM subscriptions WHERE name = ?)",
        [_iso(_utc(now)), *statuses, name])
    return cur.rowcount


def overview(db) -> list[dict]:
    """One row per subscription with its outbox counts and the latest error, for `alerts list`."""
    return _rows(db.execute(
        """SELECT s.id, s.name, s.active, s.every, s.notify, s.query, s.entities, s.topic, s.lang, s.min_amount,
                  s.origin, s.error,
                  sum(o.status = 'pending') AS pending, sum(o.status = 'sent') AS sent,
                  sum(o.status = 'failed') AS failed, sum(o.status = 'in_doubt') AS in_doubt,
                  sum(o.status = 'sending') AS sending, sum(o.status = 'feed') AS feed,
                  max(o.sent_at) AS last_sent,
                  (SELECT o2.last_error FROM outbox o2 WHERE o2.subscription_id = s.id AND o2.status = 'failed'
                   ORDER BY o2.next_attempt_at DESC LIMIT 1) AS last_error,
                  (SELECT min(o3.next_attempt_at) FROM outbox o3 WHERE o3.subscription_id = s.id
                   AND o3.status = 'failed') AS next_retry
           FROM subscriptions s LEFT JOIN outbox o ON o.subscription_id = s.id
           GROUP BY s.id ORDER BY s.name"""))


def recent(db, sub_id: int, limit: int = 20) -> list[dict]:
    """The latest outbox rows of a subscription with their article, newest first."""
    return _rows(db.execute(
        """SELECT o.id, o.article_id, o.status, o.attempts, o.created_at, o.due_at, o.next_attempt_at, o.sent_at,
                  o.last_error, o.why, a.title, a.url, a.source, a.published
           FROM outbox o JOIN articles a ON a.id = o.article_id
           WHERE o.subscription_id = ? ORDER BY o.id DESC LIMIT ?""", [sub_id, limit]))


# -- matching --------------------------------------------------------------------------------------


def _entity_ids(db, name: str) -> list[int]:
    """Ids of the stored entities a subscription's entity name stands for (name, KB id or alias)."""
    from nlp.kb import normalise

    norm = normalise(name)
    return [r[0] for r in db.execute(
        "SELECT id FROM entities WHERE norm = ? OR kb_id = ? UNION SELECT entity_id FROM aliases WHERE alias_norm = ?",
        [norm, name, norm])]


def _sql_for(sub: Subscription, ids: list[int], entity_ids: list[list[int]],
             ids_json: str | None = None) -> tuple[str, list]:
    """The matching query: driven by its most selective index (FTS, mentions or amounts), so an
    article's row (and its long text) is read only for candidates."""
    lo, hi = min(ids), max(ids)
    where = ["h.id IN (SELECT value FROM json_each(?))"]
    params: list = []
    rest: list = [ids_json or json.dumps(ids)]
    entity_ids = list(entity_ids)
    amount_driven = False
    if sub.query:
        head = ("SELECT rowid AS id, snippet(articles_fts, -1, char(2), char(3), '…', 24) AS snip"
                " FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?")
        params = [sub.query, lo, hi]
    elif entity_ids:
        first = entity_ids.pop(0)
        head = (f"SELECT DISTINCT article_id AS id, NULL AS snip FROM mentions WHERE entity_id IN"
                f" ({','.join('?' * len(first))}) AND article_id BETWEEN ? AND ?")
        params = [*first, lo, hi]
    elif sub.min_amount is not None:
        head = ("SELECT DISTINCT article_id AS id, NULL AS snip FROM amounts INDEXED BY idx_amounts_article"
                " WHERE article_id BETWEEN ? AND ? AND kind = 'money' AND eur >= ?")
        params = [lo, hi, sub.min_amount]
        amount_driven = True
    else:
        head = "SELECT id, NULL AS snip FROM articles WHERE id BETWEEN ? AND ?"
        params = [lo, hi]
    for eids in entity_ids:
        # idx_mentions_entity (entity_id, article_id): one range read per entity
        where.append(f"h.id IN (SELECT article_id FROM mentions WHERE entity_id IN ({','.join('?' * len(eids))})"
                     " AND article_id BETWEEN ? AND ?)")
        rest += [*eids, lo, hi]
    if sub.min_amount is not None and not amount_driven:
        # unary + keeps SQLite on idx_amounts_article (a lookup per candidate) rather than a scan
        # of every large amount in the database through an index on (kind, eur)
        where.append("EXISTS (SELECT 1 FROM amounts x WHERE x.article_id = h.id AND +x.kind = 'money'"
                     " AND +x.eur >= ?)")
        rest.append(sub.min_amount)
    if sub.topic:
        from nlp.topics import ON_TOPIC

        # every article has a score on every topic: the subscription wants those on it
        where.append("h.id IN (SELECT article_id FROM article_topics WHERE topic = ? AND score >= ?)")
        rest += [sub.topic, ON_TOPIC]
    if sub.lang:
        where.append("a.lang = ?")
        rest.append(sub.lang)
        sql = f"SELECT h.id, h.snip FROM h JOIN articles a ON a.id = h.id WHERE {' AND '.join(where)}"
    else:
        sql = f"SELECT h.id, h.snip FROM h WHERE {' AND '.join(where)}"
    # MATERIALIZED: run the driving index once; flattened, SQLite would push the other filters
    # into FTS5 as one MATCH per candidate id
    sql = f"WITH h AS MATERIALIZED ({head}) {sql}"
    return sql + " ORDER BY h.id", params + rest


def _tables(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def match(db, sub: Subscription, ids: list[int], *, ids_json: str | None = None) -> list[Match]:
    """The articles among `ids` that `sub` matches, with why; raises sqlite3.Error on a bad query.

    `ids` are analysed articles that are not copies of another (see `eligible`).
    """
    if not ids:
        return []
    if sub.topic and "article_topics" not in _tables(db):
        # Topics are a later stage; until it stores them, say so rather than match nothing.
        raise SubscriptionError("topic filters need article topics (an article_topics table), "
                                "which this database does not have yet")
    entity_ids = [_entity_ids(db, name) for name in sub.entities]
    if not all(entity_ids):
        return []  # an entity never seen yet: nothing can mention it
    sql, params = _sql_for(sub, ids, entity_ids, ids_json)
    hits = db.execute(sql, params).fetchall()
    if not hits:
        return []
    return _explain(db, sub, hits)


def _explain(db, sub: Subscription, hits: list[tuple]) -> list[Match]:
    from nlp.kb import normalise

    ids = [h[0] for h in hits]
    marks = ",".join("?" * len(ids))
    ents: dict[int, list[str]] = {}
    if sub.entities:
        wanted = {normalise(e) for e in sub.entities}
        for aid, name, norm, alias_norm in db.execute(
                f"""SELECT DISTINCT m.article_id, e.name, e.norm, al.alias_norm FROM mentions m
                    JOIN entities e ON e.id = m.entity_id LEFT JOIN aliases al ON al.entity_id = e.id
                    WHERE m.article_id IN ({marks})""", ids):
            if norm in wanted or alias_norm in wanted:
                ents.setdefault(aid, [])
                if name not in ents[aid]:
                    ents[aid].append(name)
    amounts: dict[int, list[dict]] = {}
    if sub.min_amount is not None:
        for aid, text, eur in db.execute(
                f"SELECT article_id, text, eur FROM amounts WHERE article_id IN ({marks}) AND kind = 'money'"
                f" AND eur >= ? ORDER BY eur DESC", [*ids, sub.min_amount]):
            amounts.setdefault(aid, []).append({"text": text, "eur": eur})
    out = []
    for aid, snip in hits:
        terms = sorted({t.lower() for t in re.findall(f"{HIT_OPEN}(.*?){HIT_CLOSE}", snip or "")})
        out.append(Match(aid, {"snippet": snip, "terms": terms, "entities": ents.get(aid, []),
                               "amounts": amounts.get(aid, [])[:3]}))
    return out


def _note_error(db, sub: Subscription, error: str | None, now: datetime) -> None:
    db.conn.execute("UPDATE subscriptions SET error = ?, error_at = ? WHERE id = ?",
                    [error, _iso(now) if error else None, sub.id])


def match_new(db, *, now: datetime | None = None, chunk: int = 10_000) -> MatchReport:
    """What was queued: every analysed article not yet scanned, matched against active subscriptions.

    A subscription whose query fails is reported (and its error stored), not fatal to the others.
    """
    now = _utc(now)
    report = MatchReport()
    subs = all_subscriptions(db, active_only=True)
    failed: dict[int, str] = {}
    while True:
        ids = [r[0] for r in db.execute(
            "SELECT a.id FROM articles a WHERE a.status != 'new' AND NOT EXISTS "
            "(SELECT 1 FROM alert_scanned s WHERE s.article_id = a.id) ORDER BY a.id LIMIT ?", [chunk])]
        if not ids:
            break
        queued: list[tuple] = []
        fresh = eligible(db, ids)
        fresh_json = json.dumps(fresh)
        for sub in subs:
            todo = [i for i in fresh if i > sub.start_after] if fresh and sub.start_after >= fresh[0] else fresh
            if not todo or sub.id in failed:
                continue
            try:
                found = match(db, sub, todo, ids_json=fresh_json if todo is fresh else None)
            except (sqlite3.Error, SubscriptionError) as exc:
                failed[sub.id] = f"matching failed: {exc}"
                report.errors[sub.name] = failed[sub.id]
                log.warning("alert %r: %s", sub.name, failed[sub.id])
                continue
            status = "pending" if sub.notify else "feed"
            due = _iso(due_after(sub.every, now))
            queued += [(sub.id, m.article_id, json.dumps(m.why, ensure_ascii=False), _iso(now), due, status, due)
                       for m in found]
        with transaction(db) as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO outbox (subscription_id, article_id, why, created_at, due_at, status,"
                " next_attempt_at) VALUES (?,?,?,?,?,?,?)", queued)
            report.queued += conn.total_changes - before
            conn.executemany("INSERT OR IGNORE INTO alert_scanned (article_id) VALUES (?)", [(i,) for i in ids])
        report.scanned += len(ids)
    for sub in subs:
        if sub.id in failed:
            _note_error(db, sub, failed[sub.id], now)
        elif sub.error and report.scanned:
            _note_error(db, sub, None, now)
    return report


def eligible(db, ids: list[int]) -> list[int]:
    """The ids among `ids` of analysed articles that are not copies of another (copies never alert)."""
    if not ids:
        return []
    return [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?)) AND duplicate_of IS NULL"
        " AND status != 'new' ORDER BY id", [json.dumps(ids)])]


def dry_run(db, sub: Subscription, *, days: int = 7, now: datetime | None = None) -> list[Match]:
    """What `sub` would have matched among the articles published or stored in the last `days`."""
    now = _utc(now)
    since = _iso(now - timedelta(days=days))
    ids = [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE (published >= ? OR fetched_at >= ?) AND duplicate_of IS NULL"
        " AND status != 'new' ORDER BY id", [since[:10], since])]
    out: list[Match] = []
    for i in range(0, len(ids), 2000):
        out += match(db, sub, ids[i:i + 2000])
    return out


# -- messages --------------------------------------------------------------------------------------

_WORDS = {
    "fr": {"new": "nouveaux articles", "entities": "Acteurs", "amounts": "Montants", "why": "Pourquoi",
           "query": "requête", "entity": "entité", "amount": "montant ≥", "read": "Lire"},
    "en": {"new": "new articles", "entities": "Actors", "amounts": "Amounts", "why": "Why",
           "query": "query", "entity": "entity", "amount": "amount ≥", "read": "Read"},
}


@dataclass
class AlertItem:
    outbox_id: int
    article_id: int
    title: str
    url: str
    source: str | None
    published: str | None
    why: dict
    entities: list[str]
    amounts: list[str]


@dataclass
class Message:
    title: str
    markdown: str
    html: str
    key: str  # the same for every attempt at the same rows


def _highlight(snippet: str | None, fmt: str) -> str:
    if not snippet:
        return ""
    snippet = " ".join(snippet.split())
    if fmt == "html":
        s = html_lib.escape(snippet)
        return s.replace(HIT_OPEN, "<mark>").replace(HIT_CLOSE, "</mark>")
    return snippet.replace(HIT_OPEN, "**").replace(HIT_CLOSE, "**")


def _why_line(sub: Subscription, item: AlertItem, w: dict) -> str:
    parts = []
    if sub.query:
        terms = ", ".join(item.why.get("terms") or [])
        parts.append(f"{w['query']} « {sub.query} »" + (f" ({terms})" if terms else ""))
    for e in item.why.get("entities") or sub.entities:
        parts.append(f"{w['entity']} {e}")
    if sub.min_amount is not None:
        found = ", ".join(a["text"] for a in item.why.get("amounts") or [])
        parts.append(f"{w['amount']} {sub.min_amount:,.0f} EUR" + (f" ({found})" if found else ""))
    if sub.lang:
        parts.append(f"lang {sub.lang}")
    return "; ".join(parts)


def render(sub: Subscription, items: list[AlertItem], lang: str = "fr") -> Message:
    """The message for one group of outbox rows: title, Markdown body, HTML body and stable key."""
    w = _WORDS.get(lang, _WORDS["fr"])
    if len(items) == 1:
        title = f"[veille] {sub.name}: {items[0].title}"
        key = f"veille-{sub.id}-{items[0].article_id}"
    else:
        title = f"[veille] {sub.name}: {len(items)} {w['new']}"
        digest = hashlib.sha1(",".join(str(i.outbox_id) for i in items).encode()).hexdigest()[:12]
        key = f"veille-{sub.id}-batch-{digest}"
    md, html = [], []
    for it in items:
        meta = " · ".join(x for x in (it.source, it.published) if x)
        md.append(f"**{it.title}**  \n{meta}")
        html.append(f"<h3><a href=\"{html_lib.escape(it.url)}\">{html_lib.escape(it.title)}</a></h3>"
                    f"<p><small>{html_lib.escape(meta)}</small></p>")
        snip = it.why.get("snippet")
        if snip:
            md.append(f"> {_highlight(snip, 'md')}")
            html.append(f"<blockquote>{_highlight(snip, 'html')}</blockquote>")
        if it.entities:
            md.append(f"{w['entities']}: {', '.join(it.entities)}")
            html.append(f"<p>{w['entities']}: {html_lib.escape(', '.join(it.entities))}</p>")
        if it.amounts:
            md.append(f"{w['amounts']}: {', '.join(it.amounts)}")
            html.append(f"<p>{w['amounts']}: {html_lib.escape(', '.join(it.amounts))}</p>")
        why = _why_line(sub, it, w)
        md.append(f"{w['why']}: {why}")
        html.append(f"<p><em>{w['why']}: {html_lib.escape(why)}</em></p>")
        md.append(f"{w['read']}: {it.url}\n")
        html.append(f"<p><a href=\"{html_lib.escape(it.url)}\">{html_lib.escape(it.url)}</a></p><hr>")
    return Message(title, "\n\n".join(md).strip() + "\n", "\n".join(html), key)


def _fmt_amount(a: dict) -> str:
    if a["eur"] is not None and a["unit"] != "EUR":
        return f"{a['text']} (≈ {a['eur']:,.0f} EUR)"
    return a["text"]


def load_items(db, outbox_ids: list[int]) -> list[AlertItem]:
    """The outbox rows with what a message shows of their article: entities, amounts, link."""
    from db import queries

    rows = _rows(db.execute(
        f"""SELECT o.id, o.article_id, o.why, a.title, a.url, a.source, a.published FROM outbox o
            JOIN articles a ON a.id = o.article_id WHERE o.id IN ({','.join('?' * len(outbox_ids))})
            ORDER BY a.published DESC, o.id""", outbox_ids))
    aids = [r["article_id"] for r in rows]
    ments, amts = queries.mentions_of(db, aids), queries.amounts_of(db, aids)
    out = []
    for r in rows:
        money = sorted((a for a in amts.get(r["article_id"], []) if a["kind"] == "money"),
                       key=lambda a: -(a["eur"] or 0))
        out.append(AlertItem(
            outbox_id=r["id"], article_id=r["article_id"], title=r["title"] or r["url"], url=r["url"],
            source=r["source"], published=r["published"], why=json.loads(r["why"] or "{}"),
            entities=[m["name"] for m in ments.get(r["article_id"], [])[:6]],
            amounts=[_fmt_amount(a) for a in money[:3]]))
    return out


# -- delivery --------------------------------------------------------------------------------------

Sender = Callable[..., None]


def recover_abandoned(db, *, now: datetime | None = None) -> int:
    """How many rows were found mid-send past their lease (a crashed run) and marked in_doubt."""
    ts = _iso(_utc(now))
    with transaction(db) as conn:
        claims = [r[0] for r in conn.execute(
            "SELECT DISTINCT claim FROM outbox WHERE status = 'sending' AND lease_until < ?", [ts])]
        n = conn.execute(
            "UPDATE outbox SET status = 'in_doubt', last_error = 'interrupted between send and commit;"
            " probably delivered, not resent (veille alerts retry NAME --in-doubt resends it)'"
            " WHERE status = 'sending' AND lease_until < ?", [ts]).rowcount
        conn.executemany("UPDATE delivery_attempts SET outcome = 'in_doubt', finished_at = ? "
                         "WHERE claim = ? AND outcome IS NULL", [(ts, c) for c in claims])
    if n:
        log.warning("%d alert(s) were interrupted mid-send by an earlier run: marked in_doubt, not resent", n)
    return n


def _due_groups(db, now: str) -> list[tuple[Subscription, list[int]]]:
    rows = db.execute(
        """SELECT o.subscription_id, o.id FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id
           WHERE o.status IN ('pending', 'failed') AND o.due_at <= ? AND o.next_attempt_at <= ?
             AND s.active = 1 AND s.notify IS NOT NULL
           ORDER BY o.subscription_id, o.id""", [now, now]).fetchall()
    subs = {s.id: s for s in all_subscriptions(db, active_only=True)}
    groups: list[tuple[Subscription, list[int]]] = []
    by_sub: dict[int, list[int]] = {}
    for sid, oid in rows:
        by_sub.setdefault(sid, []).append(oid)
    for sid, oids in by_sub.items():
        sub = subs[sid]
        if sub.every == "immediate":
            groups += [(sub, [o]) for o in oids]
        else:
            groups += [(sub, oids[i:i + BATCH_LIMIT]) for i in range(0, len(oids), BATCH_LIMIT)]
    return groups


def _claim(db, ids: list[int], now: datetime, lease: float) -> tuple[str, list[int]]:
    token = uuid.uuid4().hex
    ts = _iso(now)
    marks = ",".join("?" * len(ids))
    with transaction(db) as conn:
        conn.execute(
            f"UPDATE outbox SET status = 'sending', claim = ?, lease_until = ?, attempts = attempts + 1"
            f" WHERE id IN ({marks}) AND status IN ('pending', 'failed')",
            [token, _iso(now + timedelta(seconds=lease)), *ids])
        got = [r[0] for r in conn.execute("SELECT id FROM outbox WHERE claim = ? ORDER BY id", [token])]
        conn.executemany("INSERT INTO delivery_attempts (outbox_id, claim, started_at) VALUES (?, ?, ?)",
                         [(i, token, ts) for i in got])
    return token, got


def _finish(db, token: str, now: datetime, error: str | None) -> None:
    ts = _iso(now)
    with transaction(db) as conn:
        if error is None:
            # 'in_doubt' too: a run that outlived its lease did send, and now we know it
            conn.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL, lease_until = NULL"
                         " WHERE claim = ? AND status IN ('sending', 'in_doubt')", [ts, token])
            conn.execute("UPDATE delivery_attempts SET outcome = 'sent', finished_at = ? WHERE claim = ?",
                         [ts, token])
            return
        for oid, attempts in conn.execute("SELECT id, attempts FROM outbox WHERE claim = ? AND status = 'sending'",
                                          [token]).fetchall():
            conn.execute("UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_at = ?,"
                         " lease_until = NULL WHERE id = ?",
                         [error, _iso(now + timedelta(seconds=backoff(attempts))), oid])
        conn.execute("UPDATE delivery_attempts SET outcome = 'failed', error = ?, finished_at = ? WHERE claim = ?",
                     [error, ts, token])


def deliver_due(db, *, now: datetime | None = None, send: Sender | None = None, timeout: float = 10,
                lang: str = "fr", after_send: Callable[[str], None] | None = None,
                clock: Callable[[], datetime] | None = None) -> DeliveryReport:
    """What was delivered: every due outbox group sent once through its channel.

    `send` defaults to `channels.deliver`; `after_send(claim)` runs between a successful send
    and its commit (tests put a crash there); `clock` gives the time of each commit.
    """
    send = send or channels.deliver
    start = _utc(now)
    clock = clock or (lambda: _utc(None) if now is None else start)
    report = DeliveryReport(in_doubt=recover_abandoned(db, now=start))
    lease = 3 * timeout + 60  # far longer than one send may take: a live run never loses its claim
    down: dict[str, str] = {}
    for sub, ids in _due_groups(db, _iso(start)):
        if sub.notify in down:
            report.deferred += len(ids)
            continue
        token, got = _claim(db, ids, clock(), lease)
        if not got:
            continue  # another run took them
        msg = render(sub, load_items(db, got), lang)
        try:
            send(sub.notify, msg.title, msg.markdown, html=msg.html, timeout=timeout, key=msg.key)
        except channels.DeliveryError as exc:
            _finish(db, token, clock(), str(exc))
            down[sub.notify] = str(exc)
            report.failed += len(got)
            report.errors.append(f"{sub.name}: {exc}")
            log.warning("alert %r not delivered (will retry): %s", sub.name, exc)
            continue
        if after_send:
            after_send(token)
        _finish(db, token, clock(), None)
        report.sent += len(got)
        report.messages += 1
    return report


# -- Atom feed -------------------------------------------------------------------------------------


def feed(db, sub: Subscription, *, limit: int = 50, lang: str = "fr") -> str:
    """The Atom feed of a subscription's latest matches (whatever their delivery status)."""
    rows = recent(db, sub.id, limit)
    w = _WORDS.get(lang, _WORDS["fr"])
    entries = []
    for r in rows:
        item = AlertItem(r["id"], r["article_id"], r["title"] or r["url"], r["url"], r["source"], r["published"],
                         json.loads(r["why"] or "{}"), [], [])
        snippet = (item.why.get("snippet") or "").replace(HIT_OPEN, "«").replace(HIT_CLOSE, "»")
        summary = " ".join(x for x in (" ".join(snippet.split()), f"{w['why']}: {_why_line(sub, item, w)}") if x)
        entries.append(channels.FeedEntry(
            id=f"urn:veille:alert:{sub.id}:{r['article_id']}", title=item.title, link=item.url,
            updated=r["created_at"], summary=summary, author=r["source"]))
    return channels.atom_feed(f"urn:veille:alert:{sub.id}", f"veille · {sub.name}", entries)
