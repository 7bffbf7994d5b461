"""Shared fixtures, and the guard that fails any test reaching beyond loopback."""
from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class NetworkRefused(RuntimeError):
    pass


def _allowed(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already be a leak


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
        raise NetworkRefused(f"test tried to reach {address!r}: only loopback is allowed")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
        raise NetworkRefused(f"test tried to reach {address!r}: only loopback is allowed")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    """Every test runs with connections to non-loopback hosts refused."""
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "veille.db")


@pytest.fixture
def store(db_path):
    from db.store import Store

    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_site():
    """The sample outlets served on 127.0.0.1: {slug: base URL}."""
    from crawler.demo.server import serve_site

    with serve_site() as bases:
        yield bases


@pytest.fixture(scope="session")
def demo_manifest():
    import json

    from crawler.demo.server import site_root

    return json.loads((site_root() / "manifest.json").read_text("utf-8"))
