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
from pathlib import Path

import pytest

from tests.alert_receivers import Mailbox
from tests.crawl_sites import write_sources
from tests.watch_sites import WatchedSite, serve_sites

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
    status = json.loads(subprocess.run(
        [sys.executable, "-m", "crawler.cli", "watch", "--status", "--json", "--db", db], capture_output=True,
        text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout)
    assert status["running"] is False and status["stopped_at"]
    by_name = {s["source"]: s for s in status["sources"]}
    assert by_name["La Gazette"]["new_total"] == 3 and by_name["Le Courrier"]["new_total"] == 2
    assert by_name["Le Courrier"]["outcome"] == "unchanged"
