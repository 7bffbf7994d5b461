"""`veille watch`: a real resident process polling loopback sites, alerts through a real SMTP server.

Each end-to-end test starts `python -m crawler.cli watch` as a subprocess against sites served
on 127.0.0.1 (tests/watch_sites.py), with the small French model and keyword-only topic scores
to keep model loading short, and stops it with SIGTERM like systemd would.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from tests.alert_receivers import Mailbox
from tests.crawl_sites import write_sources
from tests.watch_sites import WatchedSite, serve_sites, varied_text

pytestmark = pytest.mark.slow  # resident processes, real crawls, real models

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "VEILLE_ONLY_LOOPBACK=True", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "RETRY_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
BPI_TEXT = "".join(f"<p>Bpifrance annonce un fonds de 40 millions d'euros pour les jeunes pousses de l'intelligence "
                   f"artificielle, paragraphe {i} du communiqué publié à Paris.</p>" for i in range(5))


def write_config(tmp_path: Path, mailbox: Mailbox, query: str = "Bpifrance") -> str:
    path = tmp_path / "veille.toml"
    path.write_text(f'[[alert]]\nname = "bpi"\nquery = "{query}"\nnotify = "{mailbox.url()}"\nevery = "immediate"\n',
                    "utf-8")
    return str(path)


class Watch:
    """A `veille watch` subprocess and its status file."""

    def __init__(self, tmp_path: Path, db: str, sources: str, *args: str, config: str | None = None):
        self.db = db
        self.status_file = Path(db).with_name(Path(db).stem + ".watch.json")
        self.log = open(tmp_path / "watch.log", "a")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "VEILLE_MODEL_SIZE": "sm"}
        cmd = [sys.executable, "-m", "crawler.cli", *(["--config", config] if config else []), "watch", "--db", db,
               "--sources", sources, "--no-embedding", *FAST, *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, cwd=ROOT, env=env)

    def status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def wait_for(self, check, timeout: float = 60, what: str = "") -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():
                return
            assert self.proc.poll() is None, f"watch exited ({self.proc.returncode}): {self.tail()}"
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {self.tail()}")

    def rounds(self) -> int:
        return self.status().get("rounds", 0)

    def stop(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text("utf-8")[-3000:]


@pytest.fixture
def mail():
    box = Mailbox().start()
    yield box
    box.stop()


def test_watch_sends_a_new_items_alert_once_and_polls_unchanged_feeds_conditionally(tmp_path, mail):
    sites = [WatchedSite("La Gazette"), WatchedSite("Le Courrier")]
    with serve_sites(sites):
        sources = write_sources(tmp_path / "sources.toml", [s.source() for s in sites])
        db = str(tmp_path / "veille.db")
        watch = Watch(tmp_path, db, sources, "--every", "1s", "--quiet-factor", "1",
                      config=write_config(tmp_path, mail))
        try:
            watch.wait_for(lambda: watch.rounds() >= 1, what="the first round")
            assert not mail.messages  # the first articles do not mention Bpifrance
            url = sites[0].add("Bpifrance lance un fonds pour l'IA", BPI_TEXT)
            watch.wait_for(lambda: mail.messages, what="the alert")
            seen = watch.rounds()
            watch.wait_for(lambda: watch.rounds() >= seen + 2, what="two more rounds")
            assert watch.stop() == 0
        finally:
            watch.kill()
    assert len(mail.messages) == 1, [m["Subject"] for m in mail.messages]
    assert "Bpifrance" in mail.texts()[0] and url in mail.texts()[0]
    # every poll after the first of an unchanged feed was answered 304
    assert sites[1].feed_200 == 1 and sites[1].feed_304 >= 2
    assert sites[0].feed_200 == 2  # the first poll, and the one after the new item
    show = lambda *a: subprocess.run([sys.executable, "-m", "crawler.cli", "watch", "--status", *a, "--db", db],  # noqa: E731
                                     capture_output=True, text=True, cwd=ROOT, check=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    text = show()
    assert "stopped" in text and "La Gazette" in text and "unchanged" in text
    status = json.loads(show("--json"))
    assert status["running"] is False and status["stopped_at"]
    by_name = {s["source"]: s for s in status["sources"]}
    assert by_name["La Gazette"]["new_total"] == 3 and by_name["Le Courrier"]["new_total"] == 2
    assert by_name["Le Courrier"]["outcome"] == "unchanged"


def _db_rows(db: str, sql: str) -> list[tuple]:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.OperationalError:  # no database yet
        return []
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # no table yet
        return []
    finally:
        conn.close()


def test_sigterm_mid_crawl_loses_nothing_and_a_restart_sends_each_alert_once(tmp_path, mail):
    sites = [WatchedSite(name, articles=0, delay=0.75) for name in ("La Gazette", "Le Courrier")]
    for site in sites:
        for i in range(6):
            lead = f"Bpifrance soutient le projet {i} de {site.name}."
            site.add(f"Bpifrance, épisode {i} : {site.name}", varied_text(zlib.crc32(lead.encode()), lead), stamp=False)
    total = 12
    with serve_sites(sites):
        sources = write_sources(tmp_path / "sources.toml", [s.source() for s in sites])
        db, config = str(tmp_path / "veille.db"), write_config(tmp_path, mail)
        # two pages at a time, 0.75 s each: the crawl takes ~4.5 s, and is stopped after its first article
        watch = Watch(tmp_path, db, sources, "--every", "1h", "-s", "CONCURRENT_REQUESTS=2", config=config)
        try:
            watch.wait_for(lambda: _db_rows(db, "SELECT COUNT(*) FROM articles") not in ([], [(0,)]),
                           what="the first stored article")
            t0 = time.monotonic()
            assert watch.stop() == 0
            stop_seconds = time.monotonic() - t0
        finally:
            watch.kill()
        stored = _db_rows(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles")[0]
        assert 0 < stored[0] < total and stored[0] == stored[1]  # stopped mid-crawl, nothing twice
        assert not _db_rows(db, "SELECT id FROM outbox WHERE status IN ('claimed', 'handing')")
        assert stop_seconds < 25, watch.tail()  # promptly: the crawl's grace, not its whole run
        status = json.loads(watch.status_file.read_text("utf-8"))
        assert status["stopped_at"] and all(s["polls"] == 0 for s in status["sources"])  # still due

        again = Watch(tmp_path, db, sources, "--every", "1h", "--rounds", "1", config=config)
        try:
            assert again.proc.wait(90) == 0, again.tail()
        finally:
            again.kill()
    assert _db_rows(db, "SELECT COUNT(*), COUNT(DISTINCT url) FROM articles")[0] == (total, total)
    assert _db_rows(db, "SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("sent", total)]
    urls = [u for s in sites for u in (f"{s.base}/a{i}.html" for i in range(1, 7))]
    texts = mail.texts()
    assert len(texts) == total and all(sum(u in t for t in texts) == 1 for u in urls)


def test_a_failing_source_is_polled_less_and_less_often(tmp_path):
    good, bad = WatchedSite("La Gazette"), WatchedSite("En panne", status=503)
    with serve_sites([good, bad]):
        sources = write_sources(tmp_path / "sources.toml", [good.source(), bad.source()])
        db = str(tmp_path / "veille.db")
        watch = Watch(tmp_path, db, sources, "--every", "1s", "--quiet-factor", "1", "--max-backoff", "4s",
                      "--rounds", "5")
        try:
            assert watch.proc.wait(120) == 0, watch.tail()
        finally:
            watch.kill()
    by_name = {s["source"]: s for s in watch.status()["sources"]}
    failing, healthy = by_name["En panne"], by_name["La Gazette"]
    assert failing["outcome"] == "failed" and "503" in failing["last_error"]
    assert failing["failures"] == failing["polls"] >= 2
    assert failing["interval"] == min(2 ** failing["failures"], 4)  # doubled, up to --max-backoff
    assert healthy["failures"] == 0 and healthy["interval"] == 1 and healthy["outcome"] == "unchanged"
    assert bad.hits["/feed.xml"] == failing["polls"] < good.hits["/feed.xml"] == healthy["polls"]
