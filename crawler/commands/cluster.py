"""`veille cluster seed|crawl|store|enrich|status`: veille on several machines through Redis Streams.

The Redis URL: --redis, else VEILLE_REDIS, else `[cluster] redis` in veille.toml, else a
Redis on this machine. Each command checks it first and says clearly when it cannot answer.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from dataclasses import asdict

import click

from crawler.cluster import WRITER_BATCH
from crawler.options import db_option, json_option, settings_option, sources_option

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")


def parse_duration(ctx, param, value):
    if value is None:
        return None
    m = DURATION.match(str(value))
    if not m:
        raise click.BadParameter(f"a duration such as 90s, 15m or 1h, got {value!r}", ctx=ctx, param=param)
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2) or "s"]


def redis_url(config: dict, option: str | None) -> str:
    from crawler.cluster import DEFAULT_URL

    return option or os.environ.get("VEILLE_REDIS") or (config.get("cluster") or {}).get("redis") or DEFAULT_URL


def _cluster_options(f):
    f = click.option("--prefix", default="veille", show_default=True,
                     help="Prefix of every Redis key (several clusters can share one Redis).")(f)
    f = click.option("--redis", "redis_option", metavar="URL",
                     help="Redis (≥ 6.2) of the cluster (default: VEILLE_REDIS, else [cluster] redis).")(f)
    return click.pass_context(f)


def _connect(ctx, redis_option, prefix):
    from crawler.cluster import Keys, connect

    url = redis_url(ctx.obj or {}, redis_option)
    return connect(url), Keys(prefix), url


@contextlib.contextmanager
def _lost_redis(url: str):
    """Redis going away mid-run ends the command with one line, as an unreachable one does."""
    import redis

    from crawler.cluster import ClusterError

    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise ClusterError(f"lost Redis at {url}: {exc}") from None


def _stop_on_sigterm() -> None:
    """systemd stops services with SIGTERM: unwind (finally blocks release locks, kill crawl processes)."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


@click.group("cluster")
def cluster():
    """Crawl, store and analyse on several machines, sharing work through Redis Streams.

    \b
    One writer owns the SQLite database; crawl and enrich workers run anywhere:
      veille cluster seed --every 15m          # cron-like: queue every due source
      veille cluster crawl --parallel 4        # crawl workers, as many machines as you like
      veille cluster store --db veille.db      # the one writer
      veille cluster enrich                    # enrichment workers (models loaded once)
      veille cluster status                    # backlogs, leases, dead workers, writer lag
    """


@cluster.command("seed")
@sources_option
@click.option("--every", callback=parse_duration, metavar="DURATION", help="Seed again every DURATION (15m, 1h).")
@_cluster_options
def seed_cmd(ctx, sources, every, redis_option, prefix):
    """Queue one crawl job per due source (one not queued or running already).

    \b
    Examples:
      veille cluster seed --sources my-sources.toml
      veille cluster seed --every 15m          # as a service, instead of cron
    """
    from crawler.cluster.seed import seed, seed_every

    client, keys, url = _connect(ctx, redis_option, prefix)
    path = sources or ctx.obj.get("sources")
    with _lost_redis(url):
        if every is None:
            click.echo(f"queued {len(seed(client, keys, path))} source(s)")
            return
        _stop_on_sigterm()
        seed_every(client, keys, every, path, on_pass=lambda q: click.echo(f"queued {len(q)} source(s)"))


