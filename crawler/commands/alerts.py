"""`veille alerts ...`: keyword alert subscriptions, their outbox and its delivery."""
from __future__ import annotations

import json
import logging

import click

from crawler.options import db_option

log = logging.getLogger(__name__)


class AlertsError(click.ClickException):
    """One line on stderr and exit status 1, as every veille command fails."""


def open_store(ctx, db):
    """The store with the config file's `[[alert]]` subscriptions synced into it."""
    from crawler.config import db_path
    from db.store import Store
    from digests import alerts

    try:
        declared = alerts.from_config(ctx.obj.get("alert") or [])
    except alerts.SubscriptionError as exc:
        raise AlertsError(f"config: {exc}") from None
    path = db_path(ctx.obj, db)
    try:
        store = Store(path)
    except Exception as exc:  # noqa: BLE001 - sqlite3.DatabaseError and friends: say which file
        raise AlertsError(f"cannot open database {path}: {exc}") from None
    if declared:
        alerts.sync_config(store.db, declared)
    return store


_open = open_store  # the name `veille run` used


def queue_alerts(ctx, store) -> int:
    """How many alerts were queued: newly analysed articles matched against active subscriptions.

    Called by enrichment on its open store, so a crawl queues its alerts in the same run;
    sending them is left to `veille alerts run` (or the delivery step of `veille run`).
    """
    from digests import alerts

    try:
        declared = alerts.from_config(ctx.obj.get("alert") or [])
    except alerts.SubscriptionError as exc:
        raise AlertsError(f"config: {exc}") from None
    if declared:
        alerts.sync_config(store.db, declared)
    report = alerts.match_new(store.db)
    for name, error in report.errors.items():
        click.echo(f"alert {name}: {error}", err=True)
    if report.queued:
        log.info("queued %d alert(s) from %d article(s)", report.queued, report.scanned)
    return report.queued


def need_subscription(store, name):
    from digests import alerts

    sub = alerts.get(store.db, name)
    if sub is None:
        store.close()
        raise AlertsError(f"no subscription named {name!r} (see veille alerts list)")
    return sub


@click.group("alerts")
def alerts_group():
    """Keyword alerts: subscribe once, be told on your team's channel when an article matches.

    \b
    Example:
      veille alerts add openai-fr --query 'OpenAI AND (Paris OR France)' \\
          --notify 'mailto://user:pass@smtp.example.org?to=veille@example.org'
      veille alerts run
    """


@alerts_group.command("add")
@click.argument("name")
@db_option
@click.option("--query", help="FTS5 query over title and text: AND, OR, NOT, \"phrases\", prefix*.")
@click.option("--entity", "entities", multiple=True, help="An entity every match must mention (repeatable).")
@click.option("--topic", help="A topic every match must have.")
@click.option("--lang", help="Only articles in this language (fr, en, ...).")
@click.option("--min-amount", type=str, help="Only articles with a money amount of at least this many EUR (1e6).")
@click.option("--notify", help="Apprise URL of the channel (mailto://, slack://, ntfy://, json://...); "
                               "without it the subscription only feeds its Atom feed.")
@click.option("--every", type=click.Choice(["immediate", "hourly", "daily"]), default="immediate",
              show_default=True, help="Send each match at once, or one message per hour or day.")
