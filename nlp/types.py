"""Typed results of the NLP stage, shared by `nlp`, `db` and `digests`.

Offsets are character offsets into the analysed text (end exclusive), so any
mention can be traced back to its sentence in the stored article.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(slots=True)
class EntityMention:
    text: str
    label: str  # PER | ORG | LOC | PROG (programme) | MISC
    canonical: str  # canonical name in the knowledge base, or the text itself when unknown
    start: int
    end: int
    kb_id: str | None = None  # id of the knowledge-base entry when linked


@dataclass(slots=True)
class DateMention:
    text: str
    value: str  # ISO: 2025-07-21 | 2025-07 | 2025
    precision: str  # day | week | month | quarter | year
    start: int
    end: int
    relative: bool = False  # True when anchored on the publication date ("hier", "last week")


@dataclass(slots=True)
class AmountMention:
    text: str
    value: float
    unit: str  # ISO 4217 code for money, the counted noun for counts, "%" for percentages
    kind: str  # money | count | percent
    start: int
    end: int
    eur: float | None = None  # EUR equivalent for money, from the dated rates table
    # Money ranges ("de 2 à 3 milliards d'euros"): `value` is the lower bound, `max` the upper.
    max: float | None = None
    range: bool = False
    approx: bool = False  # an approximation marker is part of the span ("environ", "rund")


@dataclass(slots=True)
class DealParty:
    name: str  # as written in the sentence
    canonical: str
    role: str  # partner | investor | recipient | buyer | target | funder | place
    label: str = "ORG"
    kb_id: str | None = None


@dataclass(slots=True)
class Deal:
    """One partnership, investment, acquisition, public funding or expansion told by a sentence
    (or a sentence and the one continuing it); `start`/`end` are that text's offsets."""

    kind: str  # partnership | investment | acquisition | public_funding | expansion
    status: str  # announced | reported (rumour, plan, talks)
    parties: list[DealParty]
    amount: AmountMention | None
    date: DateMention | None  # the sentence's date, else the publication date (no offsets then)
    text: str
    start: int
    end: int

    def to_json(self) -> dict:
        a, d = self.amount, self.date
        return {
            "kind": self.kind, "status": self.status,
            "parties": [{"name": p.name, "canonical": p.canonical, "role": p.role} for p in self.parties],
            "amount": None if a is None else {"text": a.text, "value": a.value, "unit": a.unit, "eur": a.eur},
            "date": None if d is None else {"value": d.value, "precision": d.precision},
            "text": self.text, "start": self.start, "end": self.end,
        }


@dataclass(slots=True)
class Analysis:
    lang: str | None
    title: str | None
    published: str | None
    author: str | None
    text: str
    entities: list[EntityMention] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    amounts: list[AmountMention] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    skipped: str | None = None  # why the text was not analysed (unsupported language, empty)
    # which layers ran: {"entities": "statistical" | "rules-only" | "none", "dates": bool,
    # "amounts": bool}; `missing` names the absent ones ("ner", "entities", "dates", "amounts")
    layers: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    sentence_starts: list[int] = field(default_factory=list, repr=False)  # offsets, ascending

    def sentence_of(self, offset: int) -> int:
        """Number (from 0) of the sentence holding character `offset`."""
        import bisect

        return max(bisect.bisect_right(self.sentence_starts, offset) - 1, 0)

    def to_json(self) -> dict:
        """The JSON contract of `veille analyze --json` (see README)."""
        d = asdict(self)
        d.pop("sentence_starts", None)
        d["deals"] = [deal.to_json() for deal in self.deals]
        if d.get("skipped") is None:
            d.pop("skipped", None)
        return d
