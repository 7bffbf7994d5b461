"""Names the entity model missed, where a deal needs a party: the capitalised name that ends a
trigger's object ("buy the cloud security company Wiz for $32bn", "übernimmt das Start-up
Run:ai für") or is coordinated with a found party ("Nscale and Aker formed a joint venture").

Only the slot a role needs is looked at, and only a name that ends its noun phrase (before a
preposition, an amount, punctuation or the end of the clause) and does not follow an article
("das Unternehmen" is a common noun in German). A name the knowledge base knows is linked.
"""
from __future__ import annotations

import re

from nlp.deals.lexicon import Lexicon
from nlp.types import EntityMention

_CAP = r"(?:[A-ZÀ-ÖØ-ÝĀ-Ž][\w:.&'’+\-]*|[a-z]+[A-Z0-9][\w\-]*)"
# a name of one to four words at the end of a slot ("Pollen Robotics", "Run:ai", "n8n" excluded)
_RUN_END = re.compile(rf"({_CAP}(?:\s+{_CAP}){{0,3}})\s*$")
_RUN_START = re.compile(rf"\s*({_CAP}(?:\s+{_CAP}){{0,3}})")
_STOP = re.compile(r"[,;()!?\"«»“”]|[.:](?:\s|$)|\s[–—]\s")
_LAST_WORD = re.compile(r"(\S+)\s*$")
_REACH = 80


def _mention(text: str, s: int, e: int, kb, lex: Lexicon) -> EntityMention:
    name = text[s:e].rstrip(".")
    entry = kb.lookup(name) if kb is not None else None
    if entry is None:  # "El Reino Unido": a sentence-initial article is no part of the name
        first, _, rest = name.partition(" ")
        if rest and first.lower() in lex.determiners:
            s, name = s + len(first) + 1, rest
            entry = kb.lookup(name) if kb is not None else None
    if entry is not None:
        return EntityMention(name, entry.type, entry.name, s, s + len(name), entry.id)
    return EntityMention(name, "ORG", name, s, s + len(name))


def _after_determiner(text: str, s: int, lex: Lexicon) -> bool:
    m = _LAST_WORD.search(text, max(0, s - 20), s)
    return bool(m and m.group(1).lower().replace("’", "'") in lex.determiners)


def object_name(text: str, start: int, end: int, lex: Lexicon, taken: list[EntityMention],
                stops: list[int], kb=None) -> EntityMention | None:
    """The name ending the slot that starts at `start` (a trigger or preposition end): the slot
    stops at punctuation, a clause break, any offset in `stops` (amounts, triggers), or `end`."""
    end = min(end, start + _REACH, *[x for x in stops if x > start] or [end])
    stop = _STOP.search(text, start, end)
    brk = lex.clause_break.search(text, start, end)
    end = min(end, stop.start() if stop else end, brk.start() if brk else end)
    slot = text[start:end]
    while True:  # a trailing preposition ends the noun phrase: "Wiz for about", "Altair für rund"
        last = _LAST_WORD.search(slot)
        word = last.group(1).lower().replace("’", "'") if last else ""
        if not last or (word not in lex.prep_classes and word not in lex.approx):
            break
        slot = slot[:last.start()]
    m = _RUN_END.search(slot)
    if m is None:
        return None
    s, e = start + m.start(1), start + m.end(1)
    if lex.capitalised_nouns:  # "das israelische Start-up Run:ai": the name is the last word
        s = start + m.start(1) + m.group(1).rfind(" ") + 1
    if _after_determiner(text, s, lex) or any(t.start < e and s < t.end for t in taken):
        return None
    return _mention(text, s, e, kb, lex)


def name_after(text: str, pos: int, end: int, lex: Lexicon, taken: list[EntityMention], kb=None) -> EntityMention | None:
    """The capitalised name right after `pos` (a preposition's end): "en París", "in Munich"."""
    m = _RUN_START.match(text, pos, end)
    if m is None or any(t.start < m.end(1) and m.start(1) < t.end for t in taken):
        return None
    return _mention(text, m.start(1), m.end(1), kb, lex)


def coordinated_name(text: str, party: EntityMention, lo: int, hi: int, lex: Lexicon,
                     taken: list[EntityMention], kb=None) -> EntityMention | None:
    """A name joined to `party` by a conjunction, after it ("Nscale and Aker") or before it
    ("Telefónica y Nvidia"), within [lo, hi)."""
    after = lex.conjunction.match(text, party.end, hi)
    if after:
        m = _RUN_START.match(text, after.end(), hi)
        if m and not any(t.start < m.end(1) and m.start(1) < t.end for t in taken):
            return _mention(text, m.start(1), m.end(1), kb, lex)
    before = lex.conjunction_before.search(text, lo, party.start)
    if before:
        m = _RUN_END.search(text, lo, before.start())
        if m and not _after_determiner(text, m.start(1), lex) \
                and not any(t.start < m.end(1) and m.start(1) < t.end for t in taken):
            return _mention(text, m.start(1), m.end(1), kb, lex)
    return None
