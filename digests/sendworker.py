"""Sends run in a child process the parent can kill, so `--timeout` bounds the whole exchange.

Apprise's timeouts are per socket operation: a receiver that drips one byte a second never
trips them, and a thread cannot be stopped. A child process can. The parent
(`SendWorker.send`) writes one JSON request per line to the child's stdin and waits for its
one-line answer until the deadline; past it, the child is killed (nothing it was doing can
complete later) and a fresh one serves the next send. The child exits when its stdin closes,
so it never outlives a parent that died.

Run as `python -m digests.sendworker`.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

from digests.channels import DeliveryError

READY = "ready"
STARTUP_LIMIT = 120.0  # importing Apprise on a loaded machine; a child that never starts is a failure
GRACE = 2.0  # seconds past the channel timeout for the child's own bookkeeping
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SendWorker:
    """A child process that delivers messages one at a time; kill-on-deadline."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = os.environ.copy()
        # the child imports this package the way the parent did, installed or from a checkout
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        # close_fds (the default) matters: the child must not inherit the delivery lock
        proc = subprocess.Popen([sys.executable, "-m", "digests.sendworker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1, env=env, close_fds=True)
        line = self._read(proc, time.monotonic() + STARTUP_LIMIT)
        if line != READY:
            self._kill(proc)
            raise DeliveryError("the delivery process did not start")
        return proc

    @staticmethod
    def _read(proc: subprocess.Popen, deadline: float) -> str | None:
        """One line from the child, or None at the deadline or when it died."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                line = proc.stdout.readline()
                return line.strip() if line else None

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:  # its pipe broke when the child died: nothing left to flush
                pass

    def send(self, url: str, title: str, body: str, *, html: str | None = None,
             attachments: list[str] | None = None, timeout: float = 10, key: str | None = None) -> None:
        """Nothing: the message was delivered; raises DeliveryError (also past `timeout` + grace)."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        request = {"url": url, "title": title, "body": body, "html": html, "attachments": attachments,
                   "timeout": timeout, "key": key}
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
        except OSError as exc:
            self.close()
            raise DeliveryError(f"the delivery process died: {exc}") from None
        line = self._read(self._proc, time.monotonic() + timeout + GRACE)
        if line is None:
            dead = self._proc.poll() is not None
            self._kill(self._proc)
            self._proc = None
            raise DeliveryError("the delivery process died" if dead else f"no answer within {timeout:g} s: abandoned")
        answer = json.loads(line)
        if not answer.get("ok"):
            # Apprise gives up on a slow channel but leaves its thread running: the send could
            # still complete later, so the child that holds it goes, and a fresh one takes over
            self.close()
            raise DeliveryError(answer.get("error") or "not delivered")

    def close(self) -> None:
        if self._proc is not None:
            self._kill(self._proc)
            self._proc = None

    def __enter__(self) -> SendWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve() -> None:
    from digests import channels

    # the protocol owns stdout: anything a library prints goes to stderr instead
    out, sys.stdout = sys.stdout, sys.stderr
    print(READY, file=out, flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            channels.deliver(req["url"], req["title"], req["body"], html=req["html"],
                             attachments=req["attachments"], timeout=req["timeout"], key=req["key"])
            answer = {"ok": True}
        except DeliveryError as exc:
            answer = {"ok": False, "error": str(exc)}
        print(json.dumps(answer), file=out, flush=True)


if __name__ == "__main__":
    _serve()
