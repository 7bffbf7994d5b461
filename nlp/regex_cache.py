"""Large compiled regular expressions, kept on disk between processes.

Importing spaCy's French language data builds one regular expression of 1.45 million
characters (the hyphenated and elided words its tokenizer keeps whole, matched with
IGNORECASE), and CPython's `re` compiler spends about 3 seconds on it in every process that
loads French: each `veille analyze`, `veille enrich`, enrichment worker and `veille watch`.
CPython caches compiled patterns only in memory, so this module records what the compiler
produced for such patterns (`_sre.compile`'s arguments: the pattern, its flags, the compiled
code and group tables) the first time, and on later loads puts ready Pattern objects in `re`'s
own cache, where `re.compile` finds them. Built from stored code, a pattern is the one the
compiler would make (the C engine validates the code it is given, and the file is keyed by the
Python build and the engine's version), so tokenisation is unchanged.

The files live in veille's cache directory (`nlp.caches`). Any
problem (no CPython `re` internals as expected, an unreadable or foreign file, a read-only
directory) only means the patterns are compiled as usual.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from nlp.caches import cache_file, write_atomically

log = logging.getLogger(__name__)

MIN_LENGTH = 5000  # shorter patterns compile in milliseconds: not worth a file
_lock = threading.Lock()


def _file(name: str) -> Path:
    import _sre

    return cache_file("regex", f"{_sre.MAGIC}|{_sre.CODESIZE}|{name}", ".json")


def _internals():
    """`re`'s compiler module and in-memory cache, or None where they are not CPython's."""
    compiler = getattr(re, "_compiler", None)
    if compiler is None or not isinstance(getattr(re, "_cache", None), dict) or not hasattr(compiler, "_sre"):
        return None
    return compiler


@contextlib.contextmanager
def kept(name: str) -> Iterator[str]:
    """Within the block, large patterns come from (or are recorded into) the file for `name`.

    `name` says which code compiles them (e.g. "spacy 3.8.11 fr"), so an upgrade gets a new
    file. Yields what happens: "loaded" (from the file), "recording" or "off" (no CPython `re`).
    """
    compiler = _internals()
    if compiler is None:
        yield "off"
        return
    path = _file(name)
    with _lock:
        if _preload(path):
            yield "loaded"
            return
        recorder = _Recorder(compiler._sre)
        compiler._sre, real_compile = recorder, compiler.compile
        compiler.compile = recorder.wrap(real_compile)
        try:
            yield "recording"
        finally:
            compiler._sre, compiler.compile = recorder.real, real_compile
        if recorder.entries:
            _save(path, recorder.entries)


def _preload(path: Path) -> bool:
    import _sre

    try:
        entries = json.loads(path.read_text("utf-8"))
        ready = {}
        for pattern, key_flags, flags, code, groups, groupindex, indexgroup in entries:
            ready[(str, pattern, key_flags)] = _sre.compile(pattern, flags, code, groups, groupindex,
                                                            tuple(indexgroup))
    except FileNotFoundError:
        return False
    except (OSError, ValueError, TypeError, RuntimeError) as exc:  # RuntimeError: invalid SRE code
        log.warning("regex cache %s unusable (%s): compiling as usual", path, exc)
        return False
    re._cache.update(ready)
    log.info("regex cache: %d compiled patterns from %s", len(ready), path)
    return True


def _save(path: Path, entries: list) -> None:
    if write_atomically(path, lambda fh: fh.write(json.dumps(entries).encode("utf-8"))):
        log.info("regex cache: %d compiled patterns kept in %s", len(entries), path)


class _Recorder:
    """Stands in for `_sre` inside `re._compiler` and keeps the arguments of large compiles."""

    def __init__(self, real):
        self.real = real
        self.entries: list = []
        self._key_flags = 0
        self._owner = threading.get_ident()  # other threads' compiles pass through unrecorded

    def __getattr__(self, name):
        return getattr(self.real, name)

    def wrap(self, real_compile):
        def compile(p, flags=0):  # noqa: A001 (re._compiler.compile's own name)
            if threading.get_ident() == self._owner:
                self._key_flags = flags  # what re.compile was given, part of re._cache's key
            return real_compile(p, flags)

        return compile

    def compile(self, pattern, flags, code, groups, groupindex, indexgroup):  # noqa: A003
        if isinstance(pattern, str) and len(pattern) >= MIN_LENGTH and threading.get_ident() == self._owner:
            self.entries.append([pattern, int(self._key_flags), flags, list(code), groups, dict(groupindex),
                                 list(indexgroup)])
        return self.real.compile(pattern, flags, code, groups, groupindex, indexgroup)
