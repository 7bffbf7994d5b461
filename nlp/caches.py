"""Where veille keeps what it can rebuild: files derived from installed packages, once per machine.

`$VEILLE_CACHE_DIR`, else the user cache directory (`platformdirs`: ~/.cache/veille on Linux).
Deleting it is always safe; each file is rebuilt on first use. Writes are atomic (a temporary
file renamed over the old one), so concurrent processes read a whole file or none. A new file
with `keep` set removes all but the `keep` most recently used files of its kind: keys change with
each reinstall (a new virtualenv) or knowledge-base edit, and old files would pile up.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("VEILLE_CACHE_DIR") or user_cache_dir("veille", appauthor=False))


def cache_file(kind: str, key: str, suffix: str) -> Path:
    """The file for `kind` derived under `key` (versions of what it depends on) and this Python."""
    digest = hashlib.sha256(f"{sys.version}|{sys.implementation.cache_tag}|{key}".encode()).hexdigest()[:16]
    return cache_dir() / f"{kind}-{digest}{suffix}"


def derived_from(source: Path, version: str) -> str:
    """The key of a file derived from the package file `source`: the package's version, and the
    file's size and time, so a reinstall that changes it makes a new key."""
    st = source.stat()
    return f"{version}|{st.st_size}|{st.st_mtime_ns}"


def prune(path: Path, keep: int) -> None:
    """Remove all but the `keep` most recently used files of `path`'s kind (`path` stays)."""
    named = re.fullmatch(r"(.+)-[0-9a-f]{16}(\..+)", path.name)
    if not named:
        return
    kind, suffix = named.groups()
    others = [p for p in path.parent.glob(f"{kind}-*{suffix}")
              if p != path and re.fullmatch(rf"{re.escape(kind)}-[0-9a-f]{{16}}{re.escape(suffix)}", p.name)]
    for old in sorted(others, key=_last_used, reverse=True)[max(keep - 1, 0):]:
        try:
            old.unlink()
        except OSError:  # another process removed it first
            pass


def _last_used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def write_atomically(path: Path, write: Callable[[IO[bytes]], None], keep: int | None = None) -> bool:
    """`write(fh)` into a temporary file next to `path`, then renamed over it; False (logged) on
    an OS error, e.g. a read-only or full disk: the caller then just goes without its cache.
    With `keep`, older files of the same kind beyond `keep` are removed (`prune`)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
        if keep is not None:
            prune(path, keep)
        return True
    except OSError as exc:
        log.info("cache file %s not written (%s)", path, exc)
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        return False


def used(path: Path) -> None:
    """Mark a cache file as just used (its time), so that `prune` keeps it."""
    try:
        os.utime(path)
    except OSError:
        pass


def cached_object(path: Path, build: Callable[[], Any], keep: int | None = None) -> Any:
    """The object pickled at `path`, else `build()`, pickled there for the next process (and,
    with `keep`, older files of its kind pruned).

    Unpickling runs code, so only a file this user owns and nobody else may write is read (as
    mkstemp leaves it); any other file, or one that does not load, is rebuilt and replaced.
    """
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and not st.st_mode & 0o022:
            with open(path, "rb") as fh:
                value = pickle.load(fh)
            used(path)
            return value
        log.warning("cache file %s is not this user's own: rebuilt", path)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
        log.warning("cache file %s unusable (%s): rebuilt", path, exc)
    value = build()
    write_atomically(path, lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL), keep)
    return value
