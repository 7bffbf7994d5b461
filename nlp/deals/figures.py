"""Which money amount of a sentence belongs to its deal, and which amounts are no deal.

A figure is context, not a deal's amount, when a cue of the language stands just before it
("a market of", "revenue rose to", "valued at", "to reach") or just after it ("€6bn
valuation", "de chiffre d'affaires"), or when it is a plan's or programme's own budget
("le plan de 54 milliards d'euros", "a £2bn programme"). Of the other amounts, the deal's is
the nearest after its trigger, else the nearest before it, within a short reach.
"""
from __future__ import annotations

import re

from nlp.deals.lexicon import Lexicon
from nlp.types import AmountMention

_REACH = 140  # characters between a trigger and its amount, at most
_WORDS = r"(?:[^\s.;]+\s+){0,4}"


def is_context(text: str, a: AmountMention, lex: Lexicon, governed: bool = False) -> bool:
    """True when the amount describes a market, revenue, valuation, forecast or budget.
    `governed`: the amount stands right after a deal trigger, so a plan noun next to it names
    what the deal funds, not a budget."""
    before = text[max(0, a.start - 60):a.start]
    after = text[a.end:a.end + 40]
    if _cue_before(lex.figure_before).search(before) or _cue_after(lex.figure_after).match(after):
        return True
    if governed:
        return False
    return bool(_budget_before(lex.budget).search(before) or _budget_after(lex.budget).match(after))


_CACHE: dict[tuple[str, str], re.Pattern[str]] = {}


def _cached(kind: str, base: re.Pattern[str], build) -> re.Pattern[str]:
    key = (kind, base.pattern)
    if key not in _CACHE:
        _CACHE[key] = re.compile(build(base.pattern), base.flags)
    return _CACHE[key]


def _cue_before(base):  # the cue, then at most four words, then the amount
    return _cached("before", base, lambda p: rf"{p}\W*{_WORDS}$")


def _cue_after(base):  # the amount, at most one word, then the cue
    return _cached("after", base, lambda p: rf"^\W*(?:[^\s.;]+\s+)?{p}")


def _budget_before(base):  # "le plan de", "the programme's": the plan noun, up to two short words
    return _cached("budget_before", base, lambda p: rf"{p}\s+(?:[^\s,.;]{{1,4}}\s+){{0,2}}$")


def _budget_after(base):  # "a £2bn plan", "un plan" right after the amount
    return _cached("budget_after", base, lambda p: rf"^\s*(?:[\w-]+\s+)?{p}")


def budget_soon_after(after: str, lex: Lexicon) -> bool:
    """A plan or programme noun two to eight words after an amount ("pour mettre en œuvre ce
    plan"); right after it ("a £50m programme") it is what the money goes to."""
    return _cached("budget_soon", lex.budget, lambda p: rf"^\W*(?:[^\s.;]+\s+){{2,8}}{p}").match(after) is not None


def pick(money: list[AmountMention], start: int, end: int, lo: int, hi: int) -> AmountMention | None:
    """The amount nearest after the trigger [start, end) (within [lo, hi)), else before it."""
    after = [a for a in money if a.start >= end and a.start < hi and a.start - end <= _REACH]
    if after:
        return min(after, key=lambda a: a.start)
    before = [a for a in money if a.end <= start and a.start >= lo and start - a.end <= _REACH]
    return max(before, key=lambda a: a.end) if before else None
