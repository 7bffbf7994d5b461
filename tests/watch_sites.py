"""News sites on loopback whose feeds grow while `veille watch` polls them (tests and benchmarks).

Each site has its own server on 127.0.0.1 (or another loopback address), port 0: a robots.txt,
an RSS feed that answers 304 to a matching If-None-Match or If-Modified-Since, and article
pages. `add()` puts a new item at the top of the feed and notes when it appeared.
"""
from __future__ import annotations

import threading
import time
from contextlib import ExitStack, contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.crawl_sites import article_html, serve_in

SUBJECTS = ["La Commission européenne", "Le ministère de l'Économie", "Un consortium de laboratoires",
            "La région Occitanie", "Une start-up lyonnaise", "Le Parlement européen", "L'agence spatiale",
            "Un groupe de chercheurs", "La métropole de Lille", "Un fonds d'investissement"]
VERBS = ["annonce", "prépare", "finance", "évalue", "lance", "suspend", "présente", "révise"]
OBJECTS = ["un programme de calcul haute performance", "une plateforme de données de santé",
           "un appel à projets sur la cybersécurité", "un réseau de bornes de recharge",
           "une filière de semi-conducteurs", "un plan pour l'hydrogène vert", "un observatoire du climat",
           "une école de la donnée", "un satellite d'observation", "un marché public de logiciels libres"]
PLACES = ["à Toulouse", "à Bruxelles", "à Grenoble", "à Nantes", "à Strasbourg", "à Marseille", "à Rennes",
          "à Bordeaux"]


def varied_text(seed: int, lead: str = "", sentences: int = 8) -> str:
    """Paragraphs of `sentences` sentences drawn by `seed`: articles that are not near-copies of each other."""
    import random

    rng = random.Random(seed)
    out = [lead] if lead else []
    for _ in range(sentences):
        out.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)}, "
                   f"pour {rng.randint(2, 900)} millions d'euros d'ici {rng.randint(2027, 2040)}.")
    return "".join(f"<p>{' '.join(out[i:i + 2])}</p>" for i in range(0, len(out), 2))


class WatchedSite:
    def __init__(self, name: str, *, host: str = "127.0.0.1", articles: int = 2, status: int = 200,
                 delay: float = 0.0, lang: str = "fr"):
        self.name, self.host, self.lang = name, host, lang
        self.status = status  # of the feed: 503 makes a failing source
        self.delay = delay  # seconds before each article page
        self.items: list[tuple[str, str, str]] = []  # (slug, title, body html), newest first
        self.appeared: dict[str, float] = {}  # article URL → time.time() it entered the feed
        self.modified = time.time() - 3600
        self.hits: dict[str, int] = {}
        self.feed_200 = self.feed_304 = 0
        self.served: list[float] = []  # time.time() of each full (200) feed answer
        self.lock = threading.Lock()
        self.base = ""
        for i in range(articles):
            self.add(f"{name} : chronique numéro {i}", stamp=False)

    def add(self, title: str, text: str | None = None, *, stamp: bool = True) -> str:
        """A new article at the top of the feed; returns its URL."""
        with self.lock:
            slug = f"a{len(self.items) + 1}"
            html = article_html(title) if text is None else (
                f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8"><title>{title}</title>'
                f"</head><body><article><h1>{title}</h1>{text}</article></body></html>")
            self.items.insert(0, (slug, title, html))
            self.modified = max(time.time(), self.modified + 1)
            url = f"{self.base}/{slug}.html"
            if stamp:
                self.appeared[url] = time.time()
            return url

    @property
    def etag(self) -> str:
        return f'"{len(self.items)}"'

    def url(self, path: str = "/") -> str:
        return self.base + path

    def source(self, **extra) -> dict:
        return {"name": self.name, "homepage": self.url("/"), "lang": self.lang, "feeds": [self.url("/feed.xml")],
                **extra}

    def feed(self) -> bytes:
        day = formatdate(self.modified, usegmt=True)
        items = "".join(f"<item><title>{t}</title><link>{self.base}/{slug}.html</link><pubDate>{day}</pubDate></item>"
                        for slug, t, _ in self.items)
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{self.name}</title>'
                f"{items}</channel></rss>").encode()

    def answer(self, path: str, headers) -> tuple[int, str, bytes, dict]:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            if path == "/robots.txt":
                return 200, "text/plain", b"User-agent: *\nAllow: /\n", {}
            if path == "/feed.xml":
                return self._feed(headers)
            page = next((h for slug, _, h in self.items if path == f"/{slug}.html"), None)
        if page is None:
            return 404, "text/html", b"<html><body>not found</body></html>", {}
        if self.delay:
            time.sleep(self.delay)
        return 200, "text/html; charset=utf-8", page.encode(), {}

    def _feed(self, headers) -> tuple[int, str, bytes, dict]:
        if self.status != 200:
            return self.status, "text/plain", b"unavailable", {}
        validators = {"ETag": self.etag, "Last-Modified": formatdate(self.modified, usegmt=True)}
        since = headers.get("If-Modified-Since")
        fresh = headers.get("If-None-Match") == self.etag or (
            since and not headers.get("If-None-Match") and parsedate_to_datetime(since).timestamp() >= int(self.modified))
        if fresh:
            self.feed_304 += 1
            return 304, "application/rss+xml", b"", validators
        self.feed_200 += 1
        self.served.append(time.time())
        return 200, "application/rss+xml", self.feed(), validators


def _handler(site: WatchedSite):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, ctype, body, headers = site.answer(urlsplit(self.path).path, self.headers)
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # a crawl stopped mid-request

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def serve_sites(sites: list[WatchedSite]):
    """Serve every site on its host, port 0; yields the sites with their `base` set."""
    with ExitStack() as stack:
        for site in sites:
            site.base = serve_in(stack, site.host, _handler(site))
        yield sites
