"""Crawl rules tested without a crawl: the private-destination rule, address by address and on the
address a response came from; and how runs left `running` are settled."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import (
    PrivateDestinationMiddleware,
    RefusedDestination,
    is_private_address,
)
from crawler.sources import Source, host_port

PRIVATE = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
           "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1",
           "::ffff:10.0.0.1", "::127.0.0.1", "2002:7f00:1::1", "64:ff9b::a00:1", "ff02::1", "not-an-address"]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2a00:1450:4007:80f::200e", "::ffff:93.184.216.34", "2002:5db8:d822::1"]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_addresses_are_recognised(address):
    assert is_private_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert not is_private_address(address)


def test_host_port_defaults_the_port_from_the_scheme():
    assert host_port("https://Intranet.Example/x") == ("intranet.example", 443)
    assert host_port("http://127.0.0.1:8001/feed") == ("127.0.0.1", 8001)
    assert host_port("http://[::1]/") == ("::1", 80)


def _response(url: str, peer: str, source: Source) -> tuple[Request, HtmlResponse]:
    import ipaddress

    request = Request(url, meta={"source": source})
    return request, HtmlResponse(url, body=b"<html></html>", request=request, ip_address=ipaddress.ip_address(peer))


def test_a_response_from_a_private_address_is_refused_unless_declared():
    """A public name that resolved to a private address by the time of the fetch (DNS rebinding)."""
    crawler = get_crawler()
    mw = PrivateDestinationMiddleware(crawler)
    source = Source(name="S", homepage="https://news.example/", feeds=("http://10.0.0.5:8080/feed",))
    request, response = _response("https://links.example/a", "127.0.0.1", source)
    with pytest.raises(RefusedDestination, match="127.0.0.1"):
        mw.process_response(request, response)
    assert crawler.stats.get_value("veille/refused_private") == 1
    request, response = _response("http://10.0.0.5:8080/feed", "10.0.0.5", source)  # the declared host:port
    assert mw.process_response(request, response) is response
    request, response = _response("http://10.0.0.5:9090/admin", "10.0.0.5", source)  # same host, other port
    with pytest.raises(RefusedDestination):
        mw.process_response(request, response)
    request, response = _response("https://links.example/b", "93.184.216.34", source)
    assert mw.process_response(request, response) is response
    # the source's declared names are its own: wherever they resolve, the team listed them
    request, response = _response("https://news.example/c", "10.0.0.7", source)
    assert mw.process_response(request, response) is response


def test_a_run_left_running_is_settled_as_killed_only_when_its_process_is_gone(store):
    import subprocess
    import sys

    from db.health import SourceRun, settle_dead_runs, start_run, update_run

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = start_run(store, "sources", "2025-07-16T08:00:00+00:00", pid=gone.pid)
    update_run(store, dead, {"response_received_count": 3}, {"A": SourceRun("A", entry_points=1, entry_points_ok=1)})
    other = subprocess.Popen(["sleep", "60"])  # alive, but not a crawl: the dead crawl's pid reused
    crawl = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)",
                              "-m", "crawler.crawl"], stdout=subprocess.PIPE)
    try:
        assert crawl.stdout.readline() == b"up\n"  # exec'd: its command line is its own now
        unrelated = start_run(store, "sources", "2025-07-16T08:00:00+00:00", pid=other.pid)
        start_run(store, "sources", "2025-07-16T08:00:00+00:00", pid=crawl.pid)  # a crawl still running
        killed = settle_dead_runs(store)
    finally:
        for proc in (other, crawl):
            proc.kill()
            proc.wait()
    assert killed == [dead, unrelated]
    reasons = store.db.execute("SELECT finish_reason FROM crawl_runs ORDER BY id").fetchall()
    assert [r[0] for r in reasons] == ["killed", "killed", "running"]
    health = store.db.execute("SELECT source, runs, status, entry_points_ok FROM source_health").fetchall()
    assert health == [("A", 1, "ok", 1)]
    assert settle_dead_runs(store) == [3]  # the others were settled once; the crawl, now gone, is settled now


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "2130706433", "0x7f000001", "127.1", "[::1]",
                                  "[::ffff:7f00:1]"])
def test_names_and_numeric_forms_are_resolved_before_judging(host):
    """Whatever spelling reaches loopback is refused; resolving these needs no network."""
    import asyncio

    mw = PrivateDestinationMiddleware(get_crawler())
    source = Source(name="S", homepage="https://news.example/")
    request = Request(f"http://{host}:8001/admin", meta={"source": source})
    with pytest.raises(RefusedDestination):
        asyncio.run(mw.process_request(request))
