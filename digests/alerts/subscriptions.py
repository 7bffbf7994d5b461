"""Alert subscriptions: parsed and checked before they are saved, stored with their channel's
credentials kept out of the database (see `db.credentials`)."""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from db import alert_matching, credentials, outbox
from db import subscriptions as rows
from digests import channels
from digests.clock import iso, utc
from nlp.errors import VeilleError

EVERY = ("immediate", "hourly", "daily")
# the deal kinds of nlp.deals (kept here too: parsing a subscription must not load the extractor)
DEAL_KINDS = ("partnership", "investment", "acquisition", "public_funding", "expansion")
ANY_DEAL = "any"
_NAME_RE = re.compile(r"^[\w][\w.\- ]{0,63}$")
_ENV_RE = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")


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
    deal: str | None = None  # a deal kind or "any": matches articles that report such a deal
    notify: str | None = None  # a URL or env:NAME as given; once stored, a reference (db.credentials)
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
        if self.deal:
            out.append(f"deal: {self.deal}")
        if self.min_amount is not None:
            # with a deal, the minimum is the deal's amount, not any sum the article quotes
            out.append(f"{'deal amount' if self.deal else 'amount'} ≥ {self.min_amount:,.0f} EUR")
        return out


def check_query(query: str) -> None:
    """Nothing: raises SubscriptionError when SQLite's FTS5 cannot parse `query`."""
    try:
        alert_matching.parse_query(query)
    except sqlite3.OperationalError as exc:
        hint = ""
        if "'" in query or "’" in query or "syntax error" in str(exc):
            hint = ' (quote phrases and words with punctuation: "l\'IA", "France 2030"; operators are AND, OR, NOT)'
        elif "no such column" in str(exc):
            hint = " (only title: and text: may prefix a term; quote a term that holds ':' or '-')"
        raise SubscriptionError(f"invalid query {query!r}: {exc}{hint}") from None


def _amount(min_amount) -> float | None:
    if min_amount is None or min_amount == "":
        return None
    try:
        amount = float(min_amount)
    except (TypeError, ValueError):
        raise SubscriptionError(f"invalid minimum amount {min_amount!r}: a number of euros, e.g. 1e6") from None
    if not amount >= 0:
        raise SubscriptionError(f"invalid minimum amount {min_amount!r}: must be zero or more")
    return amount


def _deal(deal: str | None) -> str | None:
    if deal is None or not str(deal).strip():
        return None
    kind = str(deal).strip().lower().replace("-", "_")
    if kind not in (*DEAL_KINDS, ANY_DEAL):
        raise SubscriptionError(f"invalid --deal {deal!r}: one of {', '.join(DEAL_KINDS)} or {ANY_DEAL}")
    return kind


def _notify(notify: str | None) -> str | None:
    if notify is None or not notify.strip():
        return None
    notify = notify.strip()
    if notify.startswith(credentials.ENV):
        # checked when sent: the variable may be set only where `veille run` runs
        if not _ENV_RE.match(notify):
            raise SubscriptionError(f"invalid --notify {notify!r}: env:NAME names an environment variable")
        return notify
    try:
        return channels.validate_url(notify)
    except channels.ChannelURLError as exc:
        raise SubscriptionError(str(exc)) from None


def parse(name: str, *, query: str | None = None, entities: Iterable[str] = (), topic: str | None = None,
          lang: str | None = None, min_amount: float | str | None = None, notify: str | None = None,
          every: str | None = None, origin: str = "cli", deal: str | None = None) -> Subscription:
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
    amount = _amount(min_amount)
    kind = _deal(deal)
    if not (query or ents or topic or amount is not None or kind):
        raise SubscriptionError(f"subscription {name!r} has no criterion: give --query, --entity, --topic,"
                                " --min-amount or --deal")
    every = (every or "immediate").strip().lower()
    if every not in EVERY:
        raise SubscriptionError(f"invalid --every {every!r}: one of {', '.join(EVERY)}")
    return Subscription(name=name, query=query, entities=ents, topic=topic.strip() if topic else None,
                        lang=lang.strip().lower() if lang else None, min_amount=amount, deal=kind,
                        notify=_notify(notify), every=every, origin=origin)


