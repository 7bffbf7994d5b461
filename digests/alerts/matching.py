"""Matching new articles against subscriptions, into the outbox (the SQL is in db.alert_matching).

`match_new(db)` runs right after enrichment: every analysed article not yet scanned is matched
against every active subscription, and one outbox row is queued per (subscription, article).
"""
from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from db import alert_matching as sql
from db import subscriptions as sub_rows
from db.entity_lookup import lookup
from digests.alerts.subscriptions import Subscription, SubscriptionError, all_subscriptions
from digests.clock import iso, utc

log = logging.getLogger(__name__)

HIT_OPEN, HIT_CLOSE = sql.HIT_OPEN, sql.HIT_CLOSE


@dataclass
class Match:
    article_id: int
    why: dict  # {"snippet", "terms", "entities", "amounts"}, and "deals" for a deal subscription


@dataclass
class MatchReport:
    scanned: int = 0
    queued: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # subscription name → why it failed


def due_after(every: str, now: datetime) -> datetime:
    """When a row queued at `now` may go out: at once, or at the end of its hour or day (UTC)."""
    if every == "hourly":
        return now.replace(minute=0, second=0) + timedelta(hours=1)
    if every == "daily":
        return now.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    return now


def match(db, sub: Subscription, ids: list[int], *, ids_json: str | None = None) -> list[Match]:
    """The articles among `ids` that `sub` matches, with why; raises sqlite3.Error on a bad query.

    `ids` are analysed articles that are not copies of another (see `db.alert_matching.eligible`).
    """
    if not ids:
        return []
    if sub.topic and not sql.has_topics(db):
        # Topics are a later stage; until it stores them, say so rather than match nothing.
        raise SubscriptionError("topic filters need article topics (an article_topics table), "
                                "which this database does not have yet")
    found = [lookup(db.conn, name).best for name in sub.entities]
    if not all(found):
        return []  # an entity never seen yet: nothing can mention it
    from nlp.topics import ON_TOPIC

    crit = sql.Criteria(sub.query, [e.id for e in found], sub.topic, sub.lang, sub.min_amount, sub.deal)
    hits = sql.hits(db, crit, ids, on_topic=ON_TOPIC, ids_json=ids_json)
    if not hits:
        return []
    aids = [h[0] for h in hits]
    ents = sql.mentioned(db, aids, crit.entity_ids)
    amounts = sql.large_amounts(db, aids, sub.min_amount) if sub.min_amount is not None and not sub.deal else {}
    deals = _deal_reasons(db, crit, aids) if sub.deal else {}
    out = []
    for aid, snip in hits:
        terms = sorted({t.lower() for t in re.findall(f"{HIT_OPEN}(.*?){HIT_CLOSE}", snip or "")})
        why = {"snippet": snip, "terms": terms, "entities": ents.get(aid, []), "amounts": amounts.get(aid, [])[:3]}
        if sub.deal:
            why["deals"] = deals.get(aid, [])
        out.append(Match(aid, why))
    return out


_DEAL_KEYS = ("id", "kind", "status", "amount_text", "amount_value", "amount_unit", "amount_eur", "date",
              "date_precision")


def _deal_reasons(db, crit: sql.Criteria, aids: list[int]) -> dict[int, list[dict]]:
    """{article id: the deals it reports that the subscription asked for (three at most)}, kept in
    the outbox row so the message states them as they were when matched."""
    from db.deals import deals_for_articles

    wanted = sql.deal_ids(db, crit, aids)
    told = deals_for_articles(db, list(wanted))
    out: dict[int, list[dict]] = {}
    for aid, ids in wanted.items():
        seen: dict[int, dict] = {}
        for d in told.get(aid, []):
            if d["id"] in ids and d["id"] not in seen:
                seen[d["id"]] = {**{k: d[k] for k in _DEAL_KEYS},
                                 "parties": [{"name": p["canonical"], "role": p["role"]} for p in d["parties"]]}
        out[aid] = list(seen.values())[:3]
    return out


def _queue_rows(sub: Subscription, found: list[Match], now: datetime) -> list[tuple]:
    status = "pending" if sub.notify else "feed"
    due = iso(due_after(sub.every, now))
    return [(sub.id, m.article_id, json.dumps(m.why, ensure_ascii=False), iso(now), due, status) for m in found]


def match_new(db, *, now: datetime | None = None, chunk: int = 10_000) -> MatchReport:
    """What was queued: every analysed article not yet scanned, matched against active subscriptions.

    A subscription whose query fails is reported (and its error stored), not fatal to the others.
    """
    now = utc(now)
    report = MatchReport()
    subs = all_subscriptions(db, active_only=True)
    failed: dict[int, str] = {}
    while ids := sql.unscanned(db, chunk):
        queued: list[tuple] = []
        fresh = sql.eligible(db, ids)
        fresh_json = json.dumps(fresh)
        for sub in subs:
            todo = [i for i in fresh if i > sub.start_after] if fresh and sub.start_after >= fresh[0] else fresh
            if not todo or sub.id in failed:
                continue
            try:
                found = match(db, sub, todo, ids_json=fresh_json if todo is fresh else None)
            except (sqlite3.Error, SubscriptionError) as exc:
                failed[sub.id] = report.errors[sub.name] = f"matching failed: {exc}"
                log.warning("alert %r: %s", sub.name, failed[sub.id])
                continue
            queued += _queue_rows(sub, found, now)
        report.queued += sql.queue(db, queued, ids)
        report.scanned += len(ids)
    for sub in subs:
        if sub.id in failed:
            sub_rows.note_error(db, sub.id, failed[sub.id], iso(now))
        elif sub.error and report.scanned:
            sub_rows.note_error(db, sub.id, None, None)
    return report


def dry_run(db, sub: Subscription, *, days: int = 7, now: datetime | None = None) -> list[Match]:
    """What `sub` would have matched among the articles published or stored in the last `days`."""
    ids = sql.recent_ids(db, iso(utc(now) - timedelta(days=days)))
    out: list[Match] = []
    for i in range(0, len(ids), 2000):
        out += match(db, sub, ids[i:i + 2000])
    return out
