"""Serve the sample outlets, each on its own port of 127.0.0.1, from `crawler/demo/site/`.

Files hold `{{BASE:slug}}` where an absolute URL of outlet `slug` belongs; the server fills in
the real address, since ports are chosen at start-up.
"""
from __future__ import annotations

import mimetypes
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = re.compile(r"\{\{BASE:([a-z0-9-]+)\}\}")
TYPES = {
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


def site_root() -> Path:
    return Path(str(resources.files("crawler.demo").joinpath("site")))


def fill(text: str, bases: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: bases.get(m.group(1), m.group(0)), text)


def _handler(root: Path, bases: dict[str, str]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            path = unquote(urlsplit(self.path).path)
            if path.endswith("/"):
                path += "index.html"
            target = (root / path.lstrip("/")).resolve()
            if root.resolve() not in target.parents or not target.is_file():
                self.send_error(404, "Not Found")
                return
            body = target.read_bytes()
            if target.suffix in TYPES:
                body = fill(body.decode("utf-8"), bases).encode("utf-8")
            ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.name in ("atom.xml",):
                ctype = "application/atom+xml"
            elif target.name in ("feed.xml", "rss.xml"):
                ctype = "application/rss+xml"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the demo's output readable
            pass

    return Handler


@contextmanager
def serve_site(root: Path | None = None):
    """Start one server per outlet folder; yields {slug: base URL}. Stops them on exit."""
    root = root or site_root()
    slugs = sorted(p.name for p in root.iterdir() if p.is_dir())
    bases: dict[str, str] = {}
    servers = []
    try:
        for slug in slugs:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root / slug, bases))
            server.daemon_threads = True
            bases[slug] = f"http://127.0.0.1:{server.server_address[1]}"
            # a short poll: shutdown() waits for the loop's next wake-up (0.5 s by default, per server)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            servers.append(server)
        yield bases
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def write_sources(bases: dict[str, str], path: Path) -> Path:
    """The demo's sources.toml with the servers' real addresses filled in."""
    template = resources.files("crawler.demo").joinpath("sources.toml").read_text("utf-8")
    path.write_text(fill(template, bases), "utf-8")
    return path
