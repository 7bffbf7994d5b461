"""Story summaries: 2–4 sentences picked across a story's articles, each linked to its article.

Extractive by default: sentences from the leads of the story's articles are scored by their
closeness to the story (its centroid) and to the start of their article (news puts the event
first), then chosen by maximal marginal relevance so the second sentence adds something the
first did not say (the French and English accounts of one fact are near-identical vectors).
Sentences in the brief's language are preferred whenever the story has an article in it.

An optional abstractive mode asks an OpenAI-compatible chat endpoint to rewrite the chosen
material; it must cite an article for every sentence, and anything else (error, timeout,
missing citation) falls back to the extractive summary, so a brief never depends on it.
"""
from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

# a sentence ends at . ! ? or … followed by a space and an upper-case letter, a digit or a quote;
# the look-behind keeps "M. Macron", "Dr. Smith" and initials together
_ABBREV = r"(?<!\bM\.)(?<!\bMM\.)(?<!\bMme\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bSt\.)(?<!\bvs\.)(?<!\b[A-Z]\.)"
_SPLIT = re.compile(r"(?<=[.!?…])" + _ABBREV + r"\s+(?=[«\"“A-ZÀ-ÖØ-Þ0-9])")


# sentences that lean on the one before them ("Instead, ...", "Their ...", "Il ...", "Ce dernier
# ..."): used only as the first sentence of an article, where nothing is missing before them
_DANGLING = {
    "fr": r"Il|Elle|Ils|Elles|Ce dernier|Cette dernière|Ces derniers|Celui-ci|Celle-ci|Leur|Leurs|Son|Sa|Ses|"
          r"Mais|Pourtant|En revanche|Cependant|Toutefois|De son côté|Lui|Eux",
    "en": r"Instead|Their|They|It|Its|This|These|Those|He|She|His|Her|But|However|Meanwhile|The latter|Also|Still|Yet",
    "de": r"Er|Sie|Es|Dieser|Diese|Dieses|Deren|Dessen|Ihr|Ihre|Sein|Seine|Aber|Doch|Stattdessen|Allerdings|Letzterer",
}
_DANGLING_RE = {lang: re.compile(rf"^[«\"“]?(?:{words})\b") for lang, words in _DANGLING.items()}
# numbers of a sentence, separators removed: "20 000 PME dans six pays" told twice is one fact
_NUMBER = re.compile(r"\d[\d\s\u00a0\u202f.,']*\d|\d")


def _facts(sentence: str) -> set[str]:
    return {re.sub(r"[\s\u00a0\u202f.,']", "", n) for n in _NUMBER.findall(sentence)}


def _repeats(sentence: str, kept: list[str]) -> bool:
    """True when every number of `sentence` (one at least that is not a year) is already in
    one kept sentence: the same fact twice, however differently worded."""
    facts = _facts(sentence)
    if not any(not (len(f) == 4 and f.isdigit() and 1900 <= int(f) <= 2100) for f in facts):
        return False
    return any(facts <= _facts(k) for k in kept)


@dataclass
class Source:
    """One article of a story, as the summariser needs it."""

    id: int
    url: str
    title: str
    source: str
    lang: str | None
    text: str


@dataclass
class SummarySentence:
    text: str
    article_id: int
    url: str
    source: str
    lang: str | None

    def to_json(self) -> dict:
        return {"text": self.text, "url": self.url, "source": self.source, "lang": self.lang}


def sentences(text: str, limit: int = 8) -> list[str]:
    """The first `limit` sentences of a text, whitespace normalised."""
    out = []
    for para in re.split(r"\n\s*\n|\n", text or ""):
        para = " ".join(para.split())
        if not para:
            continue
        out.extend(s.strip() for s in _SPLIT.split(para) if s.strip())
        if len(out) >= limit:
            break
    return out[:limit]


def _usable(s: str) -> bool:
    words = len(s.split())
    # too short to say anything, or too long to read in a brief; questions are teasers
    return 6 <= words <= 60 and not s.endswith("?")


def candidates(sources: list[Source], lang: str, per_article: int = 4) -> list[tuple[Source, int, str]]:
    """(article, position, sentence) to choose from, in the brief's language when there are any."""
    pool = [s for s in sources if s.lang == lang] or sources
    out = []
    for src in pool:
        title = " ".join((src.title or "").split()).rstrip(".").lower()
        for pos, sent in enumerate(sentences(src.text, per_article + 1)):
            # extractors often keep the headline as the first line: the story's title already says it
            dangling = _DANGLING_RE.get(src.lang or "")
            if pos and dangling is not None and dangling.match(sent):
                continue  # "Instead, ...": its reader needs the sentence before
            if _usable(sent) and sent.rstrip(".").lower() != title:
                out.append((src, pos, sent))
    return out


