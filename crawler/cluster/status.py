"""`veille cluster status`: what each stream holds, who consumes it, and who died holding work.

Streams hold only unfinished work (consumers XDEL what they acknowledge), so a stream's length
is its backlog: entries not yet delivered plus entries delivered and not yet acknowledged. The
writer's lag is the age of the oldest article waiting for it (stream ids are timestamps).
"""
from __future__ import annotations

import time

from crawler.cluster import GROUPS, Keys, text

ROLES = {"sources": "crawl", "articles": "writer", "enrich": "enrich", "analyses": "writer"}


def _age(entry_id: bytes | str, now_ms: int) -> float:
    return round(max(now_ms - int(text(entry_id).split("-")[0]), 0) / 1000, 1)


def stream_status(client, keys: Keys, kind: str, now_ms: int) -> dict:
    stream, group = getattr(keys, kind), GROUPS[kind]
    out = {"stream": stream, "group": group, "length": client.xlen(stream), "pending": 0, "consumers": [],
           "oldest_lease_s": None, "oldest_entry_s": None, "dead": []}
    first = client.xrange(stream, count=1)
    if first:
        out["oldest_entry_s"] = _age(first[0][0], now_ms)
    groups = {text(g["name"]): g for g in client.xinfo_groups(stream)} if client.exists(stream) else {}
    if group not in groups:
        return out
    out["pending"] = groups[group]["pending"]
    for c in client.xinfo_consumers(stream, group):
        name = text(c["name"])
        alive = bool(client.exists(keys.alive(ROLES[kind], name)))
        out["consumers"].append({"name": name, "pending": c["pending"], "idle_s": round(c["idle"] / 1000, 1),
                                 "alive": alive})
        if c["pending"] and not alive:
            out["dead"].append(name)
    if out["pending"]:
        oldest = client.xpending_range(stream, group, min="-", max="+", count=1)
        if oldest:
            out["oldest_lease_s"] = round(oldest[0]["time_since_delivered"] / 1000, 1)
    return out


def cluster_status(client, keys: Keys) -> dict:
    """{streams: {kind: ...}, writer: {...}, stored_keys, failed_jobs}."""
    now_ms = int(time.time() * 1000)
    streams = {kind: stream_status(client, keys, kind, now_ms) for kind in GROUPS}
    lock = client.get(keys.writer_lock)
    articles = streams["articles"]
    return {
        "streams": streams,
        "writer": {"holder": text(lock) if lock else None, "lag_s": articles["oldest_entry_s"] or 0.0,
                   "backlog": articles["length"] + streams["analyses"]["length"]},
        "stored_keys": client.scard(keys.stored),
        "failed_jobs": client.xlen(keys.failed),
    }


def format_status(status: dict) -> str:
    lines = []
    for kind, s in status["streams"].items():
        consumers = ", ".join(f"{c['name']}({c['pending']}{'' if c['alive'] else ' dead'})" for c in s["consumers"])
        lease = "-" if s["oldest_lease_s"] is None else f"{s['oldest_lease_s']} s"
        lines.append(f"{kind:<9} length {s['length']:>6} · pending {s['pending']:>5} · oldest lease {lease}"
                     f" · consumers: {consumers or '-'}")
        if s["dead"]:
            lines.append(f"          dead with work: {', '.join(s['dead'])} (taken over when their lease ends)")
    w = status["writer"]
    lines.append(f"writer    {w['holder'] or 'none running'} · lag {w['lag_s']} s · backlog {w['backlog']}")
    lines.append(f"stored URL keys {status['stored_keys']} · failed crawl jobs {status['failed_jobs']}")
    return "\n".join(lines)
