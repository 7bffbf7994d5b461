"""Delivery of the outbox, alerts and briefs alike: each message sent once, none lost.

For each due group of rows (one row for an `immediate` alert, a period's rows for
`hourly`/`daily`, one brief) a run

a. claims the rows (status `claimed`, a fresh claim token), committed before anything is sent;
b. renders the message and marks the rows `handing`, committed, then gives it to the channel in
   a child process that is killed at the deadline (`digests.sendworker`);
c. commits the outcome: `sent`, or `failed` with the next try pushed back exponentially, or
   `dead` once the row has been due for longer than `GIVE_UP`.

A run holds the delivery lock (a `flock` on `<db>.delivery.lock`) from start to end; a second
run finds it taken and sends nothing. So when a run starts, no other is alive, and rows left
`claimed` or `handing` belong to a run that died: `claimed` ones never reached the channel and
are retried; `handing` ones may have arrived and become `in_doubt`, reported and resent only on
request (`veille alerts retry NAME --in-doubt`).

The guarantee: a `sent` row is never sent again; a failure the channel reports is retried
until `GIVE_UP`; only a run killed while the channel held a message can leave it in doubt. A
timeout can hide a message that did arrive: its retry carries the same `X-Veille-Alert-Id`
header (mail, JSON webhooks) for the receiver to drop.
"""
from __future__ import annotations

import atexit
import base64
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from db import credentials, outbox
from digests.alerts import messages
from digests.alerts.subscriptions import Subscription, all_subscriptions
from digests.channels import DeliveryError, redact
from digests.clock import iso, utc

log = logging.getLogger(__name__)

BACKOFF_BASE = 60.0  # seconds before the first retry; doubles each time
BACKOFF_CAP = 6 * 3600.0
GIVE_UP = timedelta(hours=48)  # a row failing for longer is dead: its news is stale
BATCH_LIMIT = 50  # articles in one batched message; the rest go in the next one
DOWN_AFTER = 2  # failures in a row on one channel before its other rows wait for the next run

Sender = Callable[..., None]
Hook = Callable[[str, str], None]  # (stage, claim token): tests stop a run at a given stage


@dataclass
class DeliveryReport:
    sent: int = 0  # alert rows delivered
    messages: int = 0
    failed: int = 0
    deferred: int = 0  # not tried: their channel failed twice in a row in this run
    in_doubt: int = 0  # found abandoned while the channel had them, by an earlier run
    retried: int = 0  # found claimed but never handed over by an earlier run: sent again
    dead: int = 0  # failed for longer than GIVE_UP: no more retries
    briefs_sent: int = 0
    briefs_failed: int = 0
    locked: bool = False  # another delivery run holds the lock: this one sent nothing
    errors: list[str] = field(default_factory=list)


@dataclass
class Outgoing:
    title: str
    markdown: str
    html: str | None
    key: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure: 1 min, 2, 4, ... up to 6 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


@contextmanager
def delivery_lock(db, wait: float = 0.0):
    """True while this process holds the database's delivery lock, False when another run has it."""
    import fcntl

    path = credentials.db_file(db.conn)
    if path is None:  # an in-memory database: no other process can see its rows
        yield True
        return
    with open(f"{path}.delivery.lock", "a") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_worker = None


def _default_send(*args, **kwargs) -> None:
    # one child process per veille process, reused between runs; replaced when it is killed
    global _worker
    from digests.sendworker import SendWorker

    if _worker is None:
        _worker = SendWorker()
        atexit.register(_worker.close)
    _worker.send(*args, **kwargs)


class _Run:
    """One delivery pass: the report, the channel-failure tally and the send of one group."""

    def __init__(self, db, *, start: datetime, send: Sender, timeout: float, lang: str,
                 hook: Hook | None, clock: Callable[[], datetime]):
        self.db, self.start, self.send, self.timeout, self.lang = db, start, send, timeout, lang
        self.hook, self.clock = hook or (lambda stage, token: None), clock
        self.report = DeliveryReport()
        self.failures: dict[str, int] = {}  # channel URL → failures in a row in this run

    def now(self) -> str:
        return iso(self.clock())

    def down(self, url: str | None) -> bool:
        # one failing row must not hold back its channel: only a second failure in a row says
        # the channel itself is down, and then its other rows wait for the next run
        return url is not None and self.failures.get(url, 0) >= DOWN_AFTER

    def attempt(self, table: str, ids: list[int], ref: str, make: Callable[[list[int]], Outgoing]) -> tuple:
        """(rows claimed, error or None, rows that died); (0, None, 0) when another run had them."""
        token = uuid.uuid4().hex
        got = outbox.claim(self.db, table, ids, token, self.now())
        if not got:
            return 0, None, 0
        self.hook("claimed", token)
        try:
            url = credentials.get(self.db.conn, ref)
        except credentials.SecretError as exc:
            error, dead = self._fail(table, token, None, str(exc))
            return len(got), error, dead
        msg = make(got)
        outbox.handing(self.db, table, token)
        self.hook("handing", token)
        try:
            with _attachment_files(msg.attachments) as paths:
                self.send(url, msg.title, msg.markdown, html=msg.html, attachments=paths or None,
                          timeout=self.timeout, key=msg.key)
        except DeliveryError as exc:
            error, dead = self._fail(table, token, url, str(exc))
            return len(got), error, dead
        self.hook("sent", token)
        outbox.sent(self.db, table, token, self.now())
        self.failures[url] = 0
        return len(got), None, 0

    def _fail(self, table: str, token: str, url: str | None, error: str) -> tuple[str, int]:
        if url is not None:
            self.failures[url] = self.failures.get(url, 0) + 1
        give_up = iso(self.start - GIVE_UP)
        dead = outbox.failed(self.db, table, token, self.now(), error, give_up_before=give_up,
                             retry_at=lambda n: iso(self.clock() + timedelta(seconds=backoff(n))))
        return error, dead


