"""Loopback news sites for cluster tests: feeds and sitemaps that overlap, hits and concurrency counted.

Site i has five articles. Its feed lists articles 0-3 and article 0 of site i+1 (one URL listed by
two sources); its sitemap lists articles 2-4 (two URLs listed twice by one source). Article 4 of
site i copies article 0 of site i-1 word for word, published later: a duplicate to link. Every
request is counted per path, and the number of requests being answered at once is tracked (up to
the moment the answer starts, so a client can never see an answer while it is still counted).
"""
from __future__ import annotations

import random
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.crawl_sites import serve_in

ARTICLES = 5


WORDS = ("budget subvention région commune université laboratoire réseau calcul données énergie transport "
         "santé école industrie startup brevet cloud satellite batterie hydrogène port agriculture forêt "
         "musée tribunal contrat marché emploi formation logement climat océan montagne rail douane").split()


def article_text(site: int, k: int, n_articles: int = ARTICLES) -> str:
    """Eight sentences drawn from a vocabulary by a generator seeded with the article: texts differ enough
    for MinHash, except the copy (article 4 of site i is article 0 of site i-1)."""
    if k == n_articles - 1 and site > 0:
        site, k = site - 1, 0
    rng = random.Random(f"{site}-{k}")
    return " ".join(f"Le dossier {site}-{k} évoque {' '.join(rng.choices(WORDS, k=12))} et {rng.randint(2, 999)} "
                    f"acteurs, selon la note {p}." for p in range(8))


def _when(site: int, k: int) -> datetime:
    # distinct, and later for later articles: a copy comes after its original
    return datetime(2025, 9, 1, 6, tzinfo=UTC) + timedelta(hours=site * ARTICLES + k)


def pub_date(site: int, k: int) -> str:
    return format_datetime(_when(site, k))


def lastmod(site: int, k: int) -> str:
    return _when(site, k).isoformat()


class NewsSite:
    def __init__(self, index: int, n_sites: int, delay: float = 0.0, n_articles: int = ARTICLES):
        self.index, self.n_sites, self.delay, self.n_articles = index, n_sites, delay, n_articles
        self.base = ""
        self.hits: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.peers: list[NewsSite] = []

    def article_path(self, k: int) -> str:
        return f"/a/{self.index}-{k}.html"

    def article_paths(self) -> list[str]:
        return [self.article_path(k) for k in range(self.n_articles)]

    def page(self, path: str) -> tuple[int, str, bytes]:
        i = self.index
        if path == "/feed.xml":
            nxt = self.peers[(i + 1) % self.n_sites]
            items = [(self.base + self.article_path(k), i, k) for k in range(self.n_articles - 1)]
            items.append((nxt.base + nxt.article_path(0), nxt.index, 0))
            body = "".join(f"<item><title>Article {s}-{k}</title><link>{u}</link><pubDate>{pub_date(s, k)}"
                           "</pubDate></item>" for u, s, k in items)
            return 200, "application/rss+xml", (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
                                                f"<channel><title>Site {i}</title>{body}</channel></rss>").encode()
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{self.base}{self.article_path(k)}</loc><lastmod>{lastmod(i, k)}</lastmod></url>"
                           for k in range(2, self.n_articles))
            return 200, "application/xml", (f'<?xml version="1.0" encoding="utf-8"?><urlset xmlns='
                                            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()
        if path.startswith("/a/") and path in self.article_paths():
            k = int(path.rsplit("-", 1)[1].split(".")[0])
            paras = "".join(f"<p>{s}.</p>" for s in article_text(i, k, self.n_articles).split(". "))
            html = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Article {i}-{k}</title>'
                    f"</head><body><nav>Accueil</nav><article><h1>Article {i}-{k}</h1>{paras}</article>"
                    "<footer>Mentions légales</footer></body></html>")
            return 200, "text/html; charset=utf-8", html.encode()
        return 404, "text/html", b"<html><body>not found</body></html>"

    def article_hits(self) -> dict[str, int]:
        with self.lock:
            return {p: self.hits.get(p, 0) for p in self.article_paths()}

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.max_in_flight = 0


def _handler(site: NewsSite):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            path = urlsplit(self.path).path
            with site.lock:
                site.hits[path] = site.hits.get(path, 0) + 1
                site.in_flight += 1
                site.max_in_flight = max(site.max_in_flight, site.in_flight)
            try:
                if site.delay and path.startswith("/a/"):
                    time.sleep(site.delay)
                status, ctype, body = site.page(path)
            finally:
                with site.lock:
                    site.in_flight -= 1
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # a killed crawler hangs up

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serve_sites(n: int, delay: float = 0.0, n_articles: int = ARTICLES):
    """`n` NewsSites on 127.0.0.1, each on its own free port."""
    sites = [NewsSite(i, n, delay, n_articles) for i in range(n)]
    with ExitStack() as stack:
        for site in sites:
            site.peers = sites
            site.base = serve_in(stack, "127.0.0.1", _handler(site))
        yield sites


def write_sources(path, sites: list[NewsSite]) -> str:
    lines = []
    for s in sites:
        lines += ["[[source]]", f'name = "site{s.index}"', f'homepage = "{s.base}/"', 'lang = "fr"',
                  f'feeds = ["{s.base}/feed.xml"]', f'sitemaps = ["{s.base}/sitemap.xml"]', ""]
    path.write_text("\n".join(lines), "utf-8")
    return str(path)


# -- running the cluster's processes -------------------------------------------------------------

CRAWL_SETTINGS = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                  "VEILLE_EXTRACT_PROCESSES": "0", "LOG_LEVEL": "WARNING", "RETRY_BACKOFF_BASE": "0"}


def veille(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "crawler.cli", "cluster", *args]


def crawl_worker(redis_url: str, name: str, *extra: str, settings: dict | None = None, log=None, **popen):
    """A `veille cluster crawl --until-done` process."""
    import subprocess

    cmd = veille("crawl", "--redis", redis_url, "--name", name, "--until-done", *extra)
    for k, v in {**CRAWL_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{k}={v}"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL, text=True, **popen)


def writer(redis_url: str, db: str, *extra: str, env: dict | None = None, log=None):
    import os
    import subprocess

    # a lease long enough for a loaded 2-core machine: with 3 s, one slow commit or model load
    # made the writer lose its lock and stop, and the streams were never drained
    return subprocess.Popen(veille("store", "--redis", redis_url, "--db", db, "--lease", "15s", *extra),
                            stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {})})


def wait_drained(client, keys, timeout: float = 240.0, streams=("articles",)) -> None:
    """Until the named streams hold nothing (every entry stored and acknowledged)."""
    deadline = time.monotonic() + timeout
    while any(client.xlen(getattr(keys, s)) for s in streams):
        if time.monotonic() > deadline:
            raise AssertionError(f"streams {streams} not drained after {timeout} s")
        time.sleep(0.2)


def stop(proc, timeout: float = 30.0) -> str:
    """SIGTERM `proc` (as systemd stops a service) and return its stdout."""
    proc.terminate()
    out, _ = proc.communicate(timeout=timeout)
    return out


def article_rows(db: str) -> dict[str, tuple]:
    """{url: (title, text, published, lang, content_hash, published_at, url of its original)}."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT a.url, a.title, a.text, a.published, a.lang, a.content_hash, a.published_at, o.url"
            " FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of").fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in rows}
