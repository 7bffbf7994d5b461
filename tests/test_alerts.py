"""Keyword alerts: subscriptions, matching into the outbox, delivery that never loses or repeats.

Mail goes to a real aiosmtpd server on 127.0.0.1 and webhooks to a local HTTP receiver; the
crash test kills a real delivery process between send and commit.
"""
from __future__ import annotations

import hashlib
import html
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from db.store import NewArticle
from digests import alerts, channels, delivery
from nlp.types import AmountMention, Analysis, EntityMention
from tests.alert_receivers import Mailbox, Webhook, mailbox

T0 = datetime(2025, 7, 24, 9, 30, tzinfo=UTC)

ARTICLES = [
    # (title, text, source, lang, entities [(text, canonical, label)], amounts [(text, value, unit, eur)])
    ("OpenAI ouvre un bureau à Paris", "OpenAI a annoncé l'ouverture d'un bureau à Paris, son premier en France.",
     "La Gazette", "fr", [("OpenAI", "OpenAI", "ORG"), ("Paris", "Paris", "LOC")], []),
    ("Bpifrance finance IA Booster", "Bpifrance consacre 25 millions d'euros au programme IA Booster France 2030.",
     "Le Courrier", "fr", [("Bpifrance", "Bpifrance", "ORG"), ("IA Booster", "IA Booster France 2030", "PROG")],
     [("25 millions d'euros", 25e6, "EUR", 25e6)]),
    ("Bpifrance: un prêt modeste", "Bpifrance accorde 300 000 euros à une start-up lyonnaise.",
     "Le Courrier", "fr", [("Bpifrance", "Bpifrance", "ORG")], [("300 000 euros", 3e5, "EUR", 3e5)]),
    ("UK and OpenAI sign memorandum", "The UK government signed a memorandum with OpenAI in London, "
     "backed by £2bn for AI Growth Zones.", "Wire", "en",
     [("OpenAI", "OpenAI", "ORG"), ("UK", "United Kingdom", "LOC")], [("£2bn", 2e9, "GBP", 2.3e9)]),
    ("Canicule : protéger sa batterie", "Les fortes chaleurs abîment les batteries des smartphones.",
     "La Gazette", "fr", [], []),
]


def add_article(store, i: int, title, text, source, lang, ents, amounts, published="2025-07-24") -> int:
    url = f"http://127.0.0.1:9/{source.replace(' ', '-').lower()}/{i}"
    stored = store.add_article(NewArticle(
        url=url, canonical_url=url, url_key=url, source=source, title=title, text=text, published=published,
        author=None, lang=lang, content_hash=hashlib.sha1(text.encode()).hexdigest()))
    mentions = []
    for surface, canonical, label in ents:
        start = text.find(surface)
        mentions.append(EntityMention(surface, label, canonical, max(start, 0), max(start, 0) + len(surface)))
    money = [AmountMention(t, v, u, "money", max(text.find(t), 0), max(text.find(t), 0) + len(t), eur)
             for t, v, u, eur in amounts]
    store.save_analysis(stored.id, Analysis(lang=lang, title=title, published=published, author=None, text=text,
                                            entities=mentions, amounts=money))
    return stored.id


def add_all(store, offset: int = 0) -> list[int]:
    return [add_article(store, offset + i, *a) for i, a in enumerate(ARTICLES)]


def subscribe(store, name, **kw):
    return alerts.save(store.db, alerts.parse(name, **kw), now=T0)


def queued(store, name) -> list[str]:
    return [r[0] for r in store.db.execute(
        "SELECT a.title FROM outbox o JOIN articles a ON a.id = o.article_id JOIN subscriptions s"
        " ON s.id = o.subscription_id WHERE s.name = ? ORDER BY a.id", [name])]


def status_of(store, name) -> list[tuple]:
    return store.db.execute(
        "SELECT o.status, o.attempts FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id"
        " WHERE s.name = ? ORDER BY o.id", [name]).fetchall()


# -- subscriptions and bad input ---------------------------------------------------------------------


