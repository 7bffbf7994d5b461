"""Channel credentials kept out of the database, where `veille serve` (Datasette) cannot read them.

Datasette runs any SQL over the whole SQLite file, so a notification URL such as
`mailto://user:PASSWORD@host?to=...` stored in a column is readable by anyone who can open
the web UI. The database therefore holds only a *reference*:

- `secret:<id>`: the URL lives in `<db>.secrets.json` beside the database, mode 0600, written
  atomically (a temporary file renamed over the old one), never served;
- `env:NAME`: the URL is read from the environment variable NAME when a message is sent,
  so it can live in a service unit or a secrets manager and never touch the disk.

Anything else stored in a notify column is a URL from before migration 9 and is read as is.
"""
from __future__ import annotations

import json
import os
import secrets as _random  # stdlib: random reference ids
from contextlib import contextmanager
from pathlib import Path

from nlp.errors import VeilleError

SECRET, ENV = "secret:", "env:"


class SecretError(VeilleError):
    """A reference whose secret cannot be found (file lost, variable unset)."""


def db_file(conn) -> str | None:
    """The path of the main database file of `conn`, or None for an in-memory database."""
    for _seq, name, path in conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or None
    return None


def secrets_path(db_path: str) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + ".secrets.json")


def is_reference(value: str | None) -> bool:
    return bool(value) and (value.startswith(SECRET) or value.startswith(ENV))


@contextmanager
def _locked(path: Path):
    # two processes adding a subscription at once must not lose each other's secret
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}


def _write(path: Path, data: dict[str, str]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)  # O_CREAT honours the umask; the file must be owner-only whatever it is
    os.replace(tmp, path)


def _need_file(conn) -> Path:
    path = db_file(conn)
    if path is None:
        raise SecretError("channel credentials need a database file to keep them beside")
    return secrets_path(path)


def put(conn, value: str) -> str:
    """The reference under which `value` is now kept: itself when it is already one."""
    if is_reference(value):
        return value
    path = _need_file(conn)
    ref = SECRET + _random.token_hex(8)
    with _locked(path):
        data = _read(path)
        data[ref] = value
        _write(path, data)
    return ref


def get(conn, ref: str | None) -> str | None:
    """The secret a reference stands for; raises SecretError when it cannot be found."""
    if not ref:
        return None
    if ref.startswith(ENV):
        value = os.environ.get(ref[len(ENV):])
        if not value:
            raise SecretError(f"{ref}: the environment variable is not set")
        return value
    if not ref.startswith(SECRET):
        return ref  # stored before secrets moved out of the database
    path = _need_file(conn)
    value = _read(path).get(ref)
    if value is None:
        raise SecretError(f"{ref}: not found in {path}")
    return value


def forget(conn, refs) -> None:
    """Drop secrets nothing refers to any more (file-kept references only)."""
    refs = [r for r in refs if r and r.startswith(SECRET)]
    if not refs:
        return
    path = _need_file(conn)
    with _locked(path):
        data = _read(path)
        if any(r in data for r in refs):
            _write(path, {k: v for k, v in data.items() if k not in refs})
