"""veille on several machines: Redis Streams carry the work, SQLite stays the one source of truth.

    seed ──► sources ──► crawl workers ──► articles ──► writer (SQLite) ──► enrich
                                                          ▲                    │
                                                          └──── analyses ◄─────┘ enrich workers

Every message is acknowledged (XACK, then XDEL) only once its effect is committed further on;
a consumer that dies leaves its messages pending, and another takes them over (XAUTOCLAIM)
when their lease (idle time) runs out. The writer is idempotent by URL key, so a message
handled twice changes nothing. This module holds what every role shares: the key names and
the connection, which turns an unreachable Redis into a `ClusterError`.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass

from nlp.errors import VeilleError

DEFAULT_URL = "redis://127.0.0.1:6379/0"
# stream entries the writer stores per transaction: FTS5 writes one index segment per commit,
# and fewer, larger segments mean less merging (1,000 stored 2-3 % more articles/s than 500)
WRITER_BATCH = 1000


class ClusterError(VeilleError, RuntimeError):
    """Redis cannot be reached, or the cluster is in a state a command refuses to work in."""


@dataclass(frozen=True)
class Keys:
    """Every Redis key of one cluster, under one prefix (tests give each run its own)."""

    prefix: str = "veille"

    @property
    def sources(self) -> str:
        return f"{self.prefix}:sources"  # stream of crawl jobs, one per due source

    @property
    def articles(self) -> str:
        return f"{self.prefix}:articles"  # stream of extracted articles and finished-source reports

    @property
    def enrich(self) -> str:
        return f"{self.prefix}:enrich"  # stream of stored articles waiting for analysis

    @property
    def analyses(self) -> str:
        return f"{self.prefix}:analyses"  # stream of analyses on their way back to the writer

    @property
    def failed(self) -> str:
        return f"{self.prefix}:failed"  # crawl jobs whose crawl process failed (for the operator)

    @property
    def stored(self) -> str:
        return f"{self.prefix}:stored"  # set of the URL keys the writer has committed

    @property
    def validators(self) -> str:
        return f"{self.prefix}:validators"  # hash: entry point URL → [source, ETag, Last-Modified]

    @property
    def kb(self) -> str:
        return f"{self.prefix}:kb"  # the user's knowledge-base file, published by the writer

    @property
    def writer_lock(self) -> str:
        return f"{self.prefix}:writer"

    def claim(self, url_key: str) -> str:
        return f"{self.prefix}:claim:{url_key}"

    def queued(self, source: str) -> str:
        return f"{self.prefix}:queued:{source}"

    def alive(self, role: str, name: str) -> str:
        return f"{self.prefix}:alive:{role}:{name}"


GROUPS = {"sources": "crawl", "articles": "writer", "enrich": "enrich", "analyses": "writer"}


def connect(url: str, *, timeout: float = 5.0):
    """A Redis client for `url`, checked with a PING; raises ClusterError when it cannot answer."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=None,
                                      health_check_interval=30, decode_responses=False)
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, socket.gaierror) as exc:
        raise ClusterError(f"cannot reach Redis at {url}: {exc} (set [cluster] redis in veille.toml, "
                           "VEILLE_REDIS or --redis)") from None
    except (redis.ResponseError, ValueError) as exc:  # a bad URL, a password refused
        raise ClusterError(f"Redis at {url} refused us: {exc}") from None
    info = client.info("server")
    major, minor = (int(x) for x in str(info.get("redis_version", "0.0")).split(".")[:2])
    if (major, minor) < (6, 2):
        raise ClusterError(f"Redis at {url} is {info.get('redis_version')}: the cluster needs 6.2 or later "
                           "(XAUTOCLAIM)")
    return client


def ensure_group(client, stream: str, group: str) -> None:
    """Create consumer group `group` on `stream` (and the stream), reading from its start; idempotent."""
    import redis

    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def drop(client, stream: str, group: str, ids: list) -> None:
    """Acknowledge `ids` and delete them from `stream`: the stream then holds only unfinished work."""
    if ids:
        pipe = client.pipeline(transaction=True)
        pipe.xack(stream, group, *ids)
        pipe.xdel(stream, *ids)
        pipe.execute()


def heartbeat(client, keys: Keys, role: str, name: str, ttl: float) -> None:
    """Mark consumer `name` of `role` alive for `ttl` seconds (`cluster status` lists the others as dead)."""
    client.set(keys.alive(role, name), "1", px=max(int(ttl * 1000), 1000))


def default_name() -> str:
    import os

    return f"{socket.gethostname()}-{os.getpid()}"
