"""One way to find the stored entity a name stands for.

Precedence, one for every caller: the canonical name, then an alias, then the knowledge-base
id. Names compare after `nlp.kb.normalise` (case and diacritics folded), the way they are
stored. An alias several entities share goes to the one with the most articles, then the
oldest, so the answer never depends on row order.
"""
from __future__ import annotations

from dataclasses import dataclass

from nlp.kb import normalise


@dataclass(frozen=True)
class Entity:
    id: int
    name: str
    label: str
    kb_id: str | None


_COLUMNS = "e.id, e.name, e.label, e.kb_id"


def resolve(conn, name: str) -> Entity | None:
    """The entity called `name` (canonical name, alias or knowledge-base id), or None."""
    key = normalise(name or "")
    if not key:
        return None
    row = conn.execute(f"SELECT {_COLUMNS} FROM entities e WHERE e.norm = ?", [key]).fetchone()
    if row is None:
        row = conn.execute(
            f"""SELECT {_COLUMNS} FROM aliases al JOIN entities e ON e.id = al.entity_id
                WHERE al.alias_norm = ?
                ORDER BY (SELECT count(*) FROM mentions m WHERE m.entity_id = e.id) DESC, e.id LIMIT 1""",
            [key]).fetchone()
    if row is None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM entities e WHERE e.kb_id = ?", [name.strip()]).fetchone()
    return Entity(*row) if row else None
