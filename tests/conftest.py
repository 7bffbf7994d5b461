"""Shared fixtures, and the guard that fails any test reaching beyond loopback."""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# spaCy as veille imports it (without torch, see nlp.models.import_spacy), before any test module's
# own `import spacy` would pull torch in at collection: 1.9 s of each worker for nothing
from nlp.models import import_spacy  # noqa: E402

import_spacy()


def pytest_xdist_auto_num_workers(config):
    """`-n auto` starts one worker more than there are cores.

    Many tests spend seconds waiting on the real processes they start (crawls, `veille watch`,
    cluster workers, web servers taking their time on purpose), during which their worker holds
    no core. On a 2-core machine a third worker fills those gaps: the whole suite went from
    207 to 192 s. `PYTEST_XDIST_AUTO_NUM_WORKERS` still decides when set (xdist's own rule).
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    import psutil

    logical = config.option.numprocesses == "logical"  # `-n logical` asks for threads, not cores
    return (psutil.cpu_count(logical=logical) or os.cpu_count() or 1) + 1


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


def _shared_once(tmp_path_factory, name: str, make) -> Path:
    """A folder that `make(folder)` fills once for the whole run, shared by every xdist worker
    (each worker's basetemp sits under one common parent); the others wait on a file lock.
    The expensive end-to-end runs (`veille demo`) then run once, not once per worker."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            folder.mkdir(exist_ok=True)
            make(folder)
            done.write_text("ok", "utf-8")
    return folder


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`veille demo` (a real crawl of the served site, NLP and the W30 brief) run once for the
    whole test run in a subprocess, for the tests that read its outputs: (database path, printed
    paths of the brief). Each worker gets its own copy of the database, so a test may add to it
    (a digest records its stories) but must not change what the demo wrote."""
    import json
    import sqlite3
    import subprocess
    import sys
    from contextlib import closing

    def make(folder: Path) -> None:
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "demo", "--db", str(folder / "demo.db"), "-o",
             str(folder / "briefs")], capture_output=True, text=True, timeout=900, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        (folder / "printed.json").write_text(json.dumps(proc.stdout.split()), "utf-8")

    shared = _shared_once(tmp_path_factory, "demo-run", make)
    mine = tmp_path_factory.mktemp("demo") / "demo.db"
    with closing(sqlite3.connect(shared / "demo.db")) as src, closing(sqlite3.connect(mine)) as dst:
        src.backup(dst)
    return mine, json.loads((shared / "printed.json").read_text("utf-8"))


class FakeEncoder:
    """A deterministic stand-in for `nlp.embed` encoders, as llm's test suite has one: each word
    (casefolded, accents and edge punctuation dropped) maps to a unit vector seeded by a stable
    hash of it, and a text is the normalised sum of its words' vectors.

    Same text, same vector, in every process; texts sharing words are similar in proportion to
    what they share, unrelated texts near orthogonal (random directions in 512 dimensions), so
    clustering and scoring tests keep their meaning without loading a model. Same `name`/`dim`/
    `encode` interface as the real encoders (512 like USE, so cached-vector shapes agree)."""

    name = "fake-bag-of-words"
    dim = 512

    def __init__(self):
        self._words: dict = {}
        self.calls: list[int] = []  # how many texts each encode() call was given

    def _word(self, word: str):
        import hashlib

        import numpy as np

        vec = self._words.get(word)
        if vec is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
            vec = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            vec /= np.linalg.norm(vec)
            self._words[word] = vec
        return vec

    def encode(self, texts, batch_size: int = 64):
        import numpy as np

        from nlp.kb import normalise

        texts = list(texts)
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in normalise(text or "").split():
                word = word.strip(".,;:!?()[]«»\"'")
                if word:
                    out[i] += self._word(word)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@pytest.fixture(scope="session")
def fake_encoder():
    """The deterministic fake encoder (see FakeEncoder), shared by the session."""
    return FakeEncoder()


@pytest.fixture
def fake_embeddings(monkeypatch, fake_encoder):
    """Every `nlp.embed.get_encoder(spec)` in the test (CLI commands included) gets the fake
    encoder: for tests where embeddings flow through but are not what is tested."""
    import nlp.embed

    monkeypatch.setattr(nlp.embed, "get_encoder", lambda spec="use", device="cpu": fake_encoder)
    return fake_encoder
