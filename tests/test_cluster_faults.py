"""`kill -9` anywhere in the cluster loses nothing and stores nothing twice (real redis-server)."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import psutil
import pytest

from crawler.cluster import Keys, connect
from crawler.cluster.seed import seed
from crawler.cluster.writer import CRASH_HOOK
from crawler.urls import url_key
from tests.cluster_sites import article_rows, crawl_worker, serve_sites, stop, wait_drained, write_sources, writer

pytest_plugins = ["tests.redis_server"]  # the redis_server and redis_url fixtures

pytestmark = pytest.mark.slow


def _handed_on(client, keys) -> set[str]:
    """URL keys handed to the writer: in the articles stream or already stored."""
    pipe = client.pipeline(transaction=True)
    pipe.xrange(keys.articles)
    pipe.smembers(keys.stored)
    entries, stored = pipe.execute()
    keys_in_stream = {json.loads(f[b"data"])["url_key"] for _, f in entries if f[b"kind"] == b"article"}
    return keys_in_stream | {k.decode() for k in stored}


def _wait_for(condition, timeout: float = 120.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met after {timeout} s")
        time.sleep(0.05)


def test_a_killed_crawl_worker_loses_nothing_and_only_its_in_flight_pages_are_fetched_again(redis_url, tmp_path):
    client, keys = connect(redis_url), Keys()
    db = str(tmp_path / "veille.db")
    with serve_sites(4, delay=0.4) as sites:
        seed(client, keys, write_sources(tmp_path / "sources.toml", sites))
        w = writer(redis_url, db, "--no-enrich")
        doomed = crawl_worker(redis_url, "doomed", "--parallel", "4", "--lease", "4s")
        key_of = {url_key(s.base + p): (s, p) for s in sites for p in s.article_paths()}

        def fetched() -> set[str]:
            return {k for k, (s, p) in key_of.items() if s.article_hits()[p]}

        # kill it with pages answered but not yet handed on, and some handed on already
        _wait_for(lambda: len(_handed_on(client, keys)) >= 3 and fetched() - _handed_on(client, keys),
                  what="a worker with requests in flight")
        children = psutil.Process(doomed.pid).children(recursive=True)
        assert children  # its crawl processes
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
        _wait_for(lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children),
                  timeout=20, what="its crawl processes dying with it")
        in_flight = fetched() - _handed_on(client, keys)
        heirs = [crawl_worker(redis_url, f"heir{i}", "--parallel", "2", "--lease", "4s") for i in range(2)]
        reports = [json.loads(p.communicate(timeout=300)[0]) for p in heirs]
        wait_drained(client, keys)
        stop(w)
        hits = {k: s.article_hits()[p] for k, (s, p) in key_of.items()}
    assert sum(r["reclaimed"] for r in reports) >= 1  # its jobs were taken over when their lease ran out
    twice = {k for k, n in hits.items() if n > 1}
    assert set(hits.values()) <= {1, 2} and twice <= in_flight, (twice, in_flight)
    rows = article_rows(db)
    assert len(rows) == len(key_of) == 20  # every article stored, once
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(DISTINCT url_key) FROM articles").fetchone()[0] == 20


def test_a_writer_killed_between_commit_and_acknowledgement_stores_the_batch_once_on_restart(redis_url, tmp_path):
    client, keys = connect(redis_url), Keys()
    db = str(tmp_path / "veille.db")
    with serve_sites(3) as sites:
        seed(client, keys, write_sources(tmp_path / "sources.toml", sites))
        assert crawl_worker(redis_url, "w", "--parallel", "3").wait(timeout=300) == 0
    assert client.xlen(keys.articles) == 18  # 15 articles and 3 finished-source reports
    # a short lease: it is what the restarted writer waits out, since the crashed one never unlocks
    crashed = writer(redis_url, db, "--no-enrich", "--batch", "4", "--until-empty", "--lease", "5s",
                     env={CRASH_HOOK: "1"})
    assert crashed.wait(timeout=120) == 3  # the hook: os._exit right after the first commit
    assert len(article_rows(db)) == 4
    assert client.xpending(keys.articles, "writer")["pending"] == 4  # committed, never acknowledged
    restarted = writer(redis_url, db, "--no-enrich", "--batch", "4", "--until-empty")
    out, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0
    report = json.loads(out)
    assert report["already_stored"] == 4 and report["stored"] == 11  # the pending batch again: nothing new
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*), count(DISTINCT url_key) FROM articles").fetchone() == (15, 15)
    assert dict(conn.execute("SELECT source, runs FROM source_health")) == {f"site{i}": 1 for i in range(3)}
    assert client.xlen(keys.articles) == 0 and client.scard(keys.stored) == 15
