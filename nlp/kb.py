"""Knowledge base of real actors of European AI policy and industry.

The packaged list lives in `nlp/data/kb.jsonl`, one canonical entity a line:

    {"id": "openai", "name": "OpenAI", "type": "ORG", "aliases": ["Open AI"],
     "lang_aliases": {"en": [...]}, "country": "US", "description": "...",
     "case_sensitive": false, "ruler": true}

`aliases` hold every surface form that is safe in any language; `lang_aliases`
the ones that are only safe in one language (English "UN" is a French word in
all-caps headlines). Users extend the base with their own JSONL files in the
same format: a line whose id already exists adds aliases to it.

Matching rules, chosen to keep precision high on news text:
- lookups are made on a normalised form (casefold, no accents, one kind of
  apostrophe, hyphens as spaces) so "Elysée", "ÉLYSÉE" and "Élysée" agree;
- acronyms ("EU", "DSIT", "G7") and entries flagged `case_sensitive` only
  match with their exact case: "US" is a country, "us" is a pronoun;
- one-word names never get a lower-case variant ("Orange" the operator, not
  the colour), multi-word names do ("union européenne").
"""
from __future__ import annotations

import functools
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

TYPES = ("PER", "ORG", "LOC", "PROG", "MISC")

_APOSTROPHES = "\u2019\u2018\u02bc\u02bb`\u00b4\u2032"
_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212-"
APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")
_HYPHEN_RE = re.compile(f"[{_HYPHENS}]")
_SPACE_RE = re.compile(r"\s+")
# quotes and sentence punctuation around a mention say nothing about its identity
_EDGE_PUNCT = " \t\n\"'«»“”„‚‹›()[]{}.,;:!?*"


def strip_accents(s: str) -> str:
    if s.isascii():  # nothing to decompose: the common case, and the hot one
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1 << 16)
def normalise(s: str) -> str:
    """Key used for every comparison: casefolded, accent-free, one apostrophe,
    hyphens as spaces, single spaces, no surrounding punctuation."""
    s = APOSTROPHE_RE.sub("'", s)
    s = _HYPHEN_RE.sub(" ", s)
    s = strip_accents(s).casefold()
    s = _SPACE_RE.sub(" ", s)
    return s.strip(_EDGE_PUNCT)


def is_acronym(s: str) -> bool:
    """"EU", "DSIT", "G7", "U.K." – short and all capitals, so matched case-exactly."""
    letters = [c for c in s if c.isalpha()]
    return 1 <= len(letters) <= 6 and all(c.isupper() for c in letters) and " " not in s.strip()


@dataclass(slots=True)
class Entry:
    id: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    lang_aliases: dict[str, list[str]] = field(default_factory=dict)
    country: str | None = None
    description: str = ""
    case_sensitive: bool = False
    ruler: bool = True  # False: link when the model finds it, but never force it (e.g. "Claude")
    names: dict[str, str] = field(default_factory=dict)  # display name per language, when not `name`

    def display(self, lang: str) -> str:
        """The name to print in `lang`: "European Union" in English for "Union européenne"."""
        return self.names.get(lang, self.name)

    def surface_forms(self, lang: str | None = None) -> list[str]:
        """Name and aliases usable in `lang` (all languages when None)."""
        forms = [self.name, *self.aliases]
        for code, extra in self.lang_aliases.items():
            if lang is None or code == lang:
                forms.extend(extra)
        return list(dict.fromkeys(forms))

    def exact(self, alias: str) -> bool:
        return self.case_sensitive or is_acronym(alias)

    def to_json(self) -> dict:
        d: dict = {"id": self.id, "name": self.name, "type": self.type, "aliases": self.aliases}
        if self.lang_aliases:
            d["lang_aliases"] = self.lang_aliases
        if self.country:
            d["country"] = self.country
        d["description"] = self.description
        if self.case_sensitive:
            d["case_sensitive"] = True
        if not self.ruler:
            d["ruler"] = False
        if self.names:
            d["names"] = self.names
        return d


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(name)).strip("-") or "entity"


