"""Keyword alerts, one module per job.

- `subscriptions`: parse, validate and save a subscription (its channel secret kept apart);
- `matching`: match newly analysed articles into the outbox (`match_new`), or a dry run;
- `messages`: the message of a group of matches (Jinja templates) and a subscription's Atom feed.

Delivery of the outbox (alerts and briefs) is `digests.delivery`; all SQL is in `db/`.
"""
from digests.alerts.matching import Match, MatchReport, dry_run, due_after, match, match_new
from digests.alerts.messages import AlertItem, Message, feed, load_items, render
from digests.alerts.subscriptions import (
    EVERY,
    Subscription,
    SubscriptionError,
    all_subscriptions,
    channel_url,
    check_query,
    from_config,
    get,
    overview,
    parse,
    recent,
    remove,
    requeue,
    save,
    set_active,
    shown_channel,
    sync_config,
)

__all__ = [
    "EVERY", "AlertItem", "Match", "MatchReport", "Message", "Subscription", "SubscriptionError",
    "all_subscriptions", "channel_url", "check_query", "due_after", "dry_run", "feed", "from_config", "get",
    "load_items", "match", "match_new", "overview", "parse", "recent", "remove", "render", "requeue", "save",
    "set_active", "shown_channel", "sync_config",
]
