"""`veille cluster seed`: one crawl job per due source on the sources stream.

A source is due when no job of it is queued or running: a marker key, set with the job and
deleted when a crawl worker acknowledges it, keeps a slow source from piling up jobs while
the previous one runs. The marker expires after `MARKER_TTL` anyway, so a job lost with a
flushed Redis cannot block its source for ever. A job carries the whole source table and the
conditional-GET validators the writer last saved, so crawl workers need neither the sources
file nor the database.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

from crawler.cluster import GROUPS, Keys, ensure_group, text
from crawler.sources import Source, load_sources

log = logging.getLogger(__name__)

MARKER_TTL = 24 * 3600  # seconds: longer than any crawl of one source


def source_job(source: Source, validators: dict[str, list]) -> dict[str, str]:
    """The stream fields of one crawl job."""
    entry_points = {*source.feeds, *source.sitemaps, *source.follow}
    mine = {url: v[1:] for url, v in validators.items() if url in entry_points or v[0] == source.name}
    return {"source": json.dumps(asdict(source)), "validators": json.dumps(mine), "queued_at": str(time.time())}


def job_source(fields: dict) -> tuple[Source, dict[str, tuple]]:
    """The Source and {entry point: (ETag, Last-Modified)} of a job's stream fields."""
    raw = json.loads(text(fields[b"source"]))
    source = Source(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
    validators = {url: tuple(v) for url, v in json.loads(text(fields.get(b"validators", b"{}"))).items()}
    return source, validators


def load_validators(client, keys: Keys) -> dict[str, list]:
    return {text(k): json.loads(v) for k, v in client.hgetall(keys.validators).items()}


def seed(client, keys: Keys, sources_path: str | None = None, only: set[str] | None = None) -> list[str]:
    """Queue a job for every due source; returns the names of the sources queued."""
    ensure_group(client, keys.sources, GROUPS["sources"])
    sources = [s for s in load_sources(sources_path) if not only or s.name in only]
    validators = load_validators(client, keys)
    queued = []
    for source in sources:
        # the marker first: two seeders racing queue the source once
        if not client.set(keys.queued(source.name), "1", nx=True, ex=MARKER_TTL):
            continue
        client.xadd(keys.sources, source_job(source, validators))
        queued.append(source.name)
    log.info("queued %d of %d sources", len(queued), len(sources))
    return queued


def seed_every(client, keys: Keys, every: float, sources_path: str | None = None, on_pass=None,
               passes: int | None = None) -> None:
    """Seed now, then every `every` seconds (`passes` times, for ever when None)."""
    done = 0
    while passes is None or done < passes:
        started = time.monotonic()
        queued = seed(client, keys, sources_path)
        if on_pass:
            on_pass(queued)
        done += 1
        if passes is None or done < passes:
            time.sleep(max(0.0, every - (time.monotonic() - started)))
