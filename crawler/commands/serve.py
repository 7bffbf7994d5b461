"""`veille serve`: browse the database in Datasette, read-only, on localhost.

Datasette runs as a child process that never outlives `veille serve`: it is started in its
own process group (so stopping it also stops anything it started), the parent turns SIGTERM
and SIGHUP into a clean stop of that group, and on Linux the kernel sends the child SIGTERM
when the parent dies, even by SIGKILL (`PR_SET_PDEATHSIG`), so no orphan keeps the port.
"""
from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from crawler.options import VeilleError, db_option, open_store

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class _Stopped(Exception):
    """The parent was asked to stop (SIGTERM, SIGHUP)."""


def _libc_prctl():
    """prctl() of the C library on Linux, else None (other systems only get the handlers)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl


def _child_setup(parent_pid: int, prctl) -> None:
    """Run in the child between fork and exec: own process group, death signal from the parent."""
    os.setpgid(0, 0)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)


def _stop_group(proc: subprocess.Popen) -> int:
    """Stop the child and its process group: SIGTERM, then SIGKILL after 10 s; its status."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            return proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


def run_child(cmd: list[str]) -> int:
    """Run `cmd` until it exits or this process is stopped (Ctrl-C, SIGTERM, SIGHUP); its status."""
    def stop(signum, _frame):
        raise _Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        # preexec_fn is unsafe only with other threads running: `veille serve` has none here
        proc = subprocess.Popen(cmd, preexec_fn=functools.partial(_child_setup, os.getpid(), _libc_prctl()))  # noqa: PLW1509
        try:
            return proc.wait()
        except (KeyboardInterrupt, _Stopped):
            return _stop_group(proc)
        finally:
            if proc.poll() is None:  # any other way out of the wait
                _stop_group(proc)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 exposes the database to your network.")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 lets the system choose (Datasette prints it).")
@click.option("--immutable", is_flag=True, help="Serve a snapshot nobody writes to (faster counts).")
@click.option("--print-metadata", is_flag=True, help="Print the Datasette metadata JSON and exit.")
@click.pass_context
def serve(ctx, db, host, port, immutable, print_metadata):
    """Browse the database in Datasette: tables with column docs, full-text search on articles,
    and canned queries for entities, top entities, money and co-occurrences. Read-only.

    \b
    Examples:
      veille serve --db veille.db              # then open http://127.0.0.1:8001/
      veille serve --db veille.db --port 8080 --immutable
    """
    from db.serve import datasette_args, metadata

    path = db  # resolved by db_option, which refuses a path where no database is
    meta = metadata(Path(path).stem)
    if print_metadata:
        click.echo(json.dumps(meta, ensure_ascii=False, indent=2))
        return
    open_store(path).close()  # migrate first: the canned queries read the roll-ups
    with tempfile.TemporaryDirectory(prefix="veille-serve-") as tmp:
        meta_path = Path(tmp) / "metadata.json"
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        cmd = [sys.executable, "-m", "datasette", *datasette_args(path, str(meta_path), host=host, port=port,
                                                                   immutable=immutable)]
        where = f"http://{host}:{port}/" if port else f"http://{host}: on the port Datasette prints below"
        click.echo(f"serving {path} read-only on {where} (Ctrl-C stops)", err=True)
        rc = run_child(cmd)
    if rc not in (0, -15):
        raise VeilleError(f"datasette stopped with status {rc}")


COMMANDS = [serve]
