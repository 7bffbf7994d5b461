"""`veille cluster` commands against a real redis-server: configuration, errors, seeding, status."""
from __future__ import annotations

import json
import socket
import time

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cluster import ClusterError, Keys, connect, ensure_group
from crawler.cluster.messages import analysis_from_json, analysis_to_json
from crawler.cluster.seed import seed
from crawler.cluster.writer import Writer
from nlp.types import AmountMention, Analysis, DateMention, EntityMention

pytest_plugins = ["tests.redis_server"]  # the redis_server and redis_url fixtures


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens there once it is closed


def _sources(tmp_path, n=2) -> str:
    path = tmp_path / "sources.toml"
    path.write_text("".join(f'[[source]]\nname = "s{i}"\nhomepage = "http://127.0.0.1:9/{i}/"\n'
                            f'feeds = ["http://127.0.0.1:9/{i}/feed.xml"]\n\n' for i in range(n)), "utf-8")
    return str(path)


@pytest.mark.parametrize("command", [["seed"], ["crawl"], ["store", "--db", "{tmp}/v.db"], ["enrich"], ["status"]])
def test_every_command_says_clearly_when_redis_cannot_be_reached(command, tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_REDIS", f"redis://127.0.0.1:{_closed_port()}/0")
    args = ["cluster", *[a.format(tmp=tmp_path) for a in command]]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1
    assert "cannot reach Redis at redis://127.0.0.1:" in res.output and "Traceback" not in res.output


def test_the_redis_url_comes_from_the_option_the_environment_or_the_cluster_table(redis_url, tmp_path, monkeypatch):
    monkeypatch.delenv("VEILLE_REDIS", raising=False)
    cfg = tmp_path / "veille.toml"
    cfg.write_text(f'[cluster]\nredis = "{redis_url}"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "cluster", "status", "--json"])
    assert res.exit_code == 0, res.output
    assert set(json.loads(res.output)["streams"]) == {"sources", "articles", "enrich", "analyses"}
    monkeypatch.setenv("VEILLE_REDIS", f"redis://127.0.0.1:{_closed_port()}/0")  # the environment wins over the file
    assert CliRunner().invoke(main, ["--config", str(cfg), "cluster", "status"]).exit_code == 1
    assert CliRunner().invoke(main, ["--config", str(cfg), "cluster", "status", "--redis", redis_url]).exit_code == 0
    cfg.write_text('[cluster]\nredis = "localhost:6379"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "cluster", "status"])
    assert res.exit_code == 1 and "redis://" in res.output


def test_a_source_is_queued_once_until_its_job_is_done(redis_url, tmp_path):
    client, keys = connect(redis_url), Keys()
    sources = _sources(tmp_path)
    assert seed(client, keys, sources) == ["s0", "s1"]
    assert seed(client, keys, sources) == []  # both still queued: no second job
    (job_id, fields), = client.xreadgroup("crawl", "w", {keys.sources: ">"}, count=1)[0][1]
    assert json.loads(fields[b"source"])["name"] == "s0"
    client.xack(keys.sources, "crawl", job_id)
    client.delete(keys.queued("s0"))  # what a worker does once the job is done
    assert seed(client, keys, sources) == ["s0"]


def test_status_shows_backlog_pending_work_and_the_dead_worker_holding_it(redis_url, tmp_path):
    client, keys = connect(redis_url), Keys()
    seed(client, keys, _sources(tmp_path, 3))
    client.xreadgroup("crawl", "ghost", {keys.sources: ">"}, count=2)  # took two jobs, never beat its heart
    client.set(keys.alive("crawl", "busy"), "1", px=60_000)
    client.xreadgroup("crawl", "busy", {keys.sources: ">"}, count=1)
    client.xadd(keys.articles, {"kind": "article", "data": "{}"})
    res = CliRunner().invoke(main, ["cluster", "status", "--json", "--redis", redis_url])
    assert res.exit_code == 0, res.output
    status = json.loads(res.output)
    src = status["streams"]["sources"]
    assert (src["length"], src["pending"], src["dead"]) == (3, 3, ["ghost"])
    assert {c["name"]: (c["pending"], c["alive"]) for c in src["consumers"]} == {"ghost": (2, False),
                                                                                   "busy": (1, True)}
    assert src["oldest_lease_s"] is not None
    assert status["writer"]["backlog"] == 1 and status["writer"]["holder"] is None
    text = CliRunner().invoke(main, ["cluster", "status", "--redis", redis_url]).output
    assert "dead with work: ghost" in text and "writer    none running" in text


def test_a_second_writer_is_refused_while_one_holds_the_database(redis_url, tmp_path):
    client, keys = connect(redis_url), Keys()
    client.set(keys.writer_lock, "writer:elsewhere", px=30_000)
    for stream in (keys.articles, keys.analyses):
        ensure_group(client, stream, "writer")
    with pytest.raises(ClusterError, match="another writer \\(writer:elsewhere\\)"):
        Writer(client, keys, str(tmp_path / "v.db"), lease=0.3).run(until_empty=True)


def test_analyses_travel_as_json_and_come_back_equal():
    a = Analysis(lang="fr", title="T", published="2025-01-02", author=None, text="Bpifrance prête 3 M€ le 2 mai.",
                 entities=[EntityMention("Bpifrance", "ORG", "Bpifrance", 0, 9, "Q1")],
                 dates=[DateMention("2 mai", "2025-05-02", "day", 24, 29)],
                 amounts=[AmountMention("3 M€", 3e6, "EUR", "money", 16, 20, eur=3e6, approx=True)],
                 sentence_starts=[0])
    back = analysis_from_json(json.loads(json.dumps(analysis_to_json(a))))
    assert back == a and back.sentence_of(25) == 0


def test_a_job_whose_workers_keep_dying_is_set_aside_as_failed(redis_url, tmp_path):
    from crawler.cluster.worker import MAX_DELIVERIES, CrawlWorker

    client, keys = connect(redis_url), Keys()
    seed(client, keys, _sources(tmp_path, 1))
    (job_id, _f), = client.xreadgroup("crawl", "ghost", {keys.sources: ">"}, count=1)[0][1]
    # handed out to (dead) workers as often as allowed, and once more by the worker below
    client.xclaim(keys.sources, "crawl", "ghost", 0, [job_id], retrycount=MAX_DELIVERIES)
    worker = CrawlWorker(client, keys, redis_url, "w", lease=0.001)
    time.sleep(0.01)
    assert worker._fill() == 0 and not worker.running
    assert worker.report.failed == 1
    assert client.xlen(keys.sources) == 0 and client.xlen(keys.failed) == 1
    assert seed(client, keys, _sources(tmp_path, 1)) == ["s0"]  # the next seed queues the source again


def test_a_worker_that_loses_redis_stops_with_one_line(tmp_path):
    import subprocess

    from tests.cluster_sites import veille
    from tests.redis_server import start_server

    proc, port = start_server(str(tmp_path))  # its own server: this test stops it
    url = f"redis://127.0.0.1:{port}/0"
    try:
        worker = subprocess.Popen(veille("crawl", "--redis", url, "--name", "w"), stderr=subprocess.PIPE, text=True)
        client = connect(url)
        deadline = time.monotonic() + 60
        while not client.exists(Keys().alive("crawl", "w")):
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    _, err = worker.communicate(timeout=120)
    assert worker.returncode == 1
    assert err.startswith(f"Error: lost Redis at {url}") and "Traceback" not in err