@click.option("--replace", is_flag=True, help="Replace a subscription of the same name.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored subscription as JSON.")
@click.pass_context
def alerts_add(ctx, name, db, query, entities, topic, lang, min_amount, notify, every, replace, as_json):
    """Subscribe: store a named subscription, checked before it is saved.

    It matches articles stored from now on; `veille alerts test NAME` shows what it would
    have matched in the past days.

    \b
    Examples:
      veille alerts add openai-fr --query 'OpenAI AND (Paris OR France)' \\
          --notify 'mailtos://user:pass@smtp.example.org?to=veille@example.org'
      veille alerts add bpi --entity Bpifrance --min-amount 1e6 --notify ntfy://veille-bpi --every daily
      veille alerts add ia-uk --query '"AI Growth Zones"' --lang en --notify 'slack://T1/B2/C3'
    """
    from digests import alerts

    try:
        sub = alerts.parse(name, query=query, entities=entities, topic=topic, lang=lang, min_amount=min_amount,
                           notify=notify, every=every)
    except alerts.SubscriptionError as exc:
        raise AlertsError(str(exc)) from None
    store = open_store(ctx, db)
    try:
        saved = alerts.save(store.db, sub, replace=replace)
        shown = subscription_json(store, saved)
    except alerts.SubscriptionError as exc:
        raise AlertsError(str(exc)) from None
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        click.echo(f"subscribed {saved.name}: {'; '.join(saved.criteria())} → {shown['channel']}")


def subscription_json(store, sub) -> dict:
    from digests.alerts import shown_channel

    # `notify` keeps its masked form for scripts written before `channel` existed
    channel = shown_channel(store.db, sub.notify)
    return {"name": sub.name, "query": sub.query, "entities": sub.entities, "topic": sub.topic, "lang": sub.lang,
            "min_amount": sub.min_amount, "notify": channel if sub.notify else None, "channel": channel,
            "every": sub.every, "active": sub.active, "origin": sub.origin, "error": sub.error}


@alerts_group.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="JSON: one object per subscription.")
@click.pass_context
def alerts_list(ctx, db, as_json):
    """Subscriptions with their delivery state: sent, pending, failing (and why), in doubt.

    \b
    Example:
      veille alerts list --json
    """
    from digests import alerts

    from digests.alerts.subscriptions import from_row

    store = open_store(ctx, db)
    try:
        rows = [(r, alerts.shown_channel(store.db, r["notify"])) for r in alerts.overview(store.db)]
    finally:
        store.close()
    out = []
    for r, channel in rows:
        out.append({
            "name": r["name"], "active": bool(r["active"]), "every": r["every"], "channel": channel,
            "criteria": from_row(r).criteria(), "origin": r["origin"],
            "sent": r["sent"] or 0, "pending": (r["pending"] or 0) + (r["sending"] or 0), "failed": r["failed"] or 0,
            "in_doubt": r["in_doubt"] or 0, "dead": r["dead"] or 0, "feed_only": r["feed"] or 0,
            "last_sent": r["last_sent"], "next_retry": r["next_retry"], "last_error": r["last_error"],
            "matching_error": r["error"]})
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not out:
        click.echo("no subscriptions (veille alerts add NAME --query ... --notify URL)")
    for s in out:
        state = "" if s["active"] else " [paused]"
        click.secho(f"{s['name']}{state} · {s['every']} → {s['channel']}", bold=True)
        click.echo(f"  {'; '.join(s['criteria'])}")
        counts = (f"  sent {s['sent']} · pending {s['pending']} · failed {s['failed']} · in doubt {s['in_doubt']}"
                  + (f" · dead {s['dead']}" if s["dead"] else ""))
        click.echo(counts + (f" · feed {s['feed_only']}" if s["feed_only"] else ""))
        if s["failed"]:
            click.echo(f"  failing: {s['last_error']} (next try {s['next_retry']})")
        if s["dead"]:
            click.echo(f"  {s['dead']} given up after 48 h of failures: veille alerts retry {s['name']} --dead")
        if s["in_doubt"]:
            click.echo(f"  {s['in_doubt']} interrupted mid-send, not resent: veille alerts retry {s['name']} --in-doubt")
        if s["matching_error"]:
            click.echo(f"  error: {s['matching_error']}")


@alerts_group.command("pause")
@click.argument("name")
@db_option
@click.pass_context
def alerts_pause(ctx, name, db):
    """Stop matching and sending for a subscription (its queued alerts wait).

    \b
    Example:
      veille alerts pause openai-fr
    """
    _set_active(ctx, db, name, False)


