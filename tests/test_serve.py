"""`veille serve`: metadata and canned queries, a real Datasette on loopback, a real headless browser."""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from db.datasette_plugins.veille_functions import _norm, _week
from db.serve import CANNED, TABLES, metadata
from tests.test_queries import build

EMPTY = {"q": "", "name": "", "since": "", "until": "", "lang": "", "source": "", "type": "", "currency": "",
         "min": "", "a": "", "b": ""}


@pytest.fixture(scope="module")
def served_db():
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/veille.db"
        build(path)
        yield path


def canned(path, query, **params):
    conn = sqlite3.connect(path)
    conn.create_function("veille_norm", 1, _norm)
    conn.create_function("veille_week", 1, _week)
    sql = CANNED[query]["sql"]
    cur = conn.execute(sql, {k: v for k, v in {**EMPTY, **params}.items() if f":{k}" in sql})
    cols = [c[0] for c in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    conn.close()
    return rows


def test_column_docs_name_real_columns(served_db):
    conn = sqlite3.connect(served_db)
    for table, meta in TABLES.items():
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        assert cols, f"metadata documents a table that does not exist: {table}"
        assert set(meta.get("columns", {})) <= cols, table
    conn.close()
    m = metadata("veille")
    assert m["databases"]["veille"]["queries"] is CANNED and all(q["title"] for q in CANNED.values())


def test_canned_queries_answer_like_veille_query(served_db):
    assert canned(served_db, "entity", name="bpi france")[0]["name"] == "Bpifrance"
    assert canned(served_db, "entity", name="nobody") == []
    weeks = canned(served_db, "entity_weeks", name="OpenAI")
    assert [w["week"] for w in weeks] == ["2025-W29", "2025-W27"] and weeks[0]["articles"] == 2
    co = {r["name"]: r["articles"] for r in canned(served_db, "entity_cooccurring", name="Bpifrance")}
    assert co["Mistral AI"] == 2 and "Bpifrance" not in co
    assert canned(served_db, "entity_latest", name="Bpifrance", lang="fr")[0]["published"] == "2025-07-17"
    top = canned(served_db, "top_entities", type="org")
    assert (top[0]["name"], top[0]["articles"]) in {("OpenAI", 2), ("Mistral AI", 2)}
    assert [r["eur"] for r in canned(served_db, "amounts", currency="eur", min="1e6", name="Bpifrance")] == [50e6, 25e6, 3e6]
    assert [r["title"] for r in canned(served_db, "search", q="reglementation")] == ["La réglementation européenne de l'IA"]
    assert len(canned(served_db, "cooccur", a="Paris", b="openai")) == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(served_db):
    """`veille serve` in a subprocess on a free loopback port: its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", served_db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"veille serve did not start: {proc.stdout.read()}")
            time.sleep(0.3)
    yield base + "/veille"
    proc.terminate()
    proc.wait(timeout=10)


def get_json(url: str):
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


def test_served_canned_queries_and_search(server):
    rows = get_json(server + "/amounts.json?" + urllib.parse.urlencode(
        {"currency": "EUR", "min": "1e6", "name": "bpifrance", "_shape": "array"}))
    assert [r["eur"] for r in rows] == [50e6, 25e6, 3e6]
    rows = get_json(server + "/entity.json?name=open+ai&_shape=array")
    assert rows == [] or rows[0]["name"] == "OpenAI"  # "open ai" is an alias only where the store recorded it
    rows = get_json(server + "/entity.json?name=OPENAI&_shape=array")
    assert rows[0]["name"] == "OpenAI" and rows[0]["articles"] == 3
    hits = get_json(server + "/articles.json?_search=reglementation&_shape=array")
    assert [h["title"] for h in hits] == ["La réglementation européenne de l'IA"]
    meta = get_json(server.rsplit("/", 1)[0] + "/-/metadata.json")
    assert meta["databases"]["veille"]["tables"]["articles"]["columns"]["duplicate_of"]


def test_served_database_is_read_only(server, served_db):
    url = server + ".json?" + urllib.parse.urlencode({"sql": "DELETE FROM articles"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10)
    conn = sqlite3.connect(served_db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    conn.close()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (apt-get install chromium)")
def test_a_real_browser_renders_the_money_table(server, tmp_path):
    url = server + "/amounts?" + urllib.parse.urlencode({"currency": "EUR", "min": "1e6", "name": "Bpifrance"})
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=90,
    )
    dom = out.stdout
    assert "The money table" in dom, out.stderr[-2000:]
    assert "50 millions d&#39;euros" in dom or "50 millions d'euros" in dom
    assert "Mistral AI et Bpifrance" in dom
