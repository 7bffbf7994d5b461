"""Crawl processes forked from a server that has imported Scrapy already.

Each crawl needs a process of its own (Twisted's reactor cannot be restarted), and a fresh
interpreter spends about a second of CPU importing Scrapy, Twisted, trafilatura and our
components before it fetches anything. The watch loop, a cluster worker and a test run start
dozens of crawls, so each such process starts one launch server (`python -m crawler.launch`)
that imports `PRELOAD` once, without installing a reactor, and forks every crawl from there.

`start(module, argv)` runs `module.main(argv)` in such a child, as `python -m module argv`
would: with the caller's environment, working directory and `sys.path` of the moment, and an
ordinary interpreter exit (atexit handlers, threads joined) with main's return value as its
status. It returns a `Child` with the part of `subprocess.Popen` the callers use. Where the
platform cannot fork, it runs `python -m module` instead.

We do not use multiprocessing's fork server: its children import the caller's `__main__`
again, which runs any script that calls us without an `if __name__ == "__main__"` guard.

The protocol is one JSON object per line. Requests on the server's stdin: the child to start.
Replies on its stdout: `{"id", "pid"}` once forked (or `{"id", "error"}`), then `{"exit": pid,
"code"}` when that child ends (a signal's death is -signum, as with Popen). The server ends
when its caller does (end of stdin); children still running carry on. The child's parent is
the server, not the caller: a child that must die with its caller watches the caller's pid
itself (`crawler.cluster.job`).
"""
from __future__ import annotations

import importlib
import io
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

# what a crawl imports before its first request; a module that installs a reactor on import
# must never be listed (tests/test_launch.py checks that none does)
PRELOAD = (
    "scrapy.crawler",
    "scrapy.core.downloader.handlers.http11",  # its TLS context factories alone take 0.3 s to define
    "scrapy.extensions.remote_control",  # imported even when disabled, and it imports aiohttp
    "twisted.internet.asyncioreactor",
    "crawler.crawl",
    "crawler.spiders.sources",
    "crawler.pipelines",
    "crawler.middlewares",
    "crawler.extensions",
    "crawler.cluster.job",
    "db.store",
    "nlp.extract",
    "trafilatura",  # nlp.extract imports it, htmldate and py3langid on first use
    "trafilatura.metadata",
    "htmldate",
    "nlp.language",
)
DISCARD = ""  # `stderr=DISCARD`: the child's stderr goes to /dev/null (None: the caller's stderr)
START_TIMEOUT = 120.0  # seconds for the server to fork a child (the first waits for the preload)
UNKNOWN_EXIT = 255  # the status of a child whose server died before telling us how it ended


def start(module: str, argv: list[str], *, stderr: str | None = DISCARD, stdin_text: str | None = None,
          new_session: bool = False) -> Child | subprocess.Popen:
    """Run `module.main(argv)` in a new process; its exit status is what main returns.

    `stderr`: a file to append the child's log to, DISCARD, or None for ours. `stdin_text` is
    what the child reads from stdin. `new_session`: the child leads a session of its own, so
    a Ctrl-C at the terminal does not reach it.
    """
    if not hasattr(os, "fork"):
        return _popen(module, argv, stderr=stderr, stdin_text=stdin_text, new_session=new_session)
    request = {"module": module, "argv": list(argv), "env": dict(os.environ), "cwd": os.getcwd(),
               "path": list(sys.path), "stderr": stderr, "stdin": stdin_text, "new_session": new_session}
    server = _server()
    return Child(server, server.spawn(request))


