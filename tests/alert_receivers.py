"""Real receivers on 127.0.0.1 for delivery tests: an aiosmtpd mail server and a webhook server."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What an SMTP server on loopback received, parsed; start and stop it to simulate an outage."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def start(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    def url(self, to: str = "analyst@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=veille@example.org&to={to}&secure=no"

    def texts(self) -> list[str]:
        """Each message's HTML part (or text when there is none)."""
        out = []
        for m in self.messages:
            part = m.get_body(("html", "plain"))
            out.append(part.get_content() if part else "")
        return out


class Webhook:
    """A JSON webhook receiver; `mode` is 'ok', 'error' (HTTP 500) or 'hang' (never answers)."""

    def __init__(self):
        self.received: list[tuple[dict, dict]] = []  # (headers, json body)
        self.mode = "ok"
        self._release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.mode == "hang":
                    hook._release.wait(30)
                    return
                if hook.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                hook.received.append((dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def mailbox():
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


def wait_for(predicate, seconds: float = 10.0) -> bool:
    """True once `predicate()` holds (polling), False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
