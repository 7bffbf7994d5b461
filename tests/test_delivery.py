"""Delivery in operation: secrets out of the database, escaped Markdown, briefs through the
outbox, crashes at each stage of a send, dead rows, a process bounded by --timeout, one lock.

Every receiver is real and on loopback (tests/alert_receivers.py); crashes are real processes
killed at a chosen stage.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from crawler.cli import main
from digests import alerts, delivery
from tests import test_brief_render
from tests.alert_receivers import Mailbox, Webhook, closed_port, mailbox
from tests.test_alerts import CRASHER, T0, add_all, add_article, status_of, subscribe

ROOT = Path(__file__).parent.parent
# fixtures: the brief's test database (its weeks of articles), for the brief sent through the outbox
built, db_copy, encoder = test_brief_render.built, test_brief_render.db_copy, test_brief_render.encoder
PASSWORD = "Zq7-hunter-PW"


def text_cells(db_path: str) -> list[str]:
    """Every text value of every column of every table in the database file."""
    conn = sqlite3.connect(db_path)
    out = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
            for c in cols:
                out += [v for (v,) in conn.execute(f'SELECT "{c}" FROM "{t}"') if isinstance(v, str)]
    finally:
        conn.close()
    return out


# -- 13.1: channel secrets are not in the database ---------------------------------------------------


def test_a_channel_password_is_kept_out_of_the_database_and_still_works(store, db_path):
    box = Mailbox(auth=("veille", PASSWORD)).start()
    try:
        res = CliRunner().invoke(main, ["alerts", "add", "m", "--db", db_path, "--query", "OpenAI",
                                        "--notify", box.url()], catch_exceptions=False)
        assert res.exit_code == 0 and PASSWORD not in res.output
        cells = text_cells(db_path)
        assert cells and not [v for v in cells if PASSWORD in v]
        secrets = Path(db_path + ".secrets.json")
        assert PASSWORD in secrets.read_text("utf-8")
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
        add_all(store)
        alerts.match_new(store.db, now=T0)
        report = delivery.deliver_due(store.db, now=T0, timeout=5)
        assert (report.sent, report.failed) == (2, 0), report.errors
    finally:
        box.stop()
    assert len(box.messages) == 2 and box.logins == ["veille", "veille"]
    assert PASSWORD not in CliRunner().invoke(main, ["alerts", "list", "--db", db_path, "--json"]).output
    assert not [v for v in text_cells(db_path) if PASSWORD in v]
    assert CliRunner().invoke(main, ["alerts", "remove", "m", "--db", db_path]).exit_code == 0
    assert PASSWORD not in Path(db_path + ".secrets.json").read_text("utf-8")  # removed with its subscription


def test_migration_9_moves_stored_passwords_out_and_keeps_the_outbox(db_path, monkeypatch):
    import db.schema as schema
    from db.store import NewArticle, Store

    everything = list(schema.MIGRATIONS)
    monkeypatch.setattr(schema, "MIGRATIONS", [m for m in everything if m[0] < 9])
    old = Store(db_path)  # a database as version 8 left it: the URL in the column
    url = f"mailto://veille:{PASSWORD}@127.0.0.1:25?from=v@example.org&to=a@example.org"
    old.db.execute("INSERT INTO subscriptions (name, query, notify, created_at, updated_at)"
                   " VALUES ('old', 'OpenAI', ?, 'x', 'x')", [url])
    # the article row only: its analysis would need the columns later migrations add (amounts.max)
    link = "http://127.0.0.1:9/wire/1"
    aid = old.add_article(NewArticle(url=link, canonical_url=link, url_key=link, source="Wire", title="OpenAI à Paris",
                                     text="OpenAI ouvre un bureau à Paris.", published="2025-07-24", author=None,
                                     lang="fr", content_hash="h1")).id
    old.db.execute("INSERT INTO outbox (subscription_id, article_id, created_at, due_at, status, attempts,"
                   " next_attempt_at, claim) VALUES (1, ?, 'x', 'x', 'sending', 2, 'x', 'c1')", [aid])
    old.db.execute("INSERT INTO delivery_attempts (outbox_id, claim, started_at) VALUES (1, 'c1', 'x')")
    assert [v for v in text_cells(db_path) if PASSWORD in v]
    old.close()
    monkeypatch.setattr(schema, "MIGRATIONS", everything)
    new = Store(db_path)
    try:
        assert not [v for v in text_cells(db_path) if PASSWORD in v]
        sub = alerts.get(new.db, "old")
        assert sub.notify.startswith("secret:") and alerts.channel_url(new.db, sub) == url
        # nothing said how far an old `sending` row got: it keeps the cautious reading (in doubt)
        assert status_of(new, "old") == [("handing", 2)]
        assert new.db.execute("SELECT count(*) FROM delivery_attempts").fetchone()[0] == 1
    finally:
        new.close()


def test_a_channel_named_by_an_environment_variable(store, db_path, monkeypatch):
    with mailbox() as box:
        monkeypatch.setenv("VEILLE_TEST_NOTIFY", box.url())
        res = CliRunner().invoke(main, ["alerts", "add", "e", "--db", db_path, "--query", "Bpifrance",
                                        "--notify", "env:VEILLE_TEST_NOTIFY", "--json"], catch_exceptions=False)
        assert json.loads(res.output)["channel"] == "env:VEILLE_TEST_NOTIFY"
        add_all(store)
        alerts.match_new(store.db, now=T0)
        assert delivery.deliver_due(store.db, now=T0, timeout=5).sent == 2
    assert not [v for v in text_cells(db_path) if "127.0.0.1" in v and "mailto" in v]


# -- 13.4: crawled text cannot inject Markdown or links --------------------------------------------


def test_hostile_titles_and_links_are_escaped_in_chat_messages(store):
    hook = Webhook()
    try:
        subscribe(store, "h", query="OpenAI", notify=hook.url())
        aid = add_article(store, 900, "<script>alert(1)</script> OpenAI [clic](javascript:alert(1))",
                          "OpenAI <img src=x onerror=alert(1)> [ici](javascript:alert(2)) *gras*", "Wire", "fr",
                          [], [])
        store.db.execute("UPDATE articles SET url = 'javascript:alert(3)' WHERE id = ?", [aid])
        alerts.match_new(store.db, now=T0)
        assert delivery.deliver_due(store.db, now=T0, timeout=5).sent == 1
    finally:
        hook.close()
    (_headers, body), = hook.received
    md = body["message"]
    # Markdown renders a backslash-escaped character as that character: text, not markup
    assert not re.search(r"(?<!\\)<(?!http)", md)  # no raw HTML; only the <http...> autolinks
    assert not re.search(r"(?<!\\)\]\(", md)  # no [text](link) but the ones veille writes
    assert "alert(3)" not in md  # the javascript: article link is not linked at all
    assert "\\<script\\>" in md and "\\[clic\\]" in md  # still readable, as text
    assert "<" not in body["title"] and "javascript:alert(3)" not in md


# -- 13.7: a brief whose channel is down is written, queued, retried -------------------------------


def test_a_brief_to_a_channel_that_is_down_is_written_queued_and_retried(db_copy, tmp_path):
    out = tmp_path / "brief.md"
    hook = Webhook(listening=False)  # its port refuses connections until listen()
    try:
        res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "-o", str(out),
                                        "--send", hook.url()])
        assert res.exit_code == 1 and "brief not delivered" in res.output and "queued" in res.output
        assert "Traceback" not in res.output
        assert out.read_text("utf-8").startswith("# ")  # the file came first
        from db.store import Store

        store = Store(db_copy)
        try:
            (status, attempts), = store.db.execute("SELECT status, attempts FROM brief_outbox").fetchall()
            assert (status, attempts) == ("failed", 1)
            hook.listen()
            store.db.execute("UPDATE brief_outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'")  # backoff over
        finally:
            store.close()
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_copy, "--json"], catch_exceptions=False)
        assert json.loads(res.output)["briefs_sent"] == 1
        assert json.loads(CliRunner().invoke(main, ["alerts", "run", "--db", db_copy, "--json"]).output)[
            "briefs_sent"] == 0  # sent once
    finally:
        hook.close()
    (_headers, body), = hook.received
    assert body["title"] == "Veille — semaine 2025-W30"


def test_a_brief_sent_to_an_env_reference_keeps_the_url_out_of_every_file(db_copy, tmp_path, monkeypatch):
    hook = Webhook()
    try:
        res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "--send", "env:VEILLE_TEST_BRIEF"])
        assert res.exit_code == 1 and "VEILLE_TEST_BRIEF" in res.output and "not set" in res.output
        monkeypatch.setenv("VEILLE_TEST_BRIEF", hook.url())
        res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "-o", str(tmp_path / "b.md"),
                                        "--send", "env:VEILLE_TEST_BRIEF"])
        assert res.exit_code == 0, res.output
    finally:
        hook.close()
    (_headers, body), = hook.received
    assert body["title"] == "Veille — semaine 2025-W30"
    from db.store import Store

    with Store(db_copy) as store:
        assert store.db.execute("SELECT notify FROM brief_outbox").fetchall() == [("env:VEILLE_TEST_BRIEF",)]
    port = hook.url().rsplit(":", 1)[1].split("/")[0]
    assert all(port not in p.read_text("utf-8", "replace") for p in Path(db_copy).parent.glob("*secrets*"))


# -- 13.12: how far a send got decides what a crash leaves -------------------------------------------


def crash_at(db_path: str, stage: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CRASHER, db_path, T0.isoformat(), stage],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr


def queue_then_crash_at(store, db_path: str, box, stage: str) -> None:
    """Queue the Paris article for `box`, then have a delivery run die at `stage`."""
    subscribe(store, "paris", query="Paris", notify=box.url())
    add_all(store)
    alerts.match_new(store.db, now=T0)
    crash_at(db_path, stage)


def test_a_run_killed_before_handing_over_is_retried_not_in_doubt(store, db_path):
    with mailbox() as box:
        queue_then_crash_at(store, db_path, box, "claimed")
        assert status_of(store, "paris") == [("claimed", 1)] and box.messages == []
        report = delivery.deliver_due(store.db, now=T0 + timedelta(seconds=5), timeout=5)
        assert (report.retried, report.in_doubt, report.sent) == (1, 0, 1)
        assert delivery.deliver_due(store.db, now=T0 + timedelta(hours=2), timeout=5).sent == 0
    assert len(box.messages) == 1
    assert status_of(store, "paris") == [("sent", 2)]
    outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM delivery_attempts ORDER BY id")]
    assert outcomes == ["retried", "sent"]


def test_a_run_killed_while_the_channel_has_it_is_in_doubt(store, db_path):
    with mailbox() as box:
        queue_then_crash_at(store, db_path, box, "handing")
        report = delivery.deliver_due(store.db, now=T0 + timedelta(seconds=5), timeout=5)
        assert (report.retried, report.in_doubt, report.sent) == (0, 1, 0)
    assert status_of(store, "paris") == [("in_doubt", 1)]


def test_one_failing_row_does_not_hold_back_its_channel(store):
    hook = Webhook()
    hook.reject = "Bpifrance finance"  # this one message is refused, the channel is fine
    try:
        subscribe(store, "bpi", query="Bpifrance OR OpenAI", notify=hook.url())
        add_all(store)
        alerts.match_new(store.db, now=T0)
        report = delivery.deliver_due(store.db, now=T0, timeout=5)
        assert (report.sent, report.failed, report.deferred) == (3, 1, 0)
        # still refused on every retry; after 48 h of failures it is given up, the others long sent
        report = delivery.deliver_due(store.db, now=T0 + timedelta(hours=49), timeout=5)
        assert (report.sent, report.failed, report.dead) == (0, 0, 1)
        assert delivery.deliver_due(store.db, now=T0 + timedelta(days=9), timeout=5).failed == 0  # no retry
    finally:
        hook.close()
    assert sorted(s for s, _ in status_of(store, "bpi")) == ["dead", "sent", "sent", "sent"]
    assert len(hook.received) == 3


def test_dead_alerts_are_listed_and_can_be_retried(store, db_path):
    with closed_port() as port:
        subscribe(store, "down", query="Bpifrance", notify=f"json://127.0.0.1:{port}/hook")
        add_all(store)
        alerts.match_new(store.db, now=T0)
        report = delivery.deliver_due(store.db, now=T0 + timedelta(hours=50), timeout=2)
        assert (report.dead, report.failed) == (2, 0)
    listed = json.loads(CliRunner().invoke(main, ["alerts", "list", "--db", db_path, "--json"]).output)[0]
    assert listed["dead"] == 2 and listed["failed"] == 0 and listed["last_error"]
    res = CliRunner().invoke(main, ["alerts", "retry", "down", "--dead", "--db", db_path])
    assert "2 alert(s) queued again" in res.output


# -- 13.13: --timeout bounds the process; one run at a time ------------------------------------------


def veille(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_alerts_run_timeout_bounds_the_process_against_a_dripping_webhook(store, db_path):
    hook = Webhook()
    hook.mode = "drip"  # 200 OK, then one byte a second for two minutes
    try:
        subscribe(store, "drip", query="OpenAI ouvre", notify=hook.url())
        add_all(store)
        alerts.match_new(store.db)  # now: the run below works in real time
        proc = veille("alerts", "run", "--db", db_path, "--timeout", "3", "--json", timeout=60)
        assert proc.returncode == 1, proc.stderr  # a failed send: cron sees it
        assert json.loads(proc.stdout)["failed"] == 1, proc.stdout + proc.stderr
        assert hook.client_gone.wait(15)  # the sender is gone: no late success can follow
    finally:
        hook.close()
    assert status_of(store, "drip") == [("failed", 1)]
    assert store.db.execute("SELECT count(*) FROM delivery_attempts WHERE outcome = 'sent'").fetchone()[0] == 0


def test_two_concurrent_runs_send_each_row_once(store, db_path):
    hook = Webhook(delay=0.5)  # slow enough that the two runs overlap
    try:
        subscribe(store, "all", query="OpenAI OR Bpifrance OR batteries", notify=hook.url())
        add_all(store)
        alerts.match_new(store.db)  # now: the run below works in real time
        cmd = [sys.executable, "-m", "crawler.cli", "alerts", "run", "--db", db_path, "--json"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(2)]
        outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    finally:
        hook.close()
    assert sum(o["sent"] for o in outs) == 5
    titles = [b["title"] for _, b in hook.received]
    assert len(titles) == 5 == len(set(titles))
    assert {s for s, _ in status_of(store, "all")} == {"sent"}


# -- a failed send is an exit status a cron job sees, after the report ----------------------------


def _make_due(store) -> None:
    store.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00'")  # backoff over


def test_alerts_run_exits_1_when_a_send_fails_and_0_when_nothing_failed(store, db_path):
    with closed_port() as port:
        subscribe(store, "down", query="OpenAI ouvre", notify=f"json://127.0.0.1:{port}/hook")
        add_all(store)
        alerts.match_new(store.db)  # now: the run below works in real time
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--timeout", "5"])
        assert res.exit_code == 1, res.output
        # the report comes first, on stdout; what failed and what happens next on stderr
        assert res.stdout.startswith("alerts: queued 0 · sent 0 in 0 message(s) · failed 1 ·")
        assert "down: " in res.stderr and "1 failed: retried by the next run" in res.stderr
        assert "Traceback" not in res.output
        # in backoff, the row is not tried: nothing failed in this run
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--timeout", "5", "--json"])
        assert res.exit_code == 0 and json.loads(res.stdout)["ok"] is True
        _make_due(store)
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--timeout", "5", "--json"])
        assert res.exit_code == 1
        out = json.loads(res.stdout)  # one JSON document, nothing else on stdout
        assert (out["failed"], out["dead"], out["ok"], out["retry_next_run"]) == (1, 0, False, 1)
    assert status_of(store, "down") == [("failed", 2)]


def test_alerts_run_exits_1_when_a_row_is_given_up(store, db_path):
    with closed_port() as port:
        subscribe(store, "stale", query="OpenAI ouvre", notify=f"json://127.0.0.1:{port}/hook")
        add_all(store)
        alerts.match_new(store.db)
        # due for longer than delivery.GIVE_UP: this failure is the last one
        store.db.execute("UPDATE outbox SET due_at = '2000-01-01T00:00:00+00:00', "
                         "next_attempt_at = '2000-01-01T00:00:00+00:00'")
        res = CliRunner().invoke(main, ["alerts", "run", "--db", db_path, "--timeout", "5", "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert (out["failed"], out["dead"], out["ok"], out["retry_next_run"]) == (0, 1, False, 0)
    assert status_of(store, "stale") == [("dead", 1)]


def test_veille_run_exits_1_when_its_delivery_step_fails(tmp_path, store, db_path):
    from tests.crawl_sites import Route, rss, serve, write_sources

    with closed_port() as port, serve({"/feed.xml": Route(rss([]), ctype="application/rss+xml")}) as site:
        subscribe(store, "down", query="OpenAI ouvre", notify=f"json://127.0.0.1:{port}/hook")
        add_all(store)
        alerts.match_new(store.db)
        sources = write_sources(tmp_path / "s.toml", [{"name": "Quiet", "homepage": site.base + "/",
                                                        "feeds": [site.base + "/feed.xml"]}])
        res = CliRunner().invoke(main, ["run", "--db", db_path, "--sources", sources, "--no-enrich", "--json",
                                        "--timeout", "5", "-s", "DOWNLOAD_DELAY=0",
                                        "-s", "AUTOTHROTTLE_ENABLED=False"])
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)  # the whole cycle report, printed before the exit status
    assert report["summary"]["sources"] == 1 and report["summary"]["alerts_sent"] == 0
    assert (report["alerts"]["failed"], report["alerts"]["ok"], report["alerts"]["retry_next_run"]) == (1, False, 1)