@cluster.command("crawl")
@click.option("--name", help="Consumer name (default: host-pid).")
@click.option("--parallel", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Sources crawled at once, one crawl process each.")
@click.option("--lease", callback=parse_duration, default="60s", show_default=True,
              help="A job not renewed for this long is taken over by another worker.")
@click.option("--until-done", is_flag=True, help="Exit once the sources stream is empty.")
@settings_option
@_cluster_options
def crawl_cmd(ctx, name, parallel, lease, until_done, settings, redis_option, prefix):
    """Crawl worker: take source jobs, crawl each with the usual spider, hand articles to the writer.

    Each job runs in its own crawl process with the usual politeness; across workers no host gets
    more than CONCURRENT_REQUESTS_PER_DOMAIN requests at once, and no URL is fetched twice.

    \b
    Examples:
      veille cluster crawl --parallel 4 --redis redis://queue.internal:6379/0
      veille cluster crawl -s DOWNLOAD_DELAY=1 --name crawl-2
    """
    from crawler.cluster import default_name
    from crawler.cluster.worker import CrawlWorker

    client, keys, url = _connect(ctx, redis_option, prefix)
    _stop_on_sigterm()
    worker = CrawlWorker(client, keys, url, name or default_name(), parallel=parallel, lease=lease,
                         settings=settings)
    with _lost_redis(url):
        report = worker.run(until_done=until_done)
    click.echo(json.dumps(asdict(report)))


@cluster.command("store")
@db_option(create=True)
@click.option("--name", default="writer", show_default=True, help="Consumer name of the writer.")
@click.option("--batch", type=click.IntRange(1, 10_000), default=WRITER_BATCH, show_default=True,
              help="Stream entries per transaction.")
@click.option("--lease", callback=parse_duration, default="30s", show_default=True,
              help="Lease of the writer's lock (a restarted writer waits for a dead one's to end).")
@click.option("--no-enrich", is_flag=True, help="Do not feed the enrich stream.")
@click.option("--until-empty", is_flag=True, help="Exit once the articles and analyses streams are empty.")
@_cluster_options
def store_cmd(ctx, db, name, batch, lease, no_enrich, until_empty, redis_option, prefix):
    """The writer: store articles and analyses from the streams into the database, each once.

    Run exactly one, on the machine that holds the database; alerts, briefs and `veille serve`
    read that database as on one machine.

    \b
    Examples:
      veille cluster store --db /var/lib/veille/veille.db
      veille cluster store --db veille.db --no-enrich --until-empty
    """
    from crawler.cluster.writer import Writer

    client, keys, url = _connect(ctx, redis_option, prefix)
    _stop_on_sigterm()
    writer = Writer(client, keys, db, name=name, batch=batch, lease=lease, enrich=not no_enrich)
    with _lost_redis(url):
        report = writer.run(until_empty=until_empty)
    click.echo(json.dumps(asdict(report)))


@cluster.command("enrich")
@click.option("--name", help="Consumer name (default: host-pid).")
@click.option("--lease", callback=parse_duration, default="10m", show_default=True,
              help="A batch not finished for this long is taken over by another worker.")
@click.option("--until-empty", is_flag=True, help="Exit once the enrich stream is empty.")
@_cluster_options
def enrich_cmd(ctx, name, lease, until_empty, redis_option, prefix):
    """Enrichment worker: analyse article batches from the enrich stream, send analyses to the writer.

    Uses the model_size, batch_size, embedding and [[topic]] settings, as `veille enrich` does.

    \b
    Examples:
      veille cluster enrich
      VEILLE_MODEL_SIZE=sm veille cluster enrich --name enrich-1
    """
    from crawler.cluster import default_name
    from crawler.cluster.enrich import EnrichWorker
    from nlp.topics import parse_topics

    config = ctx.obj
    topics = parse_topics(config["topic"])
    client, keys, url = _connect(ctx, redis_option, prefix)
    _stop_on_sigterm()
    worker = EnrichWorker(client, keys, name or default_name(), model_size=config["model_size"],
                          batch=config["batch_size"], embedding=config["embedding"], topics=topics, lease=lease)
    with _lost_redis(url):
        report = worker.run(until_empty=until_empty)
    click.echo(json.dumps(asdict(report)))


@cluster.command("status")
@json_option("One JSON document: per stream length, pending, consumers, oldest lease, dead workers.")
@_cluster_options
def status_cmd(ctx, as_json, redis_option, prefix):
    """Backlog and pending work of every stream, its consumers (dead ones marked), the writer's lag.

    \b
    Examples:
      veille cluster status
      veille cluster status --json | jq .writer.lag_s
    """
    from crawler.cluster.status import cluster_status, format_status

    client, keys, url = _connect(ctx, redis_option, prefix)
    with _lost_redis(url):
        status = cluster_status(client, keys)
    click.echo(json.dumps(status, indent=2) if as_json else format_status(status))


COMMANDS = [cluster]