def mmr(vectors: np.ndarray, relevance: np.ndarray, k: int, diversity: float = 0.35,
        redundant: float = 0.85) -> list[int]:
    """Indices of up to `k` rows chosen by maximal marginal relevance, best first.

    A row closer than `redundant` (cosine) to one already chosen is never taken: it says the
    same thing, often in the other language.
    """
    chosen: list[int] = []
    left = list(range(len(relevance)))
    while left and len(chosen) < k:
        if chosen:
            sim = vectors[left] @ vectors[chosen].T
            max_sim = sim.max(axis=1)
        else:
            max_sim = np.zeros(len(left))
        scores = (1 - diversity) * relevance[left] - diversity * max_sim
        order = np.argsort(-scores)
        pick = next((left[o] for o in order if max_sim[o] < redundant), None)
        if pick is None:
            break
        chosen.append(pick)
        left.remove(pick)
    return chosen


def extractive(sources: list[Source], lang: str, embed: Callable[[list[str]], np.ndarray],
               centroid: np.ndarray | None = None, k: int | None = None) -> list[SummarySentence]:
    """2–4 sentences across the story's articles, in reading order of importance, each attributed."""
    cands = candidates(sources, lang)
    if not cands:
        # nothing usable (very short texts): the lead of the first article, still attributed
        src = sources[0]
        first = (sentences(src.text, 1) or [src.title])[0]
        return [SummarySentence(first, src.id, src.url, src.source, src.lang)]
    k = k or min(4, max(2, len({s.id for s in sources}) + 1))
    vecs = embed([c[2] for c in cands])
    if centroid is None:
        centroid = vecs.mean(axis=0)
        centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
    position = np.array([1.0 / (1 + pos) for _, pos, _ in cands])
    relevance = vecs @ centroid + 0.25 * position
    picked = mmr(vecs, relevance, k)
    # first the lead sentence chosen, then the rest in the order the reader expects: by article, by position
    head, rest = picked[0], sorted(picked[1:], key=lambda i: (cands[i][1], cands[i][0].id))
    kept: list[int] = []
    for i in [head, *rest]:
        if not _repeats(cands[i][2], [cands[k][2] for k in kept]):
            kept.append(i)
    return [SummarySentence(cands[i][2], cands[i][0].id, cands[i][0].url, cands[i][0].source, cands[i][0].lang)
            for i in kept]


# -- abstractive (optional) --------------------------------------------------------------------------


@dataclass(frozen=True)
class LLMConfig:
    endpoint: str  # base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    timeout: float = 30.0


_PROMPT = {
    "fr": "Résume en 2 à 3 phrases, en français, l'événement raconté par ces articles. Termine chaque "
          "phrase par le numéro de l'article qui l'atteste, entre crochets, par exemple [1]. N'invente rien.",
    "en": "Summarise in 2 to 3 sentences, in English, the event these articles report. End each sentence "
          "with the number of the article that supports it in square brackets, e.g. [1]. Invent nothing.",
}
# "... [2]." or "... . [2]": the citation closes the sentence, before or after its full stop
_CITED = re.compile(r"\s*\[(\d+)\]\s*([.!?…]?)\s*$")


def abstractive(sources: list[Source], lang: str, config: LLMConfig) -> list[SummarySentence] | None:
    """A rewritten summary whose every sentence cites one of `sources`, or None to fall back."""
    numbered = "\n\n".join(
        f"[{n}] {s.title} ({s.source}, {s.lang})\n{' '.join(sentences(s.text, 6))}" for n, s in enumerate(sources, 1)
    )
    body = {
        "model": config.model,
        "temperature": 0.2,
        "messages": [{"role": "system", "content": _PROMPT.get(lang, _PROMPT["en"])},
                     {"role": "user", "content": numbered}],
    }
    req = urllib.request.Request(
        config.endpoint.rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {config.api_key}"} if config.api_key else {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=config.timeout) as resp:
            reply = json.loads(resp.read().decode("utf-8"))
        content = reply["choices"][0]["message"]["content"]
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning("abstractive summary failed (%s): using the extractive one", exc)
        return None
    out = []
    for sent in sentences(content, 6):
        m = _CITED.search(sent)
        n = int(m.group(1)) if m else 0
        if not 1 <= n <= len(sources):
            log.warning("abstractive summary has a sentence without a valid citation: using the extractive one")
            return None
        src = sources[n - 1]
        text = sent[: m.start()].strip()
        if not text.endswith((".", "!", "?", "…")):
            text += m.group(2) or "."
        out.append(SummarySentence(text, src.id, src.url, src.source, lang))
    return out or None


def summarise(sources: list[Source], lang: str, embed: Callable[[list[str]], np.ndarray],
              centroid: np.ndarray | None = None, llm: LLMConfig | None = None) -> list[SummarySentence]:
    """The summary of one story: abstractive when configured and it succeeds, else extractive."""
    if llm is not None:
        got = abstractive(sources, lang, llm)
        if got:
            return got
    return extractive(sources, lang, embed, centroid)
