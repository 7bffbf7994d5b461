"""`veille alerts show | test | feed`: what a subscription matched, would match, and its Atom feed.

Read-only views, kept apart from the subscription and delivery commands of
`crawler.commands.alerts`; they join its `alerts` group when `crawler.cli` imports every
module of this package.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from crawler.commands.alerts import alerts_group, alerts_store, need_subscription, subscription_json
from crawler.options import VeilleError, db_option, json_option


def highlighted(snippet: str | None) -> str:
    """A match snippet for the terminal or JSON: one line, its matched terms in **bold**."""
    from digests.alerts.matching import HIT_CLOSE, HIT_OPEN

    return " ".join((snippet or "").split()).replace(HIT_OPEN, "**").replace(HIT_CLOSE, "**")


@alerts_group.command("show")
@click.argument("name")
@db_option
@click.option("--limit", default=20, show_default=True, help="How many recent matches to show.")
@json_option()
@click.pass_context
def alerts_show(ctx, name, db, limit, as_json):
    """One subscription: its criteria, channel and latest matches with their delivery state.

    \b
    Example:
      veille alerts show openai-fr --limit 5
    """
    from digests import alerts

    with alerts_store(ctx, db) as store:
        sub = need_subscription(store, name)
        rows = alerts.recent(store.db, sub.id, limit)
        shown = subscription_json(store, sub)
    if as_json:
        for r in rows:
            r["why"] = json.loads(r["why"] or "{}")
            if r["why"].get("snippet"):
                r["why"]["snippet"] = highlighted(r["why"]["snippet"])
        click.echo(json.dumps({**shown, "matches": rows}, ensure_ascii=False, indent=2))
        return
    click.secho(f"{sub.name} · {sub.every} → {shown['channel']}" + ("" if sub.active else " [paused]"), bold=True)
    click.echo(f"  {'; '.join(sub.criteria())} (from {sub.origin})")
    if sub.error:
        click.echo(f"  error: {sub.error}")
    for r in rows:
        line = f"  [{r['status']}] {r['published'] or '':10} {r['title']} ({r['source']})"
        click.echo(line + (f" — {r['attempts']} attempt(s): {r['last_error']}" if r["last_error"] else ""))


@alerts_group.command("test")
@click.argument("name")
@db_option
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=1),
              help="Look at articles published or stored in the last N days.")
@json_option()
@click.pass_context
def alerts_test(ctx, name, db, days, as_json):
    """Dry run: what a subscription would have matched; nothing is queued or sent.

    \b
    Example:
      veille alerts test openai-fr --days 7
    """
    from db.subscriptions import articles
    from digests import alerts

    with alerts_store(ctx, db) as store:
        sub = need_subscription(store, name)
        try:
            found = alerts.dry_run(store.db, sub, days=days)
        except (sqlite3.OperationalError, alerts.SubscriptionError) as exc:
            # the subscription's query or filters, not veille: name the subscription. A damaged
            # file (sqlite3.DatabaseError) goes on to the CLI's one message about the database.
            raise VeilleError(f"{name}: {exc}") from None
        rows = articles(store.db, [m.article_id for m in found])
    from digests.alerts.messages import deal_line

    out = []
    for m in found:
        a = rows[m.article_id]
        deals = m.why.get("deals") or []
        out.append({**a, "terms": m.why["terms"], "snippet": highlighted(m.why["snippet"]),
                    "entities": m.why["entities"], "amounts": m.why["amounts"],
                    **({"deals": [{**d, "line": deal_line(d, ctx.obj["lang"])} for d in deals]} if sub.deal else {})})
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{name}: {len(out)} match(es) in the last {days} day(s) · {'; '.join(sub.criteria())}")
    for a in out:
        click.secho(f"- {a['published'] or '':10} {a['title']} ({a['source']})", bold=True)
        for d in a.get("deals", []):
            click.echo(f"    {d['line']}")
        if a["snippet"]:
            click.echo(f"    {a['snippet']}")
        click.echo(f"    {a['url']}")


@alerts_group.command("feed")
@click.argument("name")
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the feed to this file.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def alerts_feed(ctx, name, db, output, limit):
    """The Atom feed of a subscription's latest matches, for a feed reader.

    \b
    Example:
      veille alerts feed openai-fr -o /var/www/veille/openai-fr.xml
    """
    from digests import alerts

    with alerts_store(ctx, db) as store:
        sub = need_subscription(store, name)
        text = alerts.feed(store.db, sub, limit=limit, lang=ctx.obj["lang"])
    if output:
        Path(output).write_text(text, "utf-8")
        click.echo(output)
    else:
        click.echo(text, nl=False)


COMMANDS: list = []  # the commands above are registered on `alerts_group`, listed by crawler.commands.alerts