def from_config(items: list[dict]) -> list[Subscription]:
    """Subscriptions declared as `[[alert]]` tables in veille.toml; raises SubscriptionError."""
    known = {"name", "query", "entity", "entities", "topic", "lang", "min_amount", "notify", "every", "deal"}
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
                             notify=item.get("notify"), every=item.get("every"), origin="config",
                             deal=item.get("deal")))
        except SubscriptionError as exc:
            raise SubscriptionError(f"{where}: {exc}") from None
    return out


def from_row(r: dict) -> Subscription:
    """The Subscription of a `subscriptions` row (any row with its columns)."""
    return Subscription(name=r["name"], query=r["query"], entities=json.loads(r["entities"] or "[]"),
                        topic=r["topic"], lang=r["lang"], min_amount=r["min_amount"], deal=r.get("deal"),
                        notify=r["notify"],
                        every=r["every"], active=bool(r["active"]), origin=r["origin"], id=r.get("id"),
                        start_after=r.get("start_after", 0), error=r["error"])


def get(db, name: str) -> Subscription | None:
    row = rows.get(db, name)
    return from_row(row) if row else None


def all_subscriptions(db, *, active_only: bool = False) -> list[Subscription]:
    return [from_row(r) for r in rows.all_rows(db, active_only=active_only)]


def save(db, sub: Subscription, *, replace: bool = False, now: datetime | None = None) -> Subscription:
    """The stored subscription. A new one matches articles stored from now on (see `dry_run`).

    The channel URL is kept beside the database, the row holds a reference to it.
    """
    ref = credentials.put(db.conn, sub.notify) if sub.notify else None
    values = {"query": sub.query, "entities": json.dumps(sub.entities, ensure_ascii=False), "topic": sub.topic,
              "lang": sub.lang, "min_amount": sub.min_amount, "notify": ref, "every": sub.every,
              "origin": sub.origin, "deal": sub.deal}
    ok, old_ref = rows.upsert(db, sub.name, values, iso(utc(now)), replace=replace)
    if not ok:
        credentials.forget(db.conn, [ref])
        raise SubscriptionError(f"a subscription named {sub.name!r} exists; remove it or use --replace")
    if old_ref != ref:
        credentials.forget(db.conn, [old_ref])
    return get(db, sub.name)


def channel_url(db, sub: Subscription) -> str | None:
    """The subscription's channel URL, read from where its reference points."""
    return credentials.get(db.conn, sub.notify)


def sync_config(db, subs: list[Subscription]) -> None:
    """Store the subscriptions of the config file, updating those whose declaration changed."""
    for sub in subs:
        old = get(db, sub.name)
        if old is None:
            save(db, sub)
            continue
        try:
            old_url = channel_url(db, old)
        except credentials.SecretError:
            old_url = None  # lost: the declaration's URL replaces it
        if (old.query, old.entities, old.topic, old.lang, old.min_amount, old.deal, old_url, old.every) != (
                sub.query, sub.entities, sub.topic, sub.lang, sub.min_amount, sub.deal, sub.notify, sub.every):
            save(db, sub, replace=True)


def set_active(db, name: str, active: bool) -> bool:
    """True when the subscription exists (now active or paused)."""
    return rows.set_active(db, name, active, iso(utc(None)))


def remove(db, name: str) -> bool:
    """True when a subscription was removed, with its outbox rows, attempts and channel secret."""
    ref = rows.remove(db, name)
    if ref is False:
        return False
    credentials.forget(db.conn, [ref])
    return True


def requeue(db, name: str, *, in_doubt: bool = False, failed: bool = True, dead: bool = False,
            now: datetime | None = None) -> int:
    """How many rows of a subscription were put back in the queue to be sent on the next run."""
    statuses = (["failed"] if failed else []) + (["in_doubt"] if in_doubt else []) + (["dead"] if dead else [])
    return outbox.requeue(db, name, statuses, iso(utc(now))) if statuses else 0


def overview(db) -> list[dict]:
    """One row per subscription with its outbox counts and the latest error, for `alerts list`."""
    return rows.overview(db)


def recent(db, sub_id: int, limit: int = 20) -> list[dict]:
    """The latest outbox rows of a subscription with their article, newest first."""
    return rows.recent(db, sub_id, limit)


def shown_channel(db, ref: str | None) -> str:
    """What a listing shows of a channel: the URL with its secrets masked."""
    if not ref:
        return "Atom feed only"
    if ref.startswith(credentials.ENV):
        return ref  # the variable's value is read only when sending
    try:
        return channels.redact(credentials.get(db.conn, ref))
    except credentials.SecretError as exc:
        return f"(channel secret missing: {exc})"
