"""Real receivers on 127.0.0.1 for delivery tests: an aiosmtpd mail server and webhook servers.

Every receiver binds port 0 and reads its port back; a receiver that is "down" holds its port
with a bound socket that does not listen, so connections are refused and no other process can
take the port before the receiver comes up on it.
"""
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
    """A port free a moment ago (for a client that must find nothing there; servers bind port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def closed_port():
    """A loopback port that refuses connections for as long as the block runs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


class Mailbox:
    """What an SMTP server on loopback received, parsed; start and stop it to simulate an outage."""

    def __init__(self, auth: tuple[str, str] | None = None):
        self.auth = auth  # (user, password) the server requires, like a real submission server
        self.logins: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))  # held from now on: refused until start()
        self.port = self._sock.getsockname()[1]
        self.messages: list[email.message.EmailMessage] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def start(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        sock = self._sock

        class OnSocket(Controller):
            def _create_server(self):
                return self.loop.create_server(self._factory_invoker, sock=sock, ssl=self.ssl_context)

        sock.listen()
        kw = {}
        if self.auth:
            kw = {"authenticator": self._authenticate, "auth_require_tls": False, "auth_required": True}
        self._controller = OnSocket(self, hostname="127.0.0.1", port=self.port, **kw)
        self._controller.start()
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self.auth
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok)

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()  # closes the listening socket with the server
            self._controller = None

    def url(self, to: str = "analyst@example.org") -> str:
        login = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        return f"mailto://{login}127.0.0.1:{self.port}?from=veille@example.org&to={to}&secure=no"

    def texts(self) -> list[str]:
        """Each message's HTML part (or text when there is none)."""
        out = []
        for m in self.messages:
            part = m.get_body(("html", "plain"))
            out.append(part.get_content() if part else "")
        return out


class Webhook:
    """A JSON webhook receiver; `mode` is 'ok', 'error' (HTTP 500), 'hang' (never answers), or
    'drip' (answers 200 and then its body one byte a second for two minutes)."""

    def __init__(self, delay: float = 0.0, listening: bool = True):
        self.received: list[tuple[dict, dict]] = []  # (headers, json body)
        self.mode = "ok"
        self.delay = delay  # seconds before each answer in 'ok' mode
        self.client_gone = threading.Event()  # set when a dripped-to client hung up
        self.drip_every = 1.0  # seconds between two dripped bytes (two minutes in all)
        self._release = threading.Event()
        self.reject = ""  # in 'ok' mode, answer 500 to messages whose title holds this text
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(), bind_and_activate=False)
        self.server.daemon_threads = True
        self.server.server_bind()  # the port is held from now on; refused until listen()
        self.port = self.server.server_address[1]
        self._serving = False
        if listening:
            self.listen()

    def listen(self) -> None:
        """Come up (on the port held since construction)."""
        self.server.server_activate()
        self._serving = True
        # a short poll: shutdown() waits for the loop's next wake-up (0.5 s by default)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _handler(self):
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
                if hook.mode == "drip":
                    self._drip()
                    return
                time.sleep(hook.delay)
                message = json.loads(body)
                if hook.reject and hook.reject in message.get("title", ""):
                    self.send_response(500)
                    self.end_headers()
                    return
                hook.received.append((dict(self.headers), message))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _drip(self):
                count = int(120 / hook.drip_every)
                self.send_response(200)
                self.send_header("Content-Length", str(count))
                self.end_headers()
                try:
                    for _ in range(count):
                        if hook._release.wait(hook.drip_every):
                            return
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:  # the sender was killed: exactly what the test waits for
                    hook.client_gone.set()

            def log_message(self, *args):
                pass

        return Handler

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._release.set()
        if self._serving:
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
