"""Alerts on deals: `veille alerts add NAME --deal KIND [--entity E] [--min-amount EUR]`.

The deals are those the real extractor finds in short sentences (stored through
`Store.save_analysis`), and the delivery test sends to a JSON webhook on 127.0.0.1.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner

from crawler.cli import main
from digests import alerts, delivery
from digests.alerts.messages import AlertItem, deal_line, render
from tests.alert_receivers import Webhook
from tests.test_alerts import T0, list_with_config, subscribe
from tests.test_deals_store import EN_BOOKING, EN_MOU, FR_FUND, _store_article

MARKET = ("OpenAI estime le marché européen de l'IA à 50 milliards d'euros en 2030.", [("OpenAI", "ORG")])
SMALL_FUND = ("La région Auvergne-Rhône-Alpes accorde 2 M€ à Lyon Robotique pour son usine de Villeurbanne.",
              [("Auvergne-Rhône-Alpes", "LOC"), ("Lyon Robotique", "ORG"), ("Villeurbanne", "LOC")])


def add_deal_articles(store) -> dict[str, int]:
    """Five analysed articles: two partnerships of OpenAI, a 25 M€ public funding and a 2 M€ one,
    and a market size quoted by OpenAI, which is no deal."""
    return {
        "mou": _store_article(store, "https://wire.example/uk-openai", "en", *EN_MOU, "2025-07-21"),
        "booking": _store_article(store, "https://wire.example/booking", "en", *EN_BOOKING, "2025-07-22"),
        "fund": _store_article(store, "https://gazette.example/booster", "fr", *FR_FUND, "2025-07-22"),
        "small": _store_article(store, "https://gazette.example/small", "fr", *SMALL_FUND, "2025-07-23"),
        "market": _store_article(store, "https://gazette.example/market", "fr", *MARKET, "2025-07-23"),
    }


def matched(store, name) -> list[int]:
    return [r[0] for r in store.db.execute(
        "SELECT o.article_id FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id WHERE s.name = ?"
        " ORDER BY o.article_id", [name])]


# -- parse and validate --------------------------------------------------------------------------------


def test_an_unknown_deal_kind_is_refused_with_the_kinds_listed():
    with pytest.raises(alerts.SubscriptionError) as err:
        alerts.parse("x", deal="merger", entities=["OpenAI"])
    text = str(err.value)
    assert "invalid --deal 'merger'" in text and "\n" not in text
    for kind in ("partnership", "investment", "acquisition", "public_funding", "expansion", "any"):
        assert kind in text


def test_deal_kinds_are_those_of_the_extractor_and_a_deal_is_a_criterion():
    from digests.alerts.subscriptions import DEAL_KINDS
    from nlp.deals import KINDS

    assert DEAL_KINDS == KINDS  # kept apart so that parsing does not load the extractor
    sub = alerts.parse("d", deal="Public-Funding")
    assert sub.deal == "public_funding" and sub.criteria() == ["deal: public_funding"]
    sub = alerts.parse("big", deal="any", min_amount="10e6")
    assert sub.criteria() == ["deal: any", "deal amount ≥ 10,000,000 EUR"]
    assert alerts.parse("plain", min_amount="10e6").criteria() == ["amount ≥ 10,000,000 EUR"]


def test_a_deal_in_an_alert_table_of_the_config_file():
    subs = alerts.from_config([{"name": "mistral", "deal": "partnership", "entity": "Mistral AI",
                                "notify": "ntfy://veille-deals"}])
    assert (subs[0].deal, subs[0].entities, subs[0].origin) == ("partnership", ["Mistral AI"], "config")
    with pytest.raises(alerts.SubscriptionError, match=r"\[\[alert\]\] #1 \(bad\): invalid --deal 'rumour'"):
        alerts.from_config([{"name": "bad", "deal": "rumour"}])


# -- matching on stored deals -----------------------------------------------------------------------------


def test_a_deal_subscription_matches_articles_reporting_such_a_deal(store):
    subscribe(store, "openai-partners", deal="partnership", entities=["OpenAI"])
    subscribe(store, "funding", deal="public_funding")
    subscribe(store, "big-deals", deal="any", min_amount="10e6")
    subscribe(store, "big-sums", min_amount="10e6")  # no deal: any large sum, a market size too
    subscribe(store, "bpi-partners", deal="partnership", entities=["Bpifrance"])
    subscribe(store, "openai-en-memo", deal="partnership", entities=["OpenAI"], query="memorandum", lang="en")
    ids = add_deal_articles(store)
    assert alerts.match_new(store.db, now=T0).errors == {}
    assert matched(store, "openai-partners") == [ids["mou"], ids["booking"]]
    assert matched(store, "funding") == [ids["fund"], ids["small"]]
    assert matched(store, "big-deals") == [ids["fund"]]  # 2 M€ is under, the market size no deal
    assert matched(store, "big-sums") == [ids["fund"], ids["market"]]
    assert matched(store, "bpi-partners") == []  # Bpifrance funds: it is in no partnership
    assert matched(store, "openai-en-memo") == [ids["mou"]]
    why = json.loads(store.db.execute(
        "SELECT o.why FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id"
        " WHERE s.name = 'big-deals'").fetchone()[0])
    (deal,) = why["deals"]
    assert (deal["kind"], deal["amount_eur"]) == ("public_funding", 25e6)
    assert {(p["name"], p["role"]) for p in deal["parties"]} == {
        ("Bpifrance", "funder"), ("IA Booster France 2030", "recipient")}


def test_the_entity_must_be_a_party_of_the_deal_not_only_mentioned(store):
    text = ("Bpifrance mobilise 25 M€ pour le programme IA Booster France 2030 destiné aux PME."
            " Le programme a été salué par OpenAI.")
    ents = [*FR_FUND[1], ("OpenAI", "ORG")]
    subscribe(store, "openai-funding", deal="public_funding", entities=["OpenAI"])
    subscribe(store, "bpi-funding", deal="public_funding", entities=["Bpifrance", "IA Booster France 2030"])
    subscribe(store, "openai-any", entities=["OpenAI"])
    aid = _store_article(store, "https://gazette.example/comment", "fr", text, ents, "2025-07-22")
    alerts.match_new(store.db, now=T0)
    assert matched(store, "openai-funding") == []
    assert matched(store, "bpi-funding") == [aid]
    assert matched(store, "openai-any") == [aid]


def test_a_dry_run_shows_the_deal_filter_and_the_deal(store, db_path):
    add_deal_articles(store)

    def run(*a):
        return CliRunner().invoke(main, [*a, "--db", db_path], catch_exceptions=False)

    res = run("alerts", "add", "big-deals", "--deal", "any", "--min-amount", "10e6", "--notify", "ntfy://veille")
    assert res.exit_code == 0 and "deal: any; deal amount ≥ 10,000,000 EUR" in res.output
    store.db.execute("UPDATE articles SET published = date('now')")
    res = run("alerts", "test", "big-deals", "--days", "3")
    assert "1 match(es)" in res.output and "deal: any" in res.output
    assert "Bpifrance × IA Booster France 2030 — financement public, 25 M€" in res.output
    shown = json.loads(run("alerts", "show", "big-deals", "--json").output)
    assert (shown["deal"], shown["min_amount"]) == ("any", 10e6)
    listed = json.loads(run("alerts", "list", "--json").output)
    assert listed[0]["criteria"] == ["deal: any", "deal amount ≥ 10,000,000 EUR"]
    res = CliRunner().invoke(main, ["alerts", "add", "bad", "--db", db_path, "--deal", "merger"])
    assert res.exit_code == 1 and "invalid --deal 'merger'" in res.output and "Traceback" not in res.output


def test_a_deal_alert_declared_in_the_config_file_is_listed(tmp_path, store, db_path):
    res = list_with_config(tmp_path, db_path, """
        [[alert]]
        name = "openai-partners"
        deal = "partnership"
        entity = "OpenAI"
        notify = "ntfy://veille-deals"
    """, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["criteria"] == ["entity: OpenAI", "deal: partnership"]


# -- the message -------------------------------------------------------------------------------------------


def _deal(**kw) -> dict:
    return {"kind": "investment", "status": "announced", "amount_text": "1,3 milliard d'euros",
            "amount_value": 1.3e9, "amount_unit": "EUR", "amount_eur": 1.3e9, "date": "2025-09-09",
            "date_precision": "day", "parties": [{"name": "ASML", "role": "investor"},
                                                 {"name": "Mistral AI", "role": "recipient"}], **kw}


def test_the_deal_line_in_english_and_french():
    assert deal_line(_deal(), "en") == "ASML × Mistral AI — investment, €1.3bn, 9 Sep 2025"
    assert deal_line(_deal(), "fr") == "ASML × Mistral AI — investissement, 1,3 Md€, 9 sept. 2025"
    talks = _deal(status="reported", amount_value=None, amount_unit=None, amount_text=None, date="2025-09",
                  date_precision="month", kind="acquisition")
    assert deal_line(talks, "en") == "ASML × Mistral AI — acquisition, Sep 2025 (reported)"
    site = _deal(kind="expansion", amount_value=665e6, amount_unit="USD", parties=[
        {"name": "OpenAI", "role": "investor"}, {"name": "Paris", "role": "place"}])
    assert deal_line(site, "en") == "OpenAI (Paris) — opening, $665m, 9 Sep 2025"


def test_crawled_party_names_in_the_deal_line_are_escaped():
    sub = alerts.Subscription(name="d", deal="any", id=1)
    hostile = _deal(parties=[{"name": "<img src=x onerror=alert(1)>", "role": "investor"},
                             {"name": "[click](http://evil.example)", "role": "recipient"}])
    item = AlertItem(1, 7, "Title", "https://wire.example/a", "Wire", "2025-09-09",
                     {"snippet": None, "deals": [hostile]}, [], [])
    msg = render(sub, [item], "en")
    assert "<img" not in msg.html and "&lt;img" in msg.html
    assert not re.search(r"(?<!\\)<img", msg.markdown) and "\\<img" in msg.markdown
    assert "[click](" not in msg.markdown and "\\[click\\]" in msg.markdown


def test_a_deal_alert_is_delivered_once_to_a_webhook_with_the_deal_line(store):
    hook = Webhook()
    try:
        subscribe(store, "openai-partners", deal="partnership", entities=["OpenAI"], notify=hook.url(),
                  every="hourly")
        subscribe(store, "big-funding", deal="public_funding", min_amount="10e6", notify=hook.url(path="/fr"))
        add_deal_articles(store)
        alerts.match_new(store.db, now=T0)
        later = T0 + timedelta(hours=1)
        report = delivery.deliver_due(store.db, now=later, timeout=5, lang="en")
        assert (report.sent, report.messages, report.failed) == (3, 2, 0)
        alerts.match_new(store.db, now=later)  # nothing new: nothing queued, nothing sent again
        assert delivery.deliver_due(store.db, now=later + timedelta(hours=2), timeout=5, lang="en").sent == 0
    finally:
        hook.close()
    assert len(hook.received) == 2
    bodies = {b["title"]: b["message"] for _, b in hook.received}
    batch = bodies["[veille] openai-partners: 2 new articles"]
    assert "OpenAI × Royaume-Uni — partnership, 21 Jul 2025" in batch
    assert "Booking.com × OpenAI — partnership, 22 Jul 2025" in batch
    single = next(m for t, m in bodies.items() if t.startswith("[veille] big-funding:"))
    line = "Bpifrance × IA Booster France 2030 — public funding, €25m, 22 Jul 2025"
    assert line in single and single.index(line) < single.index("**Bpifrance mobilise")
    assert "Why: deal public funding; deal amount ≥ 10,000,000 EUR" in single


def test_migration_15_keeps_the_subscriptions_saved_before_it(db_path, monkeypatch):
    from db import schema
    from db.store import Store

    everything = list(schema.MIGRATIONS)
    monkeypatch.setattr(schema, "MIGRATIONS", [m for m in everything if m[0] < 15])
    old = Store(db_path)
    old.db.execute(  # a row as migration 3 stored it, before subscriptions had a deal column
        "INSERT INTO subscriptions (name, query, entities, created_at, updated_at)"
        " VALUES ('openai', 'OpenAI', '[]', '2025-07-24T09:30:00+00:00', '2025-07-24T09:30:00+00:00')")
    old.close()
    monkeypatch.setattr(schema, "MIGRATIONS", everything)
    new = Store(db_path)
    try:
        (sub,) = alerts.all_subscriptions(new.db)
        assert (sub.name, sub.query, sub.deal) == ("openai", "OpenAI", None)
        saved = alerts.save(new.db, alerts.parse("deals", deal="acquisition"), now=T0)
        assert alerts.get(new.db, "deals").deal == saved.deal == "acquisition"
    finally:
        new.close()
