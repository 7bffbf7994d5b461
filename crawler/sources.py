"""The registry of sources (outlets and institutions) a team watches, read from TOML.

Format (see README): one `[[source]]` table per source with `name`, `homepage`, `lang`,
`country`, `kind`, `feeds`, `sitemaps`, and optional `follow`, `allow`, `deny`, `max_depth`, and
`every` (how often `veille watch` polls it: "15m", "2h").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

from crawler.addresses import host_port
from nlp.errors import VeilleError

KINDS = ("press", "institution", "blog")


class SourceError(VeilleError, ValueError):
    """A sources file that cannot be used: the message names the file, the line and the field."""


@dataclass(frozen=True)
class Source:
    name: str
    homepage: str
    lang: str = "fr"
    country: str = ""
    kind: str = "press"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()  # listing pages whose links lead to articles
    allow: tuple[str, ...] = ()  # regexes an article URL must match (any)
    deny: tuple[str, ...] = ()  # regexes that exclude an URL
    max_depth: int = 1
    every: float | None = None  # seconds between two polls by `veille watch`; None: its --every default

    @property
    def domain(self) -> str:
        return urlparse(self.homepage).netloc.lower()

    @cached_property  # asked for at every request of the source
    def declared_hosts(self) -> frozenset[tuple[str, int]]:
        """(host, port) of every URL this file declares: the only private addresses it may reach."""
        return frozenset(host_port(u) for u in (self.homepage, *self.feeds, *self.sitemaps, *self.follow))

    def accepts(self, url: str) -> bool:
        """True when `url` passes this source's allow/deny patterns."""
        if any(re.search(p, url) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, url) for p in self.allow)


FIELDS = {"name": str, "homepage": str, "lang": str, "country": str, "kind": str, "feeds": list,
          "sitemaps": list, "follow": list, "allow": list, "deny": list, "max_depth": int,
          "every": (str, int, float)}
URL_LISTS = ("feeds", "sitemaps", "follow")


def parse_every(value, where: str = "every") -> float:
    """Seconds from a poll interval: "90s", "15m", "2h", "1d", or a number of minutes."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = str(value).strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text) if not isinstance(value, bool) else None
    if not match or float(match[1]) <= 0:
        raise SourceError(f"{where}: every must be a duration like '90s', '15m' or '2h', got {value!r}")
    return float(match[1]) * units[match[2] or "m"]


def _check_url(url, where: str) -> str:
    parsed = urlparse(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SourceError(f"{where}: {url!r} is not an http(s) URL")
    return url


def _table_lines(text: str | None) -> list[int]:
    """Line numbers (1-based) of each `[[source]]` header, so an error can point at its table."""
    if not text:
        return []
    return [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*source\s*\]\]", line)]


def _check_fields(raw: dict, where: str) -> None:
    """Unknown fields (a typo would silently drop a feed), wrong types and missing required ones."""
    for key, value in raw.items():
        if key not in FIELDS:
            raise SourceError(f"{where}: unknown field {key!r} (known: {', '.join(FIELDS)})")
        want = FIELDS[key]
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            what = "a list" if want is list else "a duration" if isinstance(want, tuple) else want.__name__
            raise SourceError(f"{where}: field {key!r} must be {what},"
                              f" got {value!r}")
        if want is list and not all(isinstance(v, str) for v in value):
            raise SourceError(f"{where}: field {key!r} must list strings, got {value!r}")
    for key in ("name", "homepage"):
        if not raw.get(key):
            raise SourceError(f"{where}: missing field {key!r} (required)")


def parse_sources(data: dict, origin: str = "<sources>", text: str | None = None) -> list[Source]:
    """Sources from a parsed TOML document; raises SourceError naming the entry, its line and field.

    `text` (the document itself) lets the message give the line of the bad `[[source]]` table.
    """
    entries = data.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceError(f"{origin}: expected [[source]] tables")
    lines = _table_lines(text)
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(entries, 1):
        at = f", line {lines[i - 1]}" if len(lines) == len(entries) else ""
        where = f"{origin}{at}: source #{i} ({raw.get('name', '?')})"
        _check_fields(raw, where)
        name = raw["name"]
        if name in seen:
            raise SourceError(f"{where}: field 'name': duplicate source name {name!r}")
        seen.add(name)
        kind = raw.get("kind", "press")
        if kind not in KINDS:
            raise SourceError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
        for key in ("allow", "deny"):
            for pattern in raw.get(key, []):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise SourceError(f"{where}: field {key!r}: bad pattern {pattern!r}: {exc}") from None
        urls = {key: tuple(_check_url(u, f"{where}: field {key!r}") for u in raw.get(key, [])) for key in URL_LISTS}
        out.append(
            Source(
                name=name,
                homepage=_check_url(raw["homepage"], f"{where}: field 'homepage'"),
                lang=raw.get("lang", "fr"),
                country=raw.get("country", ""),
                kind=kind,
                allow=tuple(raw.get("allow", [])),
                deny=tuple(raw.get("deny", [])),
                max_depth=raw.get("max_depth", 1),
                every=parse_every(raw["every"], where) if "every" in raw else None,
                **urls,
            )
        )
    return out


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Sources from `path`, or the packaged registry when `path` is None."""
    if path is None:
        text = resources.files("crawler").joinpath("sources.toml").read_text("utf-8")
        origin = "packaged sources.toml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise SourceError(f"cannot read sources file {path}: {exc.strerror}") from None
        origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)"
        raise SourceError(f"{origin}: invalid TOML: {exc}") from None
    return parse_sources(data, origin, text)
