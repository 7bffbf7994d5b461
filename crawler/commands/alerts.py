"""`veille alerts ...`: keyword alert subscriptions, their outbox and its delivery."""
from __future__ import annotations

import json
from contextlib import contextmanager

import click

from crawler.options import VeilleError, db_option, json_option, open_store

NO_SUBSCRIPTION = "no subscription named {name!r} (see veille alerts list)"


@contextmanager
def alerts_store(ctx, db: str):
    """The store at `db` (which must exist) with the config file's `[[alert]]` subscriptions synced.

    A bad `[[alert]]` table raises `SubscriptionError`, a `VeilleError`: one line from the CLI.
    """
    from crawler.cycle import sync_subscriptions

    with open_store(db) as store:
        sync_subscriptions(store, ctx.obj["alert"])
        yield store


def need_subscription(store, name):
    from digests import alerts

    sub = alerts.get(store.db, name)
    if sub is None:
        raise VeilleError(NO_SUBSCRIPTION.format(name=name))
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
@click.option("--min-amount", type=str, help="Only articles with a money amount of at least this many EUR (1e6); "
                                             "with --deal, the deal's own amount.")
@click.option("--deal", metavar="KIND", help="Only articles reporting a deal of this kind: partnership, investment, "
                                             "acquisition, public_funding, expansion, or any; --entity then names "
                                             "a party of the deal.")
@click.option("--notify", help="Apprise URL of the channel (mailto://, slack://, ntfy://, json://...); "
                               "without it the subscription only feeds its Atom feed.")
@click.option("--every", type=click.Choice(["immediate", "hourly", "daily"]), default="immediate",
              show_default=True, help="Send each match at once, or one message per hour or day.")
@click.option("--replace", is_flag=True, help="Replace a subscription of the same name.")
@json_option("Print the stored subscription as JSON.")
@click.pass_context
def alerts_add(ctx, name, db, query, entities, topic, lang, min_amount, deal, notify, every, replace, as_json):
    """Subscribe: store a named subscription, checked before it is saved.

    It matches articles stored from now on; `veille alerts test NAME` shows what it would
    have matched in the past days.

    \b
    Examples:
      veille alerts add openai-fr --query 'OpenAI AND (Paris OR France)' \\
          --notify 'mailtos://user:pass@smtp.example.org?to=veille@example.org'
      veille alerts add bpi --entity Bpifrance --min-amount 1e6 --notify ntfy://veille-bpi --every daily
      veille alerts add ia-uk --query '"AI Growth Zones"' --lang en --notify 'slack://T1/B2/C3'
      veille alerts add mistral-deals --deal partnership --entity "Mistral AI" --notify ntfy://veille-deals
      veille alerts add big-deals --deal any --min-amount 10e6 --notify ntfy://veille-deals
    """
    from digests import alerts

    # checked before the database is opened: a bad subscription changes nothing
    sub = alerts.parse(name, query=query, entities=entities, topic=topic, lang=lang, min_amount=min_amount,
                       deal=deal, notify=notify, every=every)
    with alerts_store(ctx, db) as store:
        saved = alerts.save(store.db, sub, replace=replace)
        shown = subscription_json(store, saved)
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        click.echo(f"subscribed {saved.name}: {'; '.join(saved.criteria())} → {shown['channel']}")


def subscription_json(store, sub) -> dict:
    from digests.alerts import shown_channel

    # `notify` keeps its masked form for scripts written before `channel` existed
    channel = shown_channel(store.db, sub.notify)
    return {"name": sub.name, "query": sub.query, "entities": sub.entities, "topic": sub.topic, "lang": sub.lang,
            "min_amount": sub.min_amount, "deal": sub.deal, "notify": channel if sub.notify else None, "channel": channel,
            "every": sub.every, "active": sub.active, "origin": sub.origin, "error": sub.error}


@alerts_group.command("list")
@db_option
@json_option("Print the subscriptions as one JSON array.")
@click.pass_context
def alerts_list(ctx, db, as_json):
    """Subscriptions with their delivery state: sent, pending, failing (and why), in doubt.

    \b
    Example:
      veille alerts list --json
    """
    from digests import alerts
    from digests.alerts.subscriptions import from_row

    with alerts_store(ctx, db) as store:
        rows = [(r, alerts.shown_channel(store.db, r["notify"])) for r in alerts.overview(store.db)]
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

    with alerts_store(ctx, db) as store:
        found = alerts.set_active(store.db, name, active)
    if not found:
        raise VeilleError(NO_SUBSCRIPTION.format(name=name))
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

    with alerts_store(ctx, db) as store:
        sub = need_subscription(store, name)
        alerts.remove(store.db, name)
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

    with alerts_store(ctx, db) as store:
        need_subscription(store, name)
        n = alerts.requeue(store.db, name, in_doubt=in_doubt, dead=dead)
    click.echo(f"{name}: {n} alert(s) queued again")


@alerts_group.command("run")
@db_option
@click.option("--timeout", default=10.0, show_default=True, help="Seconds one channel may take.")
@json_option()
@click.pass_context
def alerts_run(ctx, db, timeout, as_json):
    """Match new articles, then send every due alert (retrying failed ones past their backoff).

    Exits with status 1 when a send failed or an alert was given up in this run, after the
    report: the failed ones are retried by the next run. Finding another run at work is not
    a failure.

    \b
    Example:
      veille alerts run --db veille.db --json
    """
    from crawler.cycle import deliver_alerts

    with alerts_store(ctx, db) as store:
        summary = deliver_alerts(store, ctx.obj["alert"], lang=ctx.obj["lang"], timeout=timeout)
    if not as_json:
        for name, error in summary.matching_errors.items():
            click.echo(f"alert {name}: {error}", err=True)
    print_delivery(summary, as_json)
    if summary.delivery_failed:
        ctx.exit(1)


def delivery_json(a) -> dict:
    """A delivery pass (`crawler.cycle.AlertSummary`) as JSON, with what the next run retries."""
    from dataclasses import asdict

    return {**asdict(a), "ok": not a.delivery_failed, "retry_next_run": a.failed + a.briefs_failed}


def print_delivery(a, as_json: bool = False) -> None:
    """A delivery pass as one JSON document, or one line with its errors on stderr.

    Shared by `veille alerts run` and `veille run`, so both say the same about a failed send;
    the matching errors are the caller's to print (`veille run` has two passes of them).
    """
    if as_json:
        click.echo(json.dumps(delivery_json(a), ensure_ascii=False, indent=2))
        return
    click.echo(f"alerts: queued {a.queued} · sent {a.sent} in {a.messages} message(s)"
               f" · failed {a.failed} · deferred {a.deferred} · in doubt {a.in_doubt}"
               + (f" · dead {a.dead}" if a.dead else "")
               + (f" · briefs sent {a.briefs_sent}" if a.briefs_sent else "")
               + (f" · briefs failed {a.briefs_failed}" if a.briefs_failed else ""))
    if a.locked:
        click.echo("  another delivery run holds the lock: nothing sent by this one", err=True)
    for e in a.errors:
        click.echo(f"  {e}", err=True)
    if a.failed or a.briefs_failed:
        click.echo(f"  {a.failed + a.briefs_failed} failed: retried by the next run", err=True)
    if a.dead:
        click.echo(f"  {a.dead} given up: veille alerts retry NAME --dead sends them again", err=True)


COMMANDS = [alerts_group]
