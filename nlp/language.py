"""Language of a text: py3langid over European languages, with priors and a candidate list.

A bare n-gram classifier is unreliable on one sentence: "La startup Aplicat capte 3 M€ auprès
de Caixa Capital Risc." comes out Catalan. News is never read bare, though: the source declares
its language in the watch list, the page in `<html lang>`, the feed in `<language>`. Those are
passed in as `hints` and weigh as priors (a confident guess still beats them: a French source
does publish English pages), and `candidates` narrows the field to the languages the watch list
declares plus the analysed ones, so a language nobody follows cannot win on a few n-grams.

Mixed text (an English quote inside a French article, an English headline over a German body)
is decided by the body: the sample is cut into paragraph-sized chunks, each chunk is classified,
and the chunks vote with their length.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

# Languages we expect in European news; restricting the set avoids exotic misfires on short text.
EUROPEAN = (
    "fr", "en", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi", "cs", "sk", "hu",
    "ro", "el", "bg", "hr", "sl", "lt", "lv", "et", "ga", "mt", "ca", "eu", "gl", "lb",
)
# Languages the NLP stage analyses (a data file in nlp/data/lang and a pipeline in nlp.models).
ANALYSED = ("fr", "en", "de", "es", "it", "nl", "pt", "pl")

SAMPLE = 3000  # characters read: enough for a verdict, bounded cost on long articles
MIN_CHARS = 20  # below this, n-grams say nothing: the hints decide
CHUNK = 300  # paragraphs are merged up to this size before voting (fewer classifier calls)
PRIOR = 3.0  # weight of each declared language against the others
UNSURE = 0.5  # below this posterior the guess gives way to a declared language

_CODE = re.compile(r"^\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)*\s*$")


@cache
def _identifier():
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model()
    identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    identifier.set_languages(list(EUROPEAN))
    return identifier


def _model() -> tuple:
    """py3langid's model, as its own loader returns it. The packaged file is LZMA: its loader
    takes 0.46 s in each process that detects a language (every crawl); from a deflated copy in
    veille's cache directory (`nlp.caches`, 8 MB) the same arrays take 0.24 s."""
    import io
    import lzma
    import zipfile
    from array import array

    import numpy as np
    import py3langid
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    from nlp.caches import cache_file, derived_from, used, write_atomically

    packaged = MODEL_DIR / MODEL_FILE
    path = cache_file("langid", derived_from(packaged, py3langid.__version__), ".npz")
    try:
        arrays = dict(np.load(path, allow_pickle=False))
        used(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # none yet, or damaged: rebuilt
        with lzma.open(packaged) as fh:
            arrays = dict(np.load(io.BytesIO(fh.read()), allow_pickle=False))
        # keep 2: the file of each reinstall (a new virtualenv) is another key
        write_atomically(path, lambda out: np.savez_compressed(out, **arrays), keep=2)

    def table(a):  # the stdlib arrays py3langid walks its automaton with
        out = array({2: "H", 4: "I", 8: "L"}[a.dtype.itemsize])
        out.frombytes(np.ascontiguousarray(a).tobytes())
        return out

    return (arrays["ptc"], arrays["pc"], arrays["classes"].tolist(), table(arrays["nextmove"]),
            table(arrays["nextmove_row"]), arrays["out_feat"].tolist())


def normalise_code(code: str | None) -> str | None:
    """"fr-FR", "en_GB", "DE" -> "fr", "en", "de"; None for anything that is not a language tag."""
    if not code or not isinstance(code, str):  # feeds put anything in their language field
        return None
    m = _CODE.match(code)
    return m.group(1).lower() if m else None


def detect(text: str, hint: str | None = None, *, hints: Iterable[str | None] = (),
           candidates: Iterable[str] | None = None) -> str | None:
    """ISO 639-1 code of `text`.

    `hint` and `hints` are declared languages (source, `<html lang>`, feed), in any tag form;
    they are priors, and the answer when the text is too short or the guess unsure.
    `candidates` restricts the answer to those languages plus the analysed ones and the hints
    (callers pass the watch list's languages); None means every European language.
    """
    declared = [c for c in (normalise_code(h) for h in (hint, *hints)) if c]
    sample = _sample(text)
    if sum(ch.isalpha() for ch in sample) < MIN_CHARS:
        return _first_declared(declared)
    allowed = _allowed(candidates, declared)
    scores = _body_scores(sample, allowed)
    if not scores:
        return _first_declared(declared)
    for code in declared:
        if code in scores:
            scores[code] *= PRIOR
    total = sum(scores.values())
    lang, score = max(scores.items(), key=lambda kv: kv[1])
    if score / total < UNSURE and declared:
        return _first_declared(declared)
    return lang


def _first_declared(declared: list[str]) -> str | None:
    """The most often declared language (the first one on a tie), or None."""
    if not declared:
        return None
    return max(declared, key=lambda c: (declared.count(c), -declared.index(c)))


def _allowed(candidates: Iterable[str] | None, declared: list[str]) -> frozenset[str]:
    if candidates is None:
        return frozenset(EUROPEAN)
    wanted = {normalise_code(c) for c in candidates} | set(ANALYSED) | set(declared)
    return frozenset(c for c in wanted if c in EUROPEAN)


def _sample(text: str) -> str:
    """Up to SAMPLE characters spread over the body: its start and its middle, so a long
    English preamble cannot decide alone for a German article."""
    if len(text) <= SAMPLE:
        return text
    half = SAMPLE // 2
    mid = len(text) // 2
    cut = text.find("\n", mid - half // 4, mid)  # start the second half on a paragraph if one is near
    mid = cut + 1 if cut != -1 else mid - half // 2
    return text[:half] + "\n" + text[mid:mid + half]


def _chunks(sample: str) -> list[str]:
    """Paragraphs merged up to CHUNK characters; short lines (bylines, captions) ride along."""
    out: list[str] = []
    cur = ""
    for para in sample.split("\n"):
        if not para.strip():
            continue
        cur = f"{cur}\n{para}" if cur else para
        if len(cur) >= CHUNK:
            out.append(cur)
            cur = ""
    if cur:
        if out and len(cur) < MIN_CHARS * 3:
            out[-1] += "\n" + cur  # a trailing scrap does not get a vote of its own
        else:
            out.append(cur)
    return out


def _body_scores(sample: str, allowed: frozenset[str]) -> dict[str, float]:
    """Length-weighted vote of the chunks: each chunk spreads its length over the allowed
    languages by its (renormalised) probabilities. Empty when no allowed language scores."""
    ident = _identifier()
    scores: dict[str, float] = {}
    for chunk in _chunks(sample):
        ranked = [(code, p) for code, p in ident.rank(chunk) if code in allowed]
        mass = sum(p for _, p in ranked)
        if mass <= 0:
            continue
        weight = len(chunk)
        for code, p in ranked:
            scores[code] = scores.get(code, 0.0) + weight * p / mass
    return scores