def test_parse_refuses_bad_input_with_one_clear_line():
    cases = [
        (dict(query="OpenAI AND ("), "invalid query"),
        (dict(query="l'État"), 'quote phrases'),
        (dict(query="OpenAI", notify="bogus://x"), "unknown scheme bogus://"),
        (dict(query="OpenAI", every="weekly"), "invalid --every"),
        (dict(entities=["Bpifrance"], min_amount="a lot"), "invalid minimum amount"),
        (dict(lang="fr"), "no criterion"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(alerts.SubscriptionError, match=expected) as err:
            alerts.parse("x", **kwargs)
        assert "\n" not in str(err.value)


def test_cli_add_refuses_an_invalid_query_and_stores_nothing(store, db_path):
    res = CliRunner().invoke(main, ["alerts", "add", "bad", "--db", db_path, "--query", '"unterminated',
                                    "--notify", "ntfy://veille"])
    assert res.exit_code == 1
    assert "invalid query" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["alerts", "add", "bad", "--db", db_path, "--query", "OpenAI",
                                    "--notify", "nope://x"])
    assert res.exit_code == 1 and "unknown scheme nope://" in res.output
    res = CliRunner().invoke(main, ["alerts", "list", "--db", db_path, "--json"])
    assert json.loads(res.output) == []


def test_cli_lifecycle_add_list_pause_resume_show_remove(store, db_path):
    run = lambda *a: CliRunner().invoke(main, [*a, "--db", db_path], catch_exceptions=False)  # noqa: E731
    res = run("alerts", "add", "openai-fr", "--query", "OpenAI AND (Paris OR France)",
              "--notify", "mailto://user:hunter22@smtp.example.org?to=team@example.org", "--every", "hourly")
    assert res.exit_code == 0 and "openai-fr" in res.output and "hunter22" not in res.output
    assert run("alerts", "add", "openai-fr", "--query", "OpenAI").exit_code == 1  # exists: no silent overwrite
    listed = json.loads(run("alerts", "list", "--json").output)
    assert [(s["name"], s["every"], s["active"]) for s in listed] == [("openai-fr", "hourly", True)]
    assert "hunter22" not in json.dumps(listed)
    assert "paused" in run("alerts", "pause", "openai-fr").output
    assert json.loads(run("alerts", "list", "--json").output)[0]["active"] is False
    assert "resumed" in run("alerts", "resume", "openai-fr").output
    shown = json.loads(run("alerts", "show", "openai-fr", "--json").output)
    assert shown["query"] == "OpenAI AND (Paris OR France)" and shown["matches"] == []
    assert run("alerts", "remove", "openai-fr").exit_code == 0
    res = run("alerts", "show", "openai-fr")
    assert res.exit_code == 1 and "no subscription named 'openai-fr'" in res.output


def list_with_config(tmp_path, db_path: str, toml: str, *options: str):
    """`veille --config veille.toml alerts list --db <db_path> <options>`, the file holding `toml`."""
    cfg = tmp_path / "veille.toml"
    cfg.write_text(textwrap.dedent(toml), "utf-8")
    return CliRunner().invoke(main, ["--config", str(cfg), "alerts", "list", "--db", db_path, *options])


def test_subscriptions_declared_in_the_config_file(tmp_path, store, db_path):
    res = list_with_config(tmp_path, db_path, """
        [[alert]]
        name = "bpi-1m"
        entity = "Bpifrance"
        min_amount = 1e6
        notify = "ntfy://veille-bpi"
        every = "daily"
    """, "--json")
    listed = json.loads(res.output)
    assert [(s["name"], s["origin"], s["criteria"]) for s in listed] == [
        ("bpi-1m", "config", ["entity: Bpifrance", "amount ≥ 1,000,000 EUR"])]
    res = list_with_config(tmp_path, db_path, '[[alert]]\nname = "broken"\nquery = "OpenAI AND ("\n')
    assert res.exit_code == 1 and "[[alert]] #1 (broken)" in res.output and "invalid query" in res.output


# -- matching ----------------------------------------------------------------------------------------


def test_matching_queues_each_article_once_with_why(store):
    subscribe(store, "openai-fr", query="OpenAI AND (Paris OR France)", notify="ntfy://a")
    subscribe(store, "bpi-1m", entities=["bpifrance"], min_amount=1e6, notify="ntfy://b")
    subscribe(store, "openai-en", query="openai", lang="en", notify="ntfy://c")
    subscribe(store, "uk-money", entities=["United Kingdom"], min_amount=1e9)  # feed only
    add_all(store)
    report = alerts.match_new(store.db, now=T0)
    assert report.errors == {}
    assert queued(store, "openai-fr") == ["OpenAI ouvre un bureau à Paris"]
    assert queued(store, "bpi-1m") == ["Bpifrance finance IA Booster"]  # the 300 k€ loan is below the bar
    assert queued(store, "openai-en") == ["UK and OpenAI sign memorandum"]
    assert queued(store, "uk-money") == ["UK and OpenAI sign memorandum"]
    assert status_of(store, "uk-money") == [("feed", 0)]
    why = json.loads(store.db.execute(
        "SELECT why FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id WHERE s.name = 'openai-fr'"
    ).fetchone()[0])
    assert set(why["terms"]) == {"openai", "paris", "france"}
    why = json.loads(store.db.execute(
        "SELECT why FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id WHERE s.name = 'bpi-1m'"
    ).fetchone()[0])
    assert why["entities"] == ["Bpifrance"] and why["amounts"][0]["text"] == "25 millions d'euros"
    # a second pass, or the same articles scanned again after a crash, queues nothing twice
    assert alerts.match_new(store.db, now=T0).queued == 0
    store.db.execute("DELETE FROM alert_scanned")
    assert alerts.match_new(store.db, now=T0).queued == 0
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 4


def test_topic_subscription_takes_only_articles_scored_on_the_topic(store):
    from nlp.topics import TopicScorer

    subscribe(store, "programmes", topic="public-programmes", notify="ntfy://p")
    ids = add_all(store)
    # every article gets a score on every topic, as enrichment stores them
    results = TopicScorer().score([a[0] for a in ARTICLES], [a[1] for a in ARTICLES])
    for aid, res in zip(ids, results):
        store.db.conn.executemany("INSERT INTO article_topics (article_id, topic, score) VALUES (?, ?, ?)",
                                  [(aid, sc.topic, sc.score) for sc in res.scores])
    alerts.match_new(store.db, now=T0)
    # the two Bpifrance stories (a public bank's programme and loan); not the heatwave, not the Paris office
    assert queued(store, "programmes") == ["Bpifrance finance IA Booster", "Bpifrance: un prêt modeste"]


def test_new_subscriptions_match_new_articles_and_test_shows_the_past(store, db_path):
    add_all(store)
    alerts.match_new(store.db, now=T0)
    subscribe(store, "openai", query="OpenAI", notify="ntfy://a")
    assert alerts.match_new(store.db, now=T0).queued == 0  # history is not replayed as alerts
    ids = add_all(store, offset=100)[:1]  # the same stories under new URLs (linked as duplicates)
    assert store.db.execute("SELECT duplicate_of FROM articles WHERE id = ?", ids).fetchone()[0] is not None
    add_article(store, 200, "OpenAI recrute à Paris", "OpenAI recrute vingt ingénieurs à Paris.", "Wire", "fr",
                [("OpenAI", "OpenAI", "ORG")], [])
    alerts.match_new(store.db, now=T0)
    assert queued(store, "openai") == ["OpenAI recrute à Paris"]  # new, and not the duplicates
    res = CliRunner().invoke(main, ["alerts", "test", "openai", "--db", db_path, "--days", "7", "--json"],
                             catch_exceptions=False)
    titles = [m["title"] for m in json.loads(res.output)]
    assert titles == ["OpenAI ouvre un bureau à Paris", "UK and OpenAI sign memorandum", "OpenAI recrute à Paris"]
    assert "**OpenAI**" in json.loads(res.output)[0]["snippet"]
    assert len(queued(store, "openai")) == 1  # a dry run queues nothing


def test_a_failing_subscription_is_reported_not_fatal(store, db_path):
    subscribe(store, "good", query="Bpifrance", notify="ntfy://a")
    subscribe(store, "bad", query="placeholder", notify="ntfy://b")
    # a query that parsed when saved but fails on this database (e.g. a column renamed later)
    store.db.execute("UPDATE subscriptions SET query = 'author:someone' WHERE name = 'bad'")
    add_all(store)
    report = alerts.match_new(store.db, now=T0)
    assert list(report.errors) == ["bad"] and "no such column" in report.errors["bad"]
    assert queued(store, "good") == ["Bpifrance finance IA Booster", "Bpifrance: un prêt modeste"]
    listed = {s["name"]: s for s in json.loads(
        CliRunner().invoke(main, ["alerts", "list", "--db", db_path, "--json"]).output)}
    assert "no such column" in listed["bad"]["matching_error"] and listed["good"]["matching_error"] is None


def test_enrichment_queues_alerts_in_the_same_run(store, db_path):
    subscribe(store, "openai", query="OpenAI", notify="ntfy://a")
    add_all(store)  # analysed already: `veille enrich` finds nothing pending but still matches
    res = CliRunner().invoke(main, ["enrich", "--db", db_path], catch_exceptions=False)
    assert res.exit_code == 0
    assert queued(store, "openai") == ["OpenAI ouvre un bureau à Paris", "UK and OpenAI sign memorandum"]


# -- delivery ----------------------------------------------------------------------------------------


def test_mail_alert_says_what_matched_and_is_sent_once(store):
    with mailbox() as box:
        subscribe(store, "openai-fr", query="OpenAI AND (Paris OR France)", notify=box.url())
        subscribe(store, "bpi-1m", entities=["Bpifrance"], min_amount=1e6, notify=box.url())
        add_all(store)
        alerts.match_new(store.db, now=T0)
        report = delivery.deliver_due(store.db, now=T0, timeout=5)
        assert (report.sent, report.messages, report.failed) == (2, 2, 0)
        again = delivery.deliver_due(store.db, now=T0 + timedelta(days=1), timeout=5)
        assert (again.sent, again.messages) == (0, 0)
    assert len(box.messages) == 2
    mail = {m["Subject"]: body for m, body in zip(box.messages, box.texts())}
    body = mail["[veille] openai-fr: OpenAI ouvre un bureau à Paris"]
    assert "<mark>OpenAI</mark>" in body and "<mark>Paris</mark>" in body
    assert "La Gazette" in body and "2025-07-24" in body and "http://127.0.0.1:9/la-gazette/0" in body
    body = mail["[veille] bpi-1m: Bpifrance finance IA Booster"]
    assert html.unescape("25 millions d&#39;euros") in html.unescape(body)
    assert "IA Booster France 2030" in body  # key entities
    assert {m[channels.KEY_HEADER] for m in box.messages} == {
        f"veille-{alerts.get(store.db, n).id}-{aid}" for n, aid in (("openai-fr", 1), ("bpi-1m", 2))}


def test_receiver_down_then_up_delivers_after_backoff_without_duplicate(store, db_path):
    box = Mailbox()  # not started: the mail server is down
    subscribe(store, "openai", query="OpenAI", notify=box.url())
    add_all(store)
    alerts.match_new(store.db, now=T0)
    report = delivery.deliver_due(store.db, now=T0, timeout=2)
    # one failure could be the row's own; the second in a row says the channel is down
    assert (report.sent, report.failed, report.deferred) == (0, 2, 0)
    assert sorted(status_of(store, "openai")) == [("failed", 1), ("failed", 1)]
    listed = json.loads(CliRunner().invoke(main, ["alerts", "list", "--db", db_path, "--json"]).output)[0]
    assert listed["failed"] == 2 and listed["last_error"] and listed["next_retry"] > T0.isoformat()
    box.start()
    try:
        # failed rows wait for their backoff, then go
        assert delivery.deliver_due(store.db, now=T0 + timedelta(seconds=10), timeout=5).sent == 0
        assert len(box.messages) == 0
        assert delivery.deliver_due(store.db, now=T0 + timedelta(hours=1), timeout=5).sent == 2
        assert delivery.deliver_due(store.db, now=T0 + timedelta(days=2), timeout=5).sent == 0
    finally:
        box.stop()
    assert len(box.messages) == 2
    assert len({m[channels.KEY_HEADER] for m in box.messages}) == 2
    assert sorted(status_of(store, "openai")) == [("sent", 2), ("sent", 2)]
    attempts = store.db.execute("SELECT outcome, count(*) FROM delivery_attempts GROUP BY outcome").fetchall()
    assert dict(attempts) == {"failed": 2, "sent": 2}


def test_backoff_grows_exponentially_with_a_cap():
    assert [delivery.backoff(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert delivery.backoff(30) == delivery.BACKOFF_CAP


CRASHER = """
import os, sys
from datetime import datetime
from db.store import Store
from digests import alerts, channels, delivery

store = Store(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
delivery.deliver_due(store.db, now=now, timeout=5, hook=lambda stage, claim: stage == sys.argv[3] and os._exit(3))
"""


def test_crash_between_send_and_commit_is_detected_and_never_resent(store, db_path):
    with mailbox() as box:
        subscribe(store, "paris", query="Paris", notify=box.url())
        add_all(store)
        alerts.match_new(store.db, now=T0)
        proc = subprocess.run([sys.executable, "-c", CRASHER, db_path, T0.isoformat(), "sent"],
                              cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 3, proc.stderr  # it died right after the SMTP server accepted the mail
        assert len(box.messages) == 1
        assert status_of(store, "paris") == [("handing", 1)]
        # the next run holds the delivery lock, so the row's run is gone: in doubt, reported, not resent
        report = delivery.deliver_due(store.db, now=T0 + timedelta(seconds=5), timeout=5)
        assert (report.in_doubt, report.sent) == (1, 0)
        assert delivery.deliver_due(store.db, now=T0 + timedelta(days=3), timeout=5).sent == 0
        assert len(box.messages) == 1  # no duplicate
        assert status_of(store, "paris") == [("in_doubt", 1)]
        assert store.db.execute("SELECT outcome FROM delivery_attempts").fetchall() == [("in_doubt",)]
        res = CliRunner().invoke(main, ["alerts", "list", "--db", db_path])
        assert "in doubt 1" in res.output and "retry paris --in-doubt" in res.output
        # resending is a deliberate act, and the copy carries the same key for the reader to drop
        res = CliRunner().invoke(main, ["alerts", "retry", "paris", "--in-doubt", "--db", db_path])
        assert "1 alert(s) queued again" in res.output
        assert delivery.deliver_due(store.db, timeout=5).sent == 1  # requeued for the real "now"
    assert len(box.messages) == 2
    assert box.messages[0][channels.KEY_HEADER] == box.messages[1][channels.KEY_HEADER]


def test_hourly_batch_groups_matches_into_one_webhook(store):
    hook = Webhook()
    try:
        subscribe(store, "openai-hourly", query="OpenAI", notify=hook.url(), every="hourly")
        add_all(store)
        alerts.match_new(store.db, now=T0)
        assert delivery.deliver_due(store.db, now=T0 + timedelta(minutes=10), timeout=5).sent == 0  # not yet due
        report = delivery.deliver_due(store.db, now=T0 + timedelta(minutes=31), timeout=5)
        assert (report.sent, report.messages) == (2, 1)
    finally:
        hook.close()
    assert len(hook.received) == 1
    headers, body = hook.received[0]
    assert body["title"] == "[veille] openai-hourly: 2 nouveaux articles"
    assert "OpenAI ouvre un bureau à Paris" in body["message"] and "UK and OpenAI sign memorandum" in body["message"]
    assert "**OpenAI**" in body["message"]


def test_a_hanging_webhook_fails_within_the_timeout_and_is_retried(store, db_path):
    hook = Webhook()
    hook.mode = "hang"
    try:
        subscribe(store, "hook", query="Bpifrance", notify=hook.url())
        add_all(store)
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--timeout", "1", "--json"],
                                 catch_exceptions=False)
        out = json.loads(res.output)
        assert (out["queued"], out["sent"], out["failed"], out["deferred"]) == (2, 0, 2, 0)
        assert res.exit_code == 1  # printed first, then the failure a cron job sees
        hook.mode = "ok"
        store.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'")  # backoff over
        out = json.loads(CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--json"]).output)
        assert out["sent"] == 2
    finally:
        hook.close()
    assert sorted(b["title"] for _, b in hook.received) == [
        "[veille] hook: Bpifrance finance IA Booster", "[veille] hook: Bpifrance: un prêt modeste"]


def test_paused_subscriptions_neither_match_nor_send(store):
    hook = Webhook()
    try:
        subscribe(store, "p", query="OpenAI", notify=hook.url())
        add_all(store)
        alerts.match_new(store.db, now=T0)
        alerts.set_active(store.db, "p", False)
        assert delivery.deliver_due(store.db, now=T0, timeout=5).sent == 0
        add_article(store, 300, "OpenAI encore", "OpenAI encore à Paris.", "Wire", "fr", [], [])
        alerts.match_new(store.db, now=T0)
        assert len(queued(store, "p")) == 2  # the article arrived while paused is not matched
        alerts.set_active(store.db, "p", True)
        assert delivery.deliver_due(store.db, now=T0, timeout=5).sent == 2
    finally:
        hook.close()
    assert len(hook.received) == 2


def test_feed_lists_matches_as_atom(store, db_path):
    import xml.etree.ElementTree as ET

    subscribe(store, "openai", query="OpenAI")
    add_all(store)
    alerts.match_new(store.db, now=T0)
    res = CliRunner().invoke(main, ["alerts", "feed", "openai", "--db", db_path], catch_exceptions=False)
    root = ET.fromstring(res.output.encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert titles == ["UK and OpenAI sign memorandum", "OpenAI ouvre un bureau à Paris"]
    summary = root.find("a:entry/a:summary", ns).text
    assert "«OpenAI»" in summary


@pytest.mark.slow
def test_veille_run_crawls_enriches_and_delivers_one_cycle(tmp_path, store, db_path, demo_site):
    """One real cycle on the sample site: Scrapy crawl in a subprocess, spaCy enrichment, alerts."""
    from crawler.demo.server import write_sources

    sources = write_sources(demo_site, tmp_path / "sources.toml")
    hook = Webhook()
    try:
        run = lambda *a: CliRunner().invoke(main, [*a, "--db", db_path], catch_exceptions=False)  # noqa: E731
        assert run("alerts", "add", "openai", "--query", "OpenAI", "--notify", hook.url()).exit_code == 0
        settings = ["-s", "VEILLE_ONLY_LOOPBACK=True", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        res = run("run", "--sources", str(sources), *settings, "--json")
        assert res.exit_code == 0, res.output
        out = json.loads(res.output[res.output.index("{"):])
        assert out["summary"]["stored"] > 0 and out["summary"]["enriched"] > 0
        assert out["alerts"]["queued"] == 0  # queued by enrichment already, in the same run
        assert out["alerts"]["sent"] >= 2 and out["alerts"]["failed"] == 0
        again = json.loads(run("alerts", "run", "--json").output)
        assert again["sent"] == 0  # nothing twice
    finally:
        hook.close()
    titles = [b["title"] for _, b in hook.received]
    assert len(titles) == out["alerts"]["sent"] == len(set(titles))
    assert all("openai" in b["message"].lower() for _, b in hook.received)


def test_one_entity_resolver_canonical_then_alias_then_kb_id(store):
    from db.entity_lookup import lookup
    from nlp.kb import normalise

    def resolve(conn, name):
        return lookup(conn, name).best

    rows = [(1, "Bpifrance", "ORG", "bpifrance", normalise("Bpifrance")),
            (2, "Banque publique d'investissement", "ORG", "bpi", normalise("Banque publique d'investissement")),
            (3, "Île-de-France", "LOC", "idf-region", normalise("Île-de-France"))]
    store.db.conn.executemany("INSERT INTO entities (id, name, label, kb_id, norm) VALUES (?,?,?,?,?)", rows)
    store.db.conn.executemany("INSERT INTO aliases (alias_norm, entity_id, alias) VALUES (?,?,?)",
                              [(normalise("Bpifrance"), 2, "Bpifrance"), (normalise("BPI"), 2, "BPI")])
    conn = store.db.conn
    assert resolve(conn, "BPIFRANCE").id == 1  # a canonical name wins over another entity's alias
    assert resolve(conn, "bpi").id == 2  # then an alias
    assert resolve(conn, "idf-region").id == 3  # then a knowledge-base id
    assert resolve(conn, "ile de france").id == 3  # punctuation folded as it is when stored
    assert resolve(conn, "ILE-DE-FRANCE").id == 3  # case and diacritics folded
    assert resolve(conn, "nobody") is None and resolve(conn, "  ") is None
