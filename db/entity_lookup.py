"""Name -> stored entity: the one resolver of `veille query`, `veille entities`, `veille serve`
and the store.

Precedence, the same everywhere (the Datasette canned queries use `entity_sql`, built from the
same candidate query as `lookup`):

1. the canonical name (`entities.norm`),
2. then an alias (`aliases.alias_norm`),
3. then a knowledge-base id (`entities.kb_id`, e.g. "openai").

Names are compared through `nlp.kb.normalise` (casefold, no accents, one kind of apostrophe,
hyphens as spaces), so "bpi france", "BPIFRANCE" and "Bpifrance" agree. Canonical names are
unique; an alias may be shared by several entities, and so (in old databases) may a kb id.
Within the first step that matches, candidates are ordered by articles (most first), then id:
readers take the first (`Lookup.best`), edits refuse to guess (`Lookup.unique`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

VIA = ("name", "alias", "kb_id")


@dataclass(frozen=True)
class EntityRef:
    id: int
    name: str
    label: str
    kb_id: str | None

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "label": self.label, "kb_id": self.kb_id}


@dataclass(frozen=True)
class Lookup:
    """What a name resolved to: `matches` of the first step that found any (`via`)."""

    name: str
    via: str | None = None  # "name", "alias", "kb_id"; None when nothing matched
    matches: tuple[EntityRef, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        return bool(self.matches)

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1

    @property
    def best(self) -> EntityRef | None:
        """The entity a reader means: the only match, else the one in most articles."""
        return self.matches[0] if self.matches else None

    @property
    def unique(self) -> EntityRef | None:
        """The match when there is exactly one, else None (see `ambiguous`)."""
        return self.matches[0] if len(self.matches) == 1 else None


def _candidates(key: str, raw: str) -> str:
    """(entity_id, via) rows naming one entity: `key` is the normalised name, `raw` the kb id."""
    return f"""SELECT id AS entity_id, 0 AS via FROM entities WHERE norm = {key}
        UNION ALL SELECT entity_id, 1 FROM aliases WHERE alias_norm = {key}
        UNION ALL SELECT id, 2 FROM entities WHERE kb_id = {raw}"""


# articles of one entity from the per-day roll-up (migration 2): the tie-break between candidates
_ARTICLES = "(SELECT coalesce(sum(d.articles), 0) FROM entity_days d WHERE d.entity_id = c.entity_id)"


def entity_sql(param: str = ":name") -> str:
    """A SQL scalar subquery: the id of the entity the Datasette parameter `param` names.

    Needs the `veille_norm()` function of `db/datasette_plugins/` (`nlp.kb.normalise`).
    """
    return f"""(SELECT c.entity_id FROM ({_candidates(f"veille_norm({param})", f"lower(trim({param}))")}) c
    ORDER BY c.via, {_ARTICLES} DESC, c.entity_id LIMIT 1)"""


def lookup(db, name: str) -> Lookup:
    """The stored entities `name` stands for, by the precedence above (`db`: any connection)."""
    from nlp.kb import normalise

    key = normalise(name or "")
    if not key:
        return Lookup(name or "")
    found = db.execute(
        f"""SELECT c.via, e.id, e.name, e.label, e.kb_id FROM ({_candidates("?", "?")}) c
        JOIN entities e ON e.id = c.entity_id ORDER BY c.via, e.id""",
        [key, key, name.strip().lower()],
    ).fetchall()
    if not found:
        return Lookup(name)
    first = found[0][0]
    refs = list(dict.fromkeys(EntityRef(*r[1:]) for r in found if r[0] == first))
    if len(refs) > 1:
        # ranked only when it matters: the store looks a name up for every entity it writes
        refs.sort(key=lambda r: (-article_count(db, r.id), r.id))
    return Lookup(name, VIA[first], tuple(refs))


def by_kb_id(db, kb_id: str) -> int | None:
    """The stored entity linked to the knowledge-base entry `kb_id` (the lowest id if several)."""
    row = db.execute("SELECT min(id) FROM entities WHERE kb_id = ?", [kb_id]).fetchone()
    return row[0] if row else None


def article_count(db, entity_id: int) -> int:
    """Articles naming the entity, from the per-day roll-up."""
    row = db.execute("SELECT coalesce(sum(articles), 0) FROM entity_days WHERE entity_id = ?", [entity_id]).fetchone()
    return row[0]


def closest_names(db, name: str, limit: int = 5) -> list[str]:
    """Canonical names of the entities whose name or alias is closest to `name` (rapidfuzz)."""
    from rapidfuzz import fuzz, process

    from nlp.kb import normalise

    names: dict[int, str] = {}
    keys, owners = [], []
    for eid, ename, norm in db.execute("SELECT id, name, norm FROM entities"):
        names[eid] = ename
        keys.append(norm)
        owners.append(eid)
    for eid, alias_norm in db.execute("SELECT entity_id, alias_norm FROM aliases"):
        keys.append(alias_norm)
        owners.append(eid)
    out: list[str] = []
    key = normalise(name or "")
    # WRatio over 10^5 names costs ~0.5 s: a cheap ratio shortlists, WRatio orders the shortlist
    shortlist = process.extract(key, keys, scorer=fuzz.QRatio, limit=100)
    if len(key) > 3:
        shortlist += process.extract(key, keys, scorer=fuzz.partial_ratio, limit=20, score_cutoff=90)
    best = sorted({i for _k, _s, i in shortlist}, key=lambda i: (-fuzz.WRatio(key, keys[i]), i))
    for i in best[: limit * 3]:
        n = names.get(owners[i])
        if n and n not in out:
            out.append(n)
        if len(out) == limit:
            break
    return out
