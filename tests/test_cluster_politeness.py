"""Host slots across the cluster (real redis-server): a dead holder's slots free within one
short lease; a live holder's are renewed and stay its own."""
from __future__ import annotations

import asyncio
import time
import uuid

from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.cluster.politeness import HostSlotsMiddleware

pytest_plugins = ["tests.redis_server"]

LEASE = 1.0


def _middleware(redis_url: str, prefix: str) -> HostSlotsMiddleware:
    settings = {"VEILLE_CLUSTER_REDIS": redis_url, "VEILLE_CLUSTER_PREFIX": prefix,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "VEILLE_CLUSTER_SLOT_LEASE": LEASE}
    crawler = get_crawler(settings_dict=settings)
    return HostSlotsMiddleware.from_crawler(crawler)


def _free(mw: HostSlotsMiddleware, url: str) -> bool:
    """Whether a request to `url` could take a slot now (taken, then given back at once)."""
    key, token = mw._key(url), uuid.uuid4().hex
    if not mw._acquire(keys=[key], args=[token, mw.limit, mw.lease_ms]):
        return False
    mw.redis.zrem(key, token)
    return True


def test_a_dead_holders_slot_frees_within_a_lease_and_a_live_holders_does_not(redis_url):
    prefix = f"slots-{uuid.uuid4().hex[:6]}"
    live, dead, other = (_middleware(redis_url, prefix) for _ in range(3))
    mine, theirs = Request("http://127.0.0.1:8001/a"), Request("http://127.0.0.1:8002/b")
    asyncio.run(live.process_request(mine))
    asyncio.run(dead.process_request(theirs))  # and then never renews, as a killed process
    assert not _free(other, mine.url) and not _free(other, theirs.url)  # one slot per host, held
    for _ in range(8):  # two leases, renewed every quarter lease as the crawl's loop does
        time.sleep(LEASE / 4)
        live.renew()
    assert _free(other, theirs.url)  # the dead holder's slot ran out
    assert not _free(other, mine.url)  # the live one's is still held
    assert live.crawler.stats.get_value("veille/cluster_slots_lost") is None
    live.process_response(mine, Response(mine.url))
    assert live.held == {} and _free(other, mine.url)  # given back with the response


def test_a_slot_whose_lease_ran_out_is_counted_lost_and_not_taken_back(redis_url):
    prefix = f"slots-{uuid.uuid4().hex[:6]}"
    stalled, other = _middleware(redis_url, prefix), _middleware(redis_url, prefix)
    request = Request("http://127.0.0.1:8003/c")
    asyncio.run(stalled.process_request(request))
    time.sleep(LEASE * 1.5)  # a process stalled past its lease: another may have the slot now
    assert _free(other, request.url)
    stalled.renew()
    assert stalled.crawler.stats.get_value("veille/cluster_slots_lost") == 1
    assert _free(other, request.url)  # the renewal did not take it back
    stalled.renew()
    assert stalled.held == {}  # and forgot it: counted once
    assert stalled.crawler.stats.get_value("veille/cluster_slots_lost") == 1
