import socket

import pytest

from tests.conftest import NetworkRefused


def test_non_loopback_connection_is_refused():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkRefused):
            s.connect(("192.0.2.1", 80))  # TEST-NET-1: would never answer anyway
    finally:
        s.close()


def test_loopback_connection_is_allowed(demo_site):
    import urllib.request

    base = next(iter(demo_site.values()))
    with urllib.request.urlopen(base + "/robots.txt", timeout=5) as resp:
        assert resp.status == 200
