"""Step 6 of `entities_from_doc`: a name the document repeats is found at every repeat.

News names an actor in full once and then repeats the name or, for a person, the surname
alone ("Olaf Scholz" ... "sagte Scholz"). The statistical model tags each occurrence from its
own context and misses some repeats, above all lone surnames (on the held German dev
sentences it missed 441 of 1,234 people, nearly all of them one word). Here each untagged
occurrence of a name the document already has (the mention's text, and a person's last name)
becomes a mention with the same label, canonical and id. An occurrence is left alone when it
is part of a longer name or word (a letter, a hyphen or a capitalised word joined to it), when
it is a surname after an article ("der Koch": German capitalises its nouns, so a surname can
be a word too), and when two names of the document share the form.
"""
from __future__ import annotations

import re

from nlp.entity_cues import Cues
from nlp.types import EntityMention

LABELS = ("PER", "ORG", "LOC")  # names whose repeats are looked for; programmes and MISC stay as found
_NEXT_WORD = re.compile(r" ([^\W\d_])")  # one space, then a word: is it capitalised?
_LAST_WORD = re.compile(r"([^\W\d_]+)(['’]|\s+)$")
_PREVIOUS = re.compile(r"([^\W\d_][\w'’-]*) $")  # the word just before, one space between


def _forms(mentions: list[EntityMention], cues: Cues) -> dict[str, tuple[EntityMention, bool] | None]:
    """Each form to look for -> (the mention it repeats, whether it is a surname), or None where
    two names of the document share it."""
    forms: dict[str, tuple[EntityMention, bool] | None] = {}

    def add(form: str, m: EntityMention, surname: bool) -> None:
        if len(form) < 3 or not form[0].isupper():
            return
        if form in forms:
            seen = forms[form]
            if seen is None or (seen[0].canonical, seen[0].label) != (m.canonical, m.label):
                forms[form] = None
            return
        forms[form] = (m, surname)

    for m in mentions:
        if m.label not in LABELS:
            continue
        add(m.text, m, False)
        words = m.canonical.split() if m.label == "PER" else []
        if len(words) >= 2 and words[-1].lower() not in cues.titles and not words[-1].endswith("."):
            add(words[-1], m, True)
    return forms


def _joined(text: str, start: int, end: int, cues: Cues) -> bool:
    """Is text[start:end] part of a longer word or name ("Paris Hilton", "Michel Paris")? A title
    before it ("Kanzler Scholz") and a capitalised word opening the sentence are no name."""
    if start and (text[start - 1].isalnum() or text[start - 1] == "-"):
        return True
    if end < len(text) and (text[end].isalnum() or text[end] == "-"):
        return True
    nxt = _NEXT_WORD.match(text, end)
    if nxt is not None and nxt.group(1).isupper():
        return True
    prev = _PREVIOUS.search(text[max(0, start - 40):start])
    if prev is None or not prev.group(1)[0].isupper() or prev.group(1).lower() in cues.titles:
        return False
    left = start - len(prev.group(1)) - 1  # where the word before starts
    head = text[max(0, left - 8):left].rstrip()
    return bool(head) and head[-1] not in ".!?:;\n»\"“(—–-"  # a capital opening a sentence says nothing


def _after_article(text: str, start: int, cues: Cues) -> bool:
    """Does an article end just before `start` ("der Koch", "l'Ours")?"""
    last = _LAST_WORD.search(text[max(0, start - 16):start])
    if last is None:
        return False
    word = last.group(1).lower() + ("'" if last.group(2) in ("'", "’") else " ")
    return cues.article_re.match(word) is not None


def add_repeats(mentions: list[EntityMention], text: str, cues: Cues) -> list[EntityMention]:
    """`mentions` and the untagged repeats of their names, in text order."""
    forms = {f: v for f, v in _forms(mentions, cues).items() if v is not None}
    if not forms:
        return mentions
    taken = [(m.start, m.end) for m in mentions]
    found: list[EntityMention] = []
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
    for hit in pattern.finditer(text):
        start, end = hit.span()
        m, surname = forms[hit.group()]
        if _joined(text, start, end, cues) or any(s < end and start < e for s, e in taken):
            continue
        if surname and _after_article(text, start, cues):
            continue
        found.append(EntityMention(hit.group(), m.label, m.canonical, start, end, m.kb_id))
        taken.append((start, end))
    return sorted(mentions + found, key=lambda x: x.start) if found else mentions
