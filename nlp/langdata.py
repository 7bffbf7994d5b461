"""Per-language data files (`nlp/data/lang/<code>.toml`): one file per analysed language.

Month and weekday names, relative-date words, scale and currency words, entity cues: what
differs between languages is data, read here; the engines in `nlp.dates`, `nlp.amounts` and
`nlp.entities` are the same for every language. Each engine reads only its own section.
"""
from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from nlp.errors import VeilleError

SECTIONS = ("dates", "money", "entities")


class LanguageDataError(VeilleError):
    pass


def available() -> tuple[str, ...]:
    """Codes of the languages that have a data file, sorted."""
    folder = resources.files("nlp") / "data" / "lang"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def load(code: str) -> dict:
    """The whole data file of language `code`, parsed (cached per process)."""
    path = resources.files("nlp") / "data" / "lang" / f"{code}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LanguageDataError(f"no language data for {code!r} (have: {', '.join(available())})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LanguageDataError(f"nlp/data/lang/{code}.toml: {exc}") from None
    if data.get("code") != code:
        raise LanguageDataError(f"nlp/data/lang/{code}.toml: code = {data.get('code')!r}, expected {code!r}")
    return data


def section(code: str, name: str) -> dict:
    """One stage's section of language `code` (empty dict when the file has none)."""
    if name not in SECTIONS:
        raise ValueError(f"unknown section {name!r}; sections are {', '.join(SECTIONS)}")
    return load(code).get(name, {})
