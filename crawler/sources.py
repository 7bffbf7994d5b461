"""The registry of sources (outlets and institutions) a team watches, read from TOML.

Format (see README): one `[[source]]` table per source with `name`, `homepage`, `lang`,
`country`, `kind`, `feeds`, `sitemaps`, and optional `follow`, `allow`, `deny`, `max_depth`, and
`every` (how often `veille watch` polls it: "15m", "2h").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

from nlp.errors import VeilleError

KINDS = ("press", "institution", "blog")


class SourceError(VeilleError, ValueError):
    """A sources file that cannot be used, with the reason."""


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

    def accepts(self, url: str) -> bool:
        """True when `url` passes this source's allow/deny patterns."""
        if any(re.search(p, url) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, url) for p in self.allow)


def parse_every(value, where: str = "every") -> float:
    """Seconds from a poll interval: "90s", "15m", "2h", "1d", or a number of minutes."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = str(value).strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text) if not isinstance(value, bool) else None
    if not match or float(match[1]) <= 0:
        raise SourceError(f"{where}: every must be a duration like '90s', '15m' or '2h', got {value!r}")
    return float(match[1]) * units[match[2] or "m"]


def _check_url(url: str, where: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SourceError(f"{where}: {url!r} is not an http(s) URL")
    return url


def parse_sources(data: dict, origin: str = "<sources>") -> list[Source]:
    """Sources from a parsed TOML document; raises SourceError naming the bad entry."""
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourceError(f"{origin}: expected [[source]] tables")
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(entries, 1):
        where = f"{origin}: source #{i} ({raw.get('name', '?')})"
        name = raw.get("name")
        if not name or not raw.get("homepage"):
            raise SourceError(f"{where}: 'name' and 'homepage' are required")
        if name in seen:
            raise SourceError(f"{where}: duplicate source name {name!r}")
        seen.add(name)
        kind = raw.get("kind", "press")
        if kind not in KINDS:
            raise SourceError(f"{where}: kind must be one of {', '.join(KINDS)}")
        for pattern in (*raw.get("allow", []), *raw.get("deny", [])):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SourceError(f"{where}: bad pattern {pattern!r}: {exc}") from None
        out.append(
            Source(
                name=name,
                homepage=_check_url(raw["homepage"], where),
                lang=raw.get("lang", "fr"),
                country=raw.get("country", ""),
                kind=kind,
                feeds=tuple(_check_url(u, where) for u in raw.get("feeds", [])),
                sitemaps=tuple(_check_url(u, where) for u in raw.get("sitemaps", [])),
                follow=tuple(_check_url(u, where) for u in raw.get("follow", [])),
                allow=tuple(raw.get("allow", [])),
                deny=tuple(raw.get("deny", [])),
                max_depth=int(raw.get("max_depth", 1)),
                every=parse_every(raw["every"], where) if "every" in raw else None,
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
        raise SourceError(f"{origin}: invalid TOML: {exc}") from None
    return parse_sources(data, origin)