class KnowledgeBase:
    """Canonical entities with alias indexes.

    Build with `KnowledgeBase.load()` (packaged list plus optional user files)
    or `KnowledgeBase.default()` for the shared, cached packaged one.
    """

    def __init__(self, entries: Iterable[Entry | dict] = ()) -> None:
        self._entries: dict[str, Entry] = {}
        self._norm: dict[str, list[str]] = {}  # normalised alias -> ids
        self._exact: dict[str, list[str]] = {}  # case-exact alias -> ids
        self._surnames: dict[str, list[str]] = {}  # normalised last name of PER -> ids
        self._keys_of: dict[str, list[tuple[dict, str]]] = {}  # id -> the (index, key) pairs that list it
        self._fuzzy_keys: list[str] | None = None
        self._user_ids: set[str] = set()  # what add()/add_alias() changed, for save_user()
        for e in entries:
            self._merge(e if isinstance(e, Entry) else _entry_from_json(e))

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, *extra: str | Path, packaged: bool = True) -> KnowledgeBase:
        kb = cls()
        if packaged:
            with resources.files("nlp").joinpath("data/kb.jsonl").open(encoding="utf-8") as f:
                for d in _read_jsonl(f, "nlp/data/kb.jsonl"):
                    kb._merge(_entry_from_json(d))
        for path in extra:
            p = Path(path)
            if not p.exists():
                log.warning("knowledge base file %s not found, skipped", p)
                continue
            with p.open(encoding="utf-8") as f:
                for d in _read_jsonl(f, str(p)):
                    kb._merge_user(d)
        log.debug("knowledge base: %d entries", len(kb._entries))
        return kb

    @staticmethod
    @functools.cache
    def default() -> KnowledgeBase:
        """The packaged knowledge base, loaded once per process."""
        return KnowledgeBase.load()

    # ------------------------------------------------------------ access
    @property
    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def get(self, entity_id: str) -> Entry | None:
        return self._entries.get(entity_id)

    def lookup(self, text: str) -> Entry | None:
        """Entry whose name or alias is `text` (case-exact for acronyms)."""
        ids = None
        for t in (text.strip(), text.strip(_EDGE_PUNCT)):  # "U.S." keeps its last dot
            ids = ids or self._exact.get(APOSTROPHE_RE.sub("'", t))
        if not ids:
            ids = self._norm.get(normalise(t))
        return self._entries[ids[0]] if ids else None

    def lookup_surname(self, text: str) -> Entry | None:
        """A person known by a unique last name ("Altman", "Virkkunen")."""
        ids = self._surnames.get(normalise(text))
        return self._entries[ids[0]] if ids and len(ids) == 1 else None

    def fuzzy(self, text: str, threshold: float = 92) -> Entry | None:
        """Near spelling of a known name ("Open-Ai", "Hugging Faces").

        Conservative on purpose: long enough strings only, same first letter,
        similar length, and the best candidate must be unique.
        """
        key = normalise(text)
        if len(key) < 6 or is_acronym(text.strip()):
            return None
        from rapidfuzz import fuzz, process  # heavy-ish import, only when needed

        if self._fuzzy_keys is None:
            self._fuzzy_keys = [k for k in self._norm if len(k) >= 5]
        hits = process.extract(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=3)
        hits = [h for h in hits if h[0][0] == key[0] and abs(len(h[0]) - len(key)) <= 3]
        if not hits:
            return None
        ids = {self._norm[h[0]][0] for h in hits if h[1] == hits[0][1]}
        return self._entries[ids.pop()] if len(ids) == 1 else None

    # ------------------------------------------------------------ ruler
    def ruler_patterns(self, lang: str) -> list[dict]:
        """Phrase patterns for spaCy's entity_ruler: id = entity id, label = type."""
        patterns: list[dict] = []
        for e in self._entries.values():
            if not e.ruler:
                continue
            seen: set[str] = set()
            for alias in e.surface_forms(lang):
                for v in surface_variants(alias, exact=e.exact(alias)):
                    if v not in seen:
                        seen.add(v)
                        patterns.append({"label": e.type, "pattern": v, "id": e.id})
        return patterns

    # ------------------------------------------------------------ editing
    def add(self, name: str, type: str, aliases: Iterable[str] = (), *, id: str | None = None,
            country: str | None = None, description: str = "", case_sensitive: bool = False) -> Entry:
        """Add a user entity (or extend an existing id). Returns the entry."""
        if type not in TYPES:
            raise ValueError(f"unknown type {type!r}, expected one of {', '.join(TYPES)}")
        eid = id or slugify(name)
        entry = Entry(eid, name, type, list(aliases), {}, country, description, case_sensitive)
        self._merge(entry)
        self._user_ids.add(eid)
        return self._entries[eid]

    def add_alias(self, entity: str, alias: str, lang: str | None = None) -> Entry:
        """Add `alias` to the entity given by id or by any known name."""
        e = self._entries.get(entity) or self.lookup(entity)
        if e is None:
            raise KeyError(f"no knowledge-base entity {entity!r}")
        if lang:
            e.lang_aliases.setdefault(lang, [])
            if alias not in e.lang_aliases[lang]:
                e.lang_aliases[lang].append(alias)
        elif alias != e.name and alias not in e.aliases:
            e.aliases.append(alias)
        self._index(e)
        self._user_ids.add(e.id)
        return e

    def save_user(self, path: str | Path) -> None:
        """Write what add()/add_alias() changed, to be passed to load() next time."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        # a new file renamed over the old one: a kill mid-write leaves the previous edits whole
        tmp = p.with_name(p.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for eid in sorted(self._user_ids):
                f.write(json.dumps(self._entries[eid].to_json(), ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)

    # ------------------------------------------------------------ internals
    def _merge_user(self, d: dict) -> None:
        if d.get("id") in self._entries and "name" not in d:
            d = {**self._entries[d["id"]].to_json(), **{k: v for k, v in d.items() if k != "aliases"},
                 "aliases": self._entries[d["id"]].aliases + list(d.get("aliases", []))}
        self._merge(_entry_from_json(d))

    def _merge(self, e: Entry) -> None:
        old = self._entries.get(e.id)
        if old is not None:
            # same id seen again: keep the newer fields, union the aliases
            e.aliases = list(dict.fromkeys([*old.aliases, *e.aliases, *([old.name] if old.name != e.name else [])]))
            for code, extra in old.lang_aliases.items():
                e.lang_aliases[code] = list(dict.fromkeys([*extra, *e.lang_aliases.get(code, [])]))
            self._unindex(old)
        self._entries[e.id] = e
        self._index(e)

    def _index(self, e: Entry) -> None:
        self._unindex(e)
        keys = self._keys_of[e.id] = []
        for alias in e.surface_forms():
            bucket = self._exact if e.exact(alias) else self._norm
            key = APOSTROPHE_RE.sub("'", alias) if e.exact(alias) else normalise(alias)
            keys.append(self._add(bucket, key, e.id))
        if e.type == "PER" and len(e.name.split()) >= 2:
            keys.append(self._add(self._surnames, normalise(e.name.split()[-1]), e.id))
        self._fuzzy_keys = None

    @staticmethod
    def _add(bucket: dict, key: str, entity_id: str) -> tuple[dict, str]:
        ids = bucket.setdefault(key, [])
        if entity_id not in ids:
            ids.append(entity_id)
        return bucket, key

    def _unindex(self, e: Entry) -> None:
        # the keys recorded when `e.id` was indexed: scanning every index per entry made loading
        # the 1,267-entry knowledge base quadratic (0.24 s of each process's start)
        for bucket, key in self._keys_of.pop(e.id, ()):
            ids = bucket.get(key)
            if ids and e.id in ids:
                ids.remove(e.id)
                if not ids:
                    del bucket[key]


def default_kb() -> KnowledgeBase:
    """The packaged knowledge base, shared by the whole process."""
    return KnowledgeBase.default()


def _read_jsonl(lines: Iterable[str], where: str) -> Iterator[dict]:
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            log.warning("%s:%d: bad JSON skipped (%s)", where, n, exc)


def _entry_from_json(d: dict) -> Entry:
    if d.get("type") not in TYPES:
        raise ValueError(f"entity {d.get('id')!r}: type must be one of {TYPES}")
    return Entry(
        id=d.get("id") or slugify(d["name"]),
        name=d["name"],
        type=d["type"],
        aliases=list(d.get("aliases", [])),
        lang_aliases={k: list(v) for k, v in d.get("lang_aliases", {}).items()},
        country=d.get("country"),
        description=d.get("description", ""),
        case_sensitive=bool(d.get("case_sensitive", False)),
        ruler=bool(d.get("ruler", True)),
        names={str(k): str(v) for k, v in d.get("names", {}).items()},
    )


# ------------------------------------------------------------------ variants
# short function words: lower case in headline case, skipped when reading acronym initials
FUNCTION_WORDS = {"de", "du", "des", "la", "le", "les", "et", "pour", "sur", "en", "à", "of", "for", "and",
                "the", "on", "in", "für", "und", "der", "die", "das", "von", "zu"}


def _title(s: str) -> str:
    """Headline case: capitalise words except short function words."""
    words = s.split(" ")
    out = []
    for i, w in enumerate(words):
        if i and w.lower() in FUNCTION_WORDS:
            out.append(w.lower())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def _upper_accents_stripped(s: str) -> str:
    """French typography often drops accents on capitals: "Elysée", "Etats-Unis"."""
    return "".join(strip_accents(c) if c.isupper() else c for c in s)


def surface_variants(alias: str, exact: bool = False) -> list[str]:
    """Spellings of `alias` seen in real text: apostrophes, accents, case, hyphens."""
    base = {alias}
    if "'" in alias or "’" in alias:
        base |= {alias.replace("'", "’"), alias.replace("’", "'")}
    base |= {_upper_accents_stripped(b) for b in base} | {strip_accents(b) for b in base}
    if not exact:
        multi = " " in alias.strip() or "-" in alias
        for b in list(base):
            base.add(b.upper())
            if multi:
                base |= {b.lower(), b[:1].upper() + b[1:], b[:1].lower() + b[1:], _title(b)}
    if re.search(r"\s[A-Z]$", alias):
        # "Station F." ends a sentence as one token: the tokenizer keeps initials with their dot
        base |= {b + "." for b in base}
    if not exact:
        for b in list(base):
            # "Royaume-Uni" / "Royaume Uni", but not "GPT-4" -> "GPT 4" (digits stay glued)
            if re.search(r"[^\W\d]-[^\W\d]", b):
                base.add(re.sub(r"(?<=[^\W\d])-(?=[^\W\d])", " ", b))
    return sorted(v for v in base if v.strip())