@contextmanager
def _attachment_files(attachments: list[tuple[str, bytes]]):
    if not attachments:
        yield []
        return
    with tempfile.TemporaryDirectory(prefix="veille-send-") as tmp:
        paths = []
        for name, data in attachments:
            p = Path(tmp) / Path(name).name
            p.write_bytes(data)
            paths.append(str(p))
        yield paths


def _alert_groups(db, ts: str) -> list[tuple[Subscription, list[int]]]:
    subs = {s.id: s for s in all_subscriptions(db, active_only=True)}
    by_sub: dict[int, list[int]] = {}
    for sid, oid in outbox.due_alerts(db, ts):
        by_sub.setdefault(sid, []).append(oid)
    groups: list[tuple[Subscription, list[int]]] = []
    for sid, oids in by_sub.items():
        sub = subs[sid]
        if sub.every == "immediate":
            groups += [(sub, [o]) for o in oids]
        else:
            groups += [(sub, oids[i:i + BATCH_LIMIT]) for i in range(0, len(oids), BATCH_LIMIT)]
    return groups


def _alert_message(run: _Run, sub: Subscription) -> Callable[[list[int]], Outgoing]:
    def make(ids: list[int]) -> Outgoing:
        msg = messages.render(sub, messages.load_items(run.db, ids), run.lang)
        return Outgoing(msg.title, msg.markdown, msg.html, msg.key)
    return make


def _deliver_alerts(run: _Run) -> None:
    r = run.report
    for sub, ids in _alert_groups(run.db, iso(run.start)):
        try:
            url = credentials.get(run.db.conn, sub.notify)
        except credentials.SecretError:
            url = None  # attempt() records the missing secret as this row's failure
        if run.down(url):
            r.deferred += len(ids)
            continue
        n, error, dead = run.attempt("outbox", ids, sub.notify, _alert_message(run, sub))
        if not n:
            continue  # another run took them
        if error is None:
            r.sent += n
            r.messages += 1
            continue
        r.failed += n - dead
        r.dead += dead
        r.errors.append(f"{sub.name}: {error}")
        log.warning("alert %r not delivered (%s): %s", sub.name, "given up" if dead else "will retry", error)


def _brief_message(run: _Run) -> Callable[[list[int]], Outgoing]:
    def make(ids: list[int]) -> Outgoing:
        row = outbox.brief(run.db, ids[0])
        files = [(a["name"], base64.b64decode(a["base64"])) for a in json.loads(row["attachments"] or "[]")]
        return Outgoing(row["title"], row["markdown"], row["html"], row["key"], files)
    return make


def _deliver_briefs(run: _Run, only: int | None) -> None:
    r = run.report
    for bid in outbox.due_briefs(run.db, iso(run.start), only):
        ref = outbox.brief(run.db, bid)["notify"]
        n, error, dead = run.attempt("brief_outbox", [bid], ref, _brief_message(run))
        if not n:
            continue
        if error is None:
            r.briefs_sent += 1
            credentials.forget(run.db.conn, [ref])  # nothing else refers to a brief's channel copy
            continue
        r.briefs_failed += 1
        r.dead += dead
        try:
            shown = redact(credentials.get(run.db.conn, ref))
        except credentials.SecretError:
            shown = ref
        r.errors.append(f"brief to {shown}: {error}")
        log.warning("brief not delivered (%s): %s", "given up" if dead else "will retry", error)


def deliver_due(db, *, now: datetime | None = None, send: Sender | None = None, timeout: float = 10,
                lang: str = "fr", hook: Hook | None = None, clock: Callable[[], datetime] | None = None,
                alerts: bool = True, briefs: bool = True, only_brief: int | None = None,
                lock_wait: float = 0.0) -> DeliveryReport:
    """What was delivered: every due alert group and brief sent once through its channel.

    `db` is a `db.store.Store` or its database. This is the delivery step of `veille run`.

    `send` defaults to a child process killed at `timeout` (`digests.sendworker`); `hook(stage,
    claim)` runs after each stage (`claimed`, `handing`, `sent` before its commit: tests put a
    crash there); `clock` gives the time of each commit. With `only_brief`, just that brief.
    """
    db = getattr(db, "db", db)  # a Store or its database
    start = utc(now)
    clock = clock or (lambda: utc(None) if now is None else start)
    with delivery_lock(db, lock_wait) as held:
        if not held:
            log.warning("another delivery run holds the lock: nothing sent by this one")
            return DeliveryReport(locked=True, errors=["another delivery run is in progress"])
        run = _Run(db, start=start, send=send or _default_send, timeout=timeout, lang=lang, hook=hook,
                   clock=clock)
        run.report.retried, run.report.in_doubt = outbox.recover(db, iso(start))
        if run.report.in_doubt:
            log.warning("%d message(s) were interrupted while their channel had them: marked in_doubt, not resent",
                        run.report.in_doubt)
        if alerts and only_brief is None:
            _deliver_alerts(run)
        if briefs:
            _deliver_briefs(run, only_brief)
    return run.report
