"""`veille serve`: metadata and canned queries, a real Datasette on loopback, a real headless browser."""
from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
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


_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def start_all(cmds: list[list[str]]) -> list[tuple[subprocess.Popen, str]]:
    """Start Datasettes (through `veille serve` or directly) on port 0, all at once so their
    start-ups overlap: [(process, base URL)] in the order given.

    Each port is the one the server bound, read back from its log line; a reader thread keeps
    draining each output so the access log never fills the pipe."""
    launched = []
    for cmd in cmds:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen: list[str] = []
        found: queue.Queue = queue.Queue()

        def read(proc=proc, seen=seen, found=found):
            for line in proc.stdout:
                seen.append(line)
                m = _LISTENING.search(line)
                if m:
                    found.put(int(m.group(1)))
            found.put(None)

        threading.Thread(target=read, daemon=True).start()
        launched.append((proc, seen, found))
    out = []
    for proc, seen, found in launched:
        try:
            port = found.get(timeout=90)
        except queue.Empty:
            port = None
        if port is None:
            for other, _seen, _found in launched:
                other.kill()
            pytest.fail("server did not start: " + "".join(seen))
        out.append((proc, f"http://127.0.0.1:{port}"))
    return out


def start(cmd: list[str]) -> tuple[subprocess.Popen, str]:
    return start_all([cmd])[0]


def veille_serve(db: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "serve", "--db", db, "--port", "0"]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(served_db):
    """`veille serve` in a subprocess on a loopback port the system chose: its database URL."""
    proc, base = start(veille_serve(served_db))
    yield base + "/veille"
    stop(proc)


def get_json(url: str):
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


def test_served_canned_queries_and_search(server):
    rows = get_json(server + "/amounts.json?" + urllib.parse.urlencode(
        {"currency": "EUR", "min": "1e6", "name": "bpifrance", "_shape": "array"}))
    assert [r["eur"] for r in rows] == [50e6, 25e6, 3e6]
    rows = get_json(server + "/entity.json?name=open+ai&_shape=array")
    assert [r["name"] for r in rows] == ["OpenAI"]  # the corpus writes "Open AI" once: a stored alias
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
        capture_output=True, text=True, timeout=90, check=False,
    )
    dom = out.stdout
    assert "The money table" in dom, out.stderr[-2000:]
    assert "50 millions d&#39;euros" in dom or "50 millions d'euros" in dom
    assert "Mistral AI et Bpifrance" in dom


def get_html(url: str) -> str:
    return urllib.request.urlopen(url, timeout=10).read().decode("utf-8")


def test_the_home_page_starts_with_the_canned_queries_and_hides_internal_tables(server, served_db):
    from markupsafe import escape  # as the templates escape

    from db.serve import INTERNAL_TABLES

    home = get_html(server.rsplit("/", 1)[0] + "/")
    for key, q in CANNED.items():
        assert f'href="/veille/{key}"' in home, key
        assert escape(q["title"]) in home and escape(q["description"]) in home, key
    assert 'href="/veille/articles"' in home and 'href="/veille/entities"' in home
    present = {r[0] for r in sqlite3.connect(served_db).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    internal = [t for t in INTERNAL_TABLES if t in present]
    assert "minhash_bands" in internal and "embeddings" in internal
    for table in internal:
        assert f'href="/veille/{table}"' not in home, table
    database_page = get_html(server)
    assert not [t for t in internal if f'href="/veille/{t}"' in database_page]


def test_eur_amounts_read_as_money_in_pages_and_stay_numbers_in_json(server):
    from db.datasette_plugins.veille_home import format_eur

    assert format_eur(109000000000.0) == "109\u202f000\u202f000\u202f000\u00a0€"
    assert format_eur(None) is None and format_eur("x") is None and format_eur(float("nan")) is None
    page = get_html(server + "/amounts?" + urllib.parse.urlencode({"currency": "EUR", "min": "1e6", "name": "Bpifrance"}))
    assert "50\u202f000\u202f000\u00a0€" in page and "50000000.0" not in page
    table = get_html(server + "/amounts?_sort_desc=eur")
    assert "2\u202f340\u202f000\u202f000\u00a0€" in table
    rows = get_json(server + "/amounts.json?_shape=array&_sort_desc=eur")
    assert rows[0]["eur"] == pytest.approx(2.34e9)


def _evil_metadata(tmp_path) -> str:
    """veille's metadata plus a writable canned query: what a plugin or a careless edit could add."""
    meta = metadata("veille")
    meta["databases"]["veille"]["queries"] = {
        **CANNED, "evil": {"sql": "INSERT INTO sources (name) VALUES (:name)", "write": True}}
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(meta), "utf-8")
    return str(path)


