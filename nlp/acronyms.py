"""Acronyms defined in running text: "Department for Science, Innovation and Technology (DSIT)".

The entity linking step (`nlp/entities.py`) reads these pairs so that an article's "DSIT" finds the
knowledge-base entry of its long form, and the long form the entry of the acronym.
"""
from __future__ import annotations

import re

from nlp.kb import APOSTROPHE_RE, FUNCTION_WORDS, strip_accents

# Words skipped when reading an expansion's initials (articles, prepositions).
_ACRO_STOP = FUNCTION_WORDS | {"d", "l", "du", "aux", "au", "a", "an", "et", "y", "im", "am", "dem", "den", "des"}
_PAREN_RE = re.compile(r"\(\s*([^()]{1,160}?)\s*\)")
_WORD_RE = re.compile(r"[^\W_][\w&.\-]*", re.UNICODE)
_ACRO_SHAPE = re.compile(r"^[A-ZÀ-Ý][A-Za-zÀ-ÿ0-9&.\-]{1,9}$")


def _looks_like_acronym(s: str) -> bool:
    if not _ACRO_SHAPE.match(s):
        return False
    caps = sum(1 for c in s if c.isupper())
    return caps >= 2 and caps >= len([c for c in s if c.isalpha()]) / 2


def _expansion_for(acronym: str, words: list[tuple[str, int, int]]) -> tuple[int, int] | None:
    """Schwartz & Hearst style match, read from the right: each letter of the
    acronym must appear in order in `words`, the first one at a word start.
    Returns the (start, end) character span of the shortest expansion."""
    letters = [c.lower() for c in strip_accents(acronym) if c.isalnum()]
    if not letters or not words:
        return None
    # flatten the words into one string with word-start markers
    chars: list[tuple[str, bool, int]] = []  # (char, at word start, word index)
    for wi, (w, _, _) in enumerate(words):
        for ci, c in enumerate(strip_accents(w).lower()):
            chars.append((c, ci == 0, wi))
    li = len(chars) - 1
    for si in range(len(letters) - 1, -1, -1):
        c = letters[si]
        while li >= 0 and (chars[li][0] != c or (si == 0 and not chars[li][1])):
            li -= 1
        if li < 0:
            return None
        li -= 1
    first_word = chars[li + 1][2]
    span = words[first_word:]
    content = [w for w, _, _ in span if w.lower().strip(".") not in _ACRO_STOP]
    # an expansion longer than the acronym allows is a sentence, not a name
    if len(content) > len(letters) + 2 or not content:
        return None
    # most letters should be word initials, unless it is one compound word ("BNetzA")
    initials = {strip_accents(w[0]).lower() for w in content}
    if len(content) > 1 and sum(1 for c in letters if c in initials) < min(len(content), len(letters)) * 0.6:
        return None
    return span[0][1], span[-1][2]


def _words(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    out = []
    for m in _WORD_RE.finditer(text, start, end):
        w = m.group()
        s = m.start()
        # French elision: "l'Organisation" is read as "Organisation"
        if len(w) > 2 and w[1] in "'’" and w[0].lower() in "ldjnmstc":
            w, s = w[2:], s + 2
        out.append((w, s, m.end()))
    return out


def acronym_pairs(text: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs defined inside `text`.

    Recognises "Department for Science, Innovation and Technology (DSIT)",
    "DSIT (Department for Science, Innovation and Technology)" and
    "l'Organisation mondiale du commerce (OMC)" -> ("OMC", "Organisation mondiale du commerce").
    """
    text = APOSTROPHE_RE.sub("'", text)  # same length, so offsets stay valid
    pairs: list[tuple[str, str]] = []
    for m in _PAREN_RE.finditer(text):
        inside = m.group(1).strip()
        if _looks_like_acronym(inside):
            # "Long Form (ACR)": look back at most one clause
            window_start = max(0, m.start() - 200)
            stop = max(text.rfind(p, window_start, m.start()) for p in (".", ";", ":", "\n", "(", ")"))
            words = _words(text, max(window_start, stop + 1), m.start())
            words = words[-(len(inside) + 6):]
            span = _expansion_for(inside, words)
            if span:
                pairs.append((inside, text[span[0]:span[1]].strip(" ,")))
        else:
            # "ACR (Long Form)"
            before = re.search(r"([A-ZÀ-Ý][A-Za-zÀ-ÿ0-9&.\-]{1,9})\s*$", text[max(0, m.start() - 12):m.start()])
            if before and _looks_like_acronym(before.group(1)):
                words = _words(text, m.start(1), m.end(1))
                span = _expansion_for(before.group(1), words)
                if span and span[0] == words[0][1]:
                    pairs.append((before.group(1), text[span[0]:span[1]].strip(" ,")))
    return list(dict.fromkeys(pairs))
