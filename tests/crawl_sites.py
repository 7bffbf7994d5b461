"""Hostile and slow little web sites for crawl tests, served from a ThreadingHTTPServer on 127.0.0.1:0.

A site is a dict {path: Route}; a Route answers with a status, headers and a body, after an
optional delay. Requests are logged so tests can assert what the crawler asked for.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes | Callable[[str], bytes] = b""
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None  # answer 304 when the request's If-None-Match matches


def article_html(title: str, n: int = 6, lang: str = "fr", charset: str | None = "utf-8") -> str:
    """An article page with enough distinct text for the extractor (≥ 200 chars)."""
    paras = "\n".join(
        f"<p>{title} : paragraphe {i}. Les autorités publiques et les entreprises du numérique discutent "
        f"du financement de l'intelligence artificielle, étape {i} d'un programme pluriannuel.</p>"
        for i in range(n)
    )
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f'<!doctype html><html lang="{lang}"><head>{meta}<title>{title}</title></head><body>'
            f"<nav>Accueil · Rubriques</nav><article><h1>{title}</h1>{paras}</article>"
            "<footer>Mentions légales</footer></body></html>")


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (url, title, pubDate) items."""
    body = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{d}</pubDate></item>" for u, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>{body}'
            "</channel></rss>").encode()


class Site:
    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.hits: list[tuple[str, dict]] = []
        self.base = ""
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.hits if p == path)


@contextmanager
def serve(routes: dict[str, Route]):
    """Serve `routes` on 127.0.0.1 (a free port); yields the Site with its `base` URL."""
    site = Site(routes)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            path = urlsplit(self.path).path
            with site.lock:
                site.hits.append((path, dict(self.headers)))
            route = site.routes.get(path)
            if route is None:
                self._send(404, "text/html", b"<html><body>not found</body></html>", {})
                return
            if route.delay:
                time.sleep(route.delay)
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self._send(304, route.ctype, b"", {"ETag": route.etag})
                return
            body = route.body(site.base) if callable(route.body) else route.body
            headers = dict(route.headers)
            if route.etag:
                headers["ETag"] = route.etag
            self._send(route.status, route.ctype, body, headers)

        def _send(self, status, ctype, body, headers):
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler gave up on us (timeouts, size limits): that is the point

        def log_message(self, *args):
            pass

    with ExitStack() as stack:
        site.base = serve_in(stack, "127.0.0.1", Handler)
        yield site


def serve_in(stack: ExitStack, host: str, handler) -> str:
    """Serve `handler` on `host` at a free port from a daemon thread until `stack` closes (shut
    down, then closed); returns the base URL with the port the system chose."""
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    # a short poll: shutdown() waits for the loop's next wake-up (0.5 s by default)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    return f"http://{host}:{server.server_address[1]}"


def write_sources(path, sources: list[dict]) -> str:
    """A sources.toml with the given [[source]] tables ({name, feeds, sitemaps, ...})."""
    lines = []
    for s in sources:
        lines.append("[[source]]")
        for k, v in s.items():
            if isinstance(v, list):
                lines.append(f"{k} = [" + ", ".join(f'"{x}"' for x in v) + "]")
            elif isinstance(v, int):
                lines.append(f"{k} = {v}")
            else:
                lines.append(f'{k} = "{v}"')
        lines.append("")
    path.write_text("\n".join(lines), "utf-8")
    return str(path)