def _post_evil(base: str, name: str) -> None:
    """Submit the writable canned query as a browser would (its form, then a POST with the CSRF token)."""
    import http.cookiejar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        form = opener.open(base + "/veille/evil", timeout=10).read().decode()
        token = re.search(r'name="csrftoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"name": name, "csrftoken": token}).encode()
        opener.open(urllib.request.Request(base + "/veille/evil", data=data), timeout=10).read()
    except urllib.error.HTTPError:
        pass  # refused outright (an immutable database has no writable queries): the rows tell


def _without_plugins(args: list[str]) -> list[str]:
    return [a for i, a in enumerate(args) if a != "--plugins-dir" and args[i - 1] != "--plugins-dir"]


def _hacked(db: str) -> int:
    conn = sqlite3.connect(db)
    n = conn.execute("SELECT count(*) FROM sources WHERE name LIKE 'hacked%'").fetchone()[0]
    conn.close()
    return n


def test_writes_fail_because_of_veilles_set_up_not_datasettes_defaults(tmp_path):
    from db.serve import datasette_args

    build(str(tmp_path / "veille.db"))
    meta = _evil_metadata(tmp_path)
    dbs = {}
    for case in ("control", "live", "immutable"):  # one copy each: the servers run side by side
        (tmp_path / case).mkdir()
        dbs[case] = str(tmp_path / case / "veille.db")
        shutil.copy(tmp_path / "veille.db", dbs[case])
    servers = start_all([
        # control: the same Datasette without veille's plugins lets the writable query write
        [sys.executable, "-m", "datasette", *_without_plugins(datasette_args(dbs["control"], meta, port=0))],
        # veille's set-up: query_only on every connection
        [sys.executable, "-m", "datasette", *datasette_args(dbs["live"], meta, port=0)],
        # `veille serve --immutable`
        [sys.executable, "-m", "datasette", *datasette_args(dbs["immutable"], meta, port=0, immutable=True)],
    ])
    try:
        for (_proc, base), case in zip(servers, dbs):
            _post_evil(base, f"hacked-{case}")
    finally:
        for proc, _base in servers:
            stop(proc)
    assert _hacked(dbs["control"]) == 1
    assert _hacked(dbs["live"]) == 0 and _hacked(dbs["immutable"]) == 0


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).read()
        return True
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_datasette_dies_with_veille_serve(served_db):
    """SIGKILL (nothing runs in the parent: the kernel's death signal) and SIGTERM (the parent's
    handler stops the child's group): either way the port stops answering."""
    signals = [signal.SIGKILL, signal.SIGTERM]
    servers = start_all([veille_serve(served_db) for _ in signals])
    for (proc, base), sig in zip(servers, signals):
        assert _answers(base + "/-/versions.json")
        os.kill(proc.pid, sig)
    for (proc, base), sig in zip(servers, signals):
        proc.wait(timeout=20)
        deadline = time.monotonic() + 30  # a bound on the wait, not a speed check: the child must go
        while _answers(base + "/-/versions.json") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _answers(base + "/-/versions.json"), sig.name