class Child:
    """A started child: pid, poll(), wait(timeout), send_signal(), terminate(), kill(), returncode."""

    def __init__(self, server: _Server, pid: int):
        self._server, self.pid = server, pid

    @property
    def returncode(self) -> int | None:
        return self._server.code(self.pid)

    def poll(self) -> int | None:
        return self._server.code(self.pid)

    def wait(self, timeout: float | None = None) -> int:
        code = self._server.wait(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Server:
    """Our end of one launch server: requests out, a thread reading the replies."""

    def __init__(self):
        self.owner = os.getpid()
        self.proc = subprocess.Popen([sys.executable, "-m", "crawler.launch"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        self._cond = threading.Condition()
        self._write = threading.Lock()
        self._next = 0
        self._started: dict[int, dict] = {}  # request id -> its reply
        self._codes: dict[int, int] = {}  # pid -> exit status
        self.alive = True
        threading.Thread(target=self._read, name="veille-launch", daemon=True).start()

    def spawn(self, request: dict) -> int:
        with self._cond:
            self._next += 1
            rid = request["id"] = self._next
        line = json.dumps(request).encode("utf-8") + b"\n"
        # written outside the condition: the reader thread must be free to take replies meanwhile
        with self._write:
            try:
                self.proc.stdin.write(line)
                self.proc.stdin.flush()
            except OSError:
                pass  # the server is gone: the reader thread sees its end
        with self._cond:
            self._cond.wait_for(lambda: rid in self._started or not self.alive, timeout=START_TIMEOUT)
            reply = self._started.pop(rid, None)
        if reply is None:
            state = "died" if not self.alive else f"did not answer within {START_TIMEOUT:g} s"
            raise OSError(f"the crawl launch server {state}; see the log above")
        if "error" in reply:
            raise OSError(f"could not start {request['module']}: {reply['error']}")
        return reply["pid"]

    def code(self, pid: int) -> int | None:
        with self._cond:
            return self._code(pid)

    def _code(self, pid: int) -> int | None:
        if pid not in self._codes and not self.alive and not is_running(pid):
            self._codes[pid] = UNKNOWN_EXIT
        return self._codes.get(pid)

    def wait(self, pid: int, timeout: float | None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while (code := self._code(pid)) is None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                if not self.alive:  # nobody will notify: ask the pid itself every tenth of a second
                    left = 0.1 if left is None else min(left, 0.1)
                self._cond.wait(left)
        return code

    def _read(self) -> None:
        for line in self.proc.stdout:
            msg = json.loads(line)
            with self._cond:
                if "exit" in msg:
                    self._codes[msg["exit"]] = msg["code"]
                else:
                    self._started[msg["id"]] = msg
                self._cond.notify_all()
        with self._cond:
            self.alive = False
            self._cond.notify_all()
        self.proc.wait()


_lock = threading.Lock()
_current: _Server | None = None


def _server() -> _Server:
    """This process's launch server, started with the first child (again if it died)."""
    global _current
    with _lock:
        if _current is None or not _current.alive or _current.owner != os.getpid():
            _current = _Server()
        return _current


def is_running(pid: int) -> bool:
    """Whether process `pid` is still running (a zombie nobody reaps has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _popen(module: str, argv: list[str], *, stderr, stdin_text, new_session) -> subprocess.Popen:
    """The same child as a fresh interpreter (`python -m module`), where nothing can fork."""
    err = open(stderr, "a") if stderr else (subprocess.DEVNULL if stderr == DISCARD else None)  # noqa: SIM115
    try:
        proc = subprocess.Popen([sys.executable, "-m", module, *argv], stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                                start_new_session=new_session)
    finally:
        if stderr:
            err.close()  # the child holds its own copy
    if stdin_text is not None:
        proc.stdin.write(stdin_text.encode("utf-8"))
        proc.stdin.close()
    return proc


# -- the server (`python -m crawler.launch`) ------------------------------------------------------

def serve() -> int:
    """Preload, then fork one child per request line until stdin ends."""
    requests, replies = os.dup(0), os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)  # so that nothing printed while importing can break a reply line
    os.close(devnull)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the child that needs it fails to import it too, with the traceback in its log
    _warm()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the caller and the children
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    buffered = b""

    def reply(msg: dict) -> None:
        replies.write(json.dumps(msg).encode("utf-8") + b"\n")
        replies.flush()

    while True:
        ready, _, _ = select.select([requests, wake_r], [], [])
        if wake_r in ready:
            while _drain(wake_r):
                pass
        _reap(reply)
        if requests in ready:
            data = os.read(requests, 1 << 16)
            if not data:
                return 0  # our caller is gone
            buffered += data
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                request = json.loads(line)
                try:
                    pid = os.fork()
                except OSError as exc:
                    reply({"id": request["id"], "error": str(exc)})
                    continue
                if pid == 0:
                    replies.close()
                    for fd in (requests, wake_r, wake_w):
                        os.close(fd)
                    _become(request)  # never returns: the child ends as an interpreter does
                reply({"id": request["id"], "pid": pid})


def _warm() -> None:
    """Load once what every crawl loads: the language identifier's model (0.25 s per crawl)."""
    try:
        from nlp.language import detect

        detect("Une phrase pour charger le modèle de langue.")
    except Exception:  # noqa: BLE001 (a process boundary: the child loads it itself, and reports)
        pass


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _reap(reply) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reply({"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _become(request: dict) -> None:
    """In the forked child: the caller's context and our streams, then `module.main(argv)`.

    Its SystemExit unwinds the server's stack to the interpreter, which exits as after any
    `python -m`: atexit handlers run and non-daemon threads are joined first.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if request["new_session"]:
        os.setsid()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path[:] = request["path"]
    if request["stderr"] is not None:
        _redirect(2, request["stderr"] or os.devnull)
    sys.stdin = io.StringIO(request["stdin"] or "")
    sys.argv = [request["module"], *request["argv"]]
    raise SystemExit(importlib.import_module(request["module"]).main(request["argv"]))


def _redirect(fd: int, path: str) -> None:
    target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(target, fd)
    os.close(target)


if __name__ == "__main__":
    sys.exit(serve())