@alerts_group.command("resume")
@click.argument("name")
@db_option
@click.pass_context
def alerts_resume(ctx, name, db):
    """Match and send again for a paused subscription.

    \b
    Example:
      veille alerts resume openai-fr
    """
    _set_active(ctx, db, name, True)


def _set_active(ctx, db, name, active):
    from digests import alerts

    store = open_store(ctx, db)
    try:
        found = alerts.set_active(store.db, name, active)
    finally:
        store.close()
    if not found:
        raise AlertsError(f"no subscription named {name!r} (see veille alerts list)")
    click.echo(f"{name}: {'resumed' if active else 'paused'}")


@alerts_group.command("remove")
@click.argument("name")
@db_option
@click.pass_context
def alerts_remove(ctx, name, db):
    """Delete a subscription with its queued and sent alerts.

    A subscription declared in the config file comes back on the next run unless removed there.

    \b
    Example:
      veille alerts remove openai-fr
    """
    from digests import alerts

    store = open_store(ctx, db)
    try:
        sub = need_subscription(store, name)
        alerts.remove(store.db, name)
    finally:
        store.close()
    click.echo(f"removed {name}" + (" (still declared in the config file)" if sub.origin == "config" else ""))


@alerts_group.command("retry")
@click.argument("name")
@db_option
@click.option("--in-doubt", is_flag=True, help="Also resend alerts interrupted mid-send (may repeat one).")
@click.option("--dead", is_flag=True, help="Also resend alerts given up after 48 h of failures.")
@click.pass_context
def alerts_retry(ctx, name, db, in_doubt, dead):
    """Queue a subscription's failed alerts for the next run now, skipping their backoff.

    \b
    Examples:
      veille alerts retry openai-fr
      veille alerts retry openai-fr --in-doubt
    """
    from digests import alerts

    store = open_store(ctx, db)
    try:
        need_subscription(store, name)
        n = alerts.requeue(store.db, name, in_doubt=in_doubt, dead=dead)
    finally:
        store.close()
    click.echo(f"{name}: {n} alert(s) queued again")


@alerts_group.command("run")
@db_option
@click.option("--timeout", default=10.0, show_default=True, help="Seconds one channel may take.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_run(ctx, db, timeout, as_json):
    """Match new articles, then send every due alert (retrying failed ones past their backoff).

    \b
    Example:
      veille alerts run --db veille.db --json
    """
    store = open_store(ctx, db)
    try:
        result = run_alerts(ctx, store, timeout)
    finally:
        store.close()
    print_run(result, as_json)


def run_alerts(ctx, store, timeout: float = 10.0) -> dict:
    """The outcome of one matching and delivery pass, as a plain dict for printing."""
    from dataclasses import asdict

    from digests.delivery import deliver_due

    queued = queue_alerts(ctx, store)
    report = deliver_due(store.db, timeout=timeout, lang=ctx.obj.get("lang", "fr"))
    return {"queued": queued, **asdict(report)}


def print_run(result: dict, as_json: bool) -> None:
    """The outcome of `run_alerts`, as JSON or one line (errors on stderr)."""
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"alerts: queued {result['queued']} · sent {result['sent']} in {result['messages']} message(s)"
               f" · failed {result['failed']} · deferred {result['deferred']} · in doubt {result['in_doubt']}"
               + (f" · dead {result['dead']}" if result["dead"] else "")
               + (f" · briefs sent {result['briefs_sent']}" if result["briefs_sent"] else "")
               + (f" · briefs failed {result['briefs_failed']}" if result["briefs_failed"] else ""))
    if result["locked"]:
        click.echo("  another delivery run holds the lock: nothing sent by this one", err=True)
    for e in result["errors"]:
        click.echo(f"  {e}", err=True)


_print_run = print_run  # the name `veille run` used

COMMANDS = [alerts_group]
