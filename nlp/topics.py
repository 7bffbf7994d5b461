"""Watch topics and how much an article is about each: embeddings plus keywords.

A topic has descriptions (a few sentences per language) and keywords (a list per language,
plus names that read the same in every language). The default topics are data, in
`nlp/data/topics.toml`, for the eight analysed languages. An article's score for a topic mixes
two signals, each in 0..1:

- similarity: the best cosine between the article's embedding (title and lead) and the
  topic's descriptions in the article's language and in English, rescaled so that unrelated
  text sits near 0 and text about the topic near 1. The encoder is multilingual, so a Polish
  article is close to the English description too;
- keywords: distinct keywords found (a keyword in the title counts twice), saturating. Only
  the article's own language's keywords and the names are looked for: a word of one language
  is often a different word in another (Dutch "wet" is a law, English "wet" the weather).

Neither alone is enough: keywords miss paraphrases ("the government signed a deal with the
lab"), embeddings rate any text about technology as slightly related. The score is their
weighted mean; an article is on-topic when its best score reaches `ON_TOPIC`. Scores are
comparable across topics, so `relevance` (the best one) ranks articles.
"""
from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

from nlp.embed import article_text
from nlp.errors import VeilleError
from nlp.kb import is_acronym, normalise
from nlp.language import ANALYSED, detect

log = logging.getLogger(__name__)

# Checked with the multilingual USE on the sample site, the fixture week of
# benchmarks/data/cluster_week.json and the six-language set benchmarks/data/topics_languages.json
# (`python benchmarks/topics_quality.py`): off-topic articles mostly stay under 0.4 (two of 33
# do not). With these weights the encoder alone puts an article on a topic only when it is very
# close to a description (rescaled similarity >= 0.73); otherwise a keyword is needed.
ON_TOPIC = 0.4
WEIGHT_EMBEDDING = 0.55
SIM_FLOOR, SIM_CEIL = 0.12, 0.50  # cosine rescaled to 0..1 between these
KEYWORD_HALF = 2.0  # weighted distinct keyword hits that give a keyword score of 0.5


class TopicError(VeilleError, ValueError):
    """A topic definition that cannot be used (from veille.toml)."""


@dataclass(frozen=True)
class Topic:
    name: str  # stable key stored in article_topics.topic and given to --topic
    descriptions: dict[str, tuple[str, ...]]  # lang ("any": written for every language) -> sentences
    # lang -> keywords matched only in articles of that language; "any": names matched everywhere.
    # A plain sequence is taken as "any" (the pre-language form of a topic).
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict, hash=False, compare=False)  # lang -> display name

    def __post_init__(self):
        if not isinstance(self.keywords, dict):
            object.__setattr__(self, "keywords", {"any": tuple(self.keywords)} if self.keywords else {})

    def all_descriptions(self) -> list[str]:
        return [s for sents in self.descriptions.values() for s in sents]

    def keywords_for(self, lang: str | None) -> tuple[str, ...]:
        """The keywords that may fire in an article in `lang`: its own language's list (English's
        when the topic has none for `lang`, English being what tech news borrows) and the names."""
        own = self.keywords.get(lang) if lang in self.keywords else self.keywords.get("en", ())
        return tuple(self.keywords.get("any", ())) + tuple(own or ())

    def description_langs_for(self, lang: str | None) -> set[str]:
        """Languages of the descriptions an article in `lang` is compared with: its own, English
        and the language-free ones; all of them when the topic has none of those."""
        wanted = {lang, "en", "any"} & set(self.descriptions)
        return wanted or set(self.descriptions)


@dataclass
class TopicScore:
    topic: str
    score: float
    similarity: float  # rescaled embedding similarity, 0..1 (0 without an encoder)
    keywords: list[str]  # the keywords found


@dataclass
class ArticleTopics:
    scores: list[TopicScore]  # one per topic, best first

    @property
    def relevance(self) -> float:
        return self.scores[0].score if self.scores else 0.0

    @property
    def on_topic(self) -> bool:
        return self.relevance >= ON_TOPIC

    def as_dict(self) -> dict[str, float]:
        return {s.topic: round(s.score, 4) for s in self.scores}


DATA = "topics.toml"  # under nlp/data: the default topics, one table per topic, one sub-table per language


def _data_topic(name: str, table: dict) -> Topic:
    names = table.get("names", [])
    if not isinstance(names, list) or not all(isinstance(k, str) for k in names):
        raise TopicError(f"nlp/data/{DATA}: [{name}] names must be a list of strings")
    descriptions, keywords, label = {}, {"any": tuple(names)}, {}
    for lang, block in table.items():
        if lang == "names":
            continue
        if not isinstance(block, dict) or {"label", "description", "keywords"} - set(block):
            raise TopicError(f"nlp/data/{DATA}: [{name}.{lang}] needs label, description and keywords")
        label[lang] = block["label"]
        descriptions[lang] = tuple(block["description"])
        keywords[lang] = tuple(block["keywords"])
    return Topic(name, descriptions, keywords, label)


@cache
def default_topics() -> tuple[Topic, ...]:
    """The shipped watch topics, read once per process from `nlp/data/topics.toml`."""
    text = (resources.files("nlp") / "data" / DATA).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicError(f"nlp/data/{DATA}: {exc}") from None
    return tuple(_data_topic(name, table) for name, table in data.items())


DEFAULT_TOPICS: tuple[Topic, ...] = default_topics()


def topic_label(name: str, lang: str) -> str:
    """Display name of topic `name` in `lang`: a default topic's label, else the name itself."""
    for t in DEFAULT_TOPICS:
        if t.name == name:
            return t.label.get(lang) or t.label.get("en") or name
    return name


# ------------------------------------------------------------------ configuration
def parse_topics(items: Iterable[dict] | None) -> list[Topic]:
    """Topics from veille.toml `[[topic]]` tables; the defaults when there are none.

    A table has `name`, descriptions as `description` (string or list, any language) and/or
    `description_<code>` for an analysed language (`description_fr`, `description_de`, ...),
    keywords as `keywords` (matched in articles of every language) and/or `keywords_<code>`
    (matched only in articles in that language), and an optional `label`. Configured topics
    replace the default list: a team watches its own subjects.
    """
    items = list(items or [])
    if not items:
        return list(DEFAULT_TOPICS)
    topics: list[Topic] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise TopicError(f"[[topic]] #{n}: expected a table, got {type(item).__name__}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TopicError(f"[[topic]] #{n}: 'name' is required")
        name = name.strip()
        if name in seen:
            raise TopicError(f"[[topic]] {name!r} is defined twice")
        seen.add(name)
        topics.append(_configured_topic(name, item))
    return topics


# the keys of a [[topic]] table, with the language each per-language key is for
_PER_LANG = {f"{field}_{code}": code for field in ("description", "keywords") for code in ANALYSED}


def _configured_topic(name: str, item: dict) -> Topic:
    unknown = set(item) - {"name", "keywords", "description", "label", *_PER_LANG}
    if unknown:
        raise TopicError(f"[[topic]] {name!r}: unknown keys {', '.join(sorted(unknown))} (per-language keys "
                         f"are description_<code> and keywords_<code> for {', '.join(ANALYSED)})")
    descriptions: dict[str, tuple[str, ...]] = {}
    keywords: dict[str, tuple[str, ...]] = {}
    for key, value in item.items():
        if key.startswith("description"):
            sents = [value] if isinstance(value, str) else value
            if not isinstance(sents, list) or not sents or not all(isinstance(s, str) and s.strip() for s in sents):
                raise TopicError(f"[[topic]] {name!r}: {key} must be a string or a list of strings")
            descriptions[_PER_LANG.get(key, "any")] = tuple(s.strip() for s in sents)
        elif key.startswith("keywords"):
            if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
                raise TopicError(f"[[topic]] {name!r}: {key} must be a list of strings")
            keywords[_PER_LANG.get(key, "any")] = tuple(k.strip() for k in value)
    if not descriptions and not any(keywords.values()):
        raise TopicError(f"[[topic]] {name!r}: give a description or keywords")
    label = item.get("label")
    return Topic(name, descriptions, keywords, {"any": label} if isinstance(label, str) else {})


# ------------------------------------------------------------------ keywords
class _KeywordMatcher:
    """Whole-word keyword search: acronyms case-exact ("AI", "GPU"), the rest accent- and case-free."""

    def __init__(self, keywords: Sequence[str]):
        exact = [k for k in keywords if is_acronym(k)]
        loose = [k for k in keywords if not is_acronym(k)]
        self._names: dict[str, str] = {}
        for k in exact:
            self._names[k] = k
        for k in loose:
            self._names.setdefault(_norm(k), k)
        self._exact = self._compile(exact)
        self._loose = self._compile([_norm(k) for k in loose])

    @staticmethod
    def _compile(words: list[str]) -> re.Pattern | None:
        if not words:
            return None
        alts = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")

    def find(self, text: str, normed: str) -> set[str]:
        found: set[str] = set()
        if self._exact is not None:
            found |= {self._names[m.group()] for m in self._exact.finditer(text)}
        if self._loose is not None:
            found |= {self._names[m.group()] for m in self._loose.finditer(normed)}
        return found


def _norm(s: str) -> str:
    # the knowledge base's key (casefolded, accent-free, hyphens as spaces); lookarounds in the
    # patterns give the word boundaries
    return normalise(s)


def keyword_score(hits_body: int, hits_title: int) -> float:
    """0..1 from distinct keyword hits; a title hit weighs double; 0.5 at `KEYWORD_HALF`."""
    weighted = hits_body + 2 * hits_title
    return 1.0 - math.pow(0.5, weighted / KEYWORD_HALF)


def rescale_similarity(cos: np.ndarray | float) -> np.ndarray | float:
    """Cosine mapped to 0..1 between SIM_FLOOR (unrelated) and SIM_CEIL (plainly about it)."""
    return np.clip((np.asarray(cos) - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR), 0.0, 1.0)


# ------------------------------------------------------------------ scoring
class TopicScorer:
    """Scores articles against a fixed list of topics with one encoder (or keywords only).

    `embed(texts) -> np.ndarray` (L2-normalised rows) is the encoder's cached call; the topic
    descriptions go through it once, when the scorer is built. An article is compared with a
    topic's descriptions in its own language and in English, and only its own language's
    keywords (and the names) can fire in it: see `Topic.keywords_for`.
    """

    def __init__(self, topics: Sequence[Topic] | None = None, embed=None):
        self.topics = list(topics if topics is not None else DEFAULT_TOPICS)
        if not self.topics:
            raise TopicError("no topics to score")
        self._embed = embed
        self._matchers: dict[tuple[int, str | None], _KeywordMatcher] = {}
        self._desc_vecs: list[np.ndarray | None] | None = None
        self._desc_langs: list[np.ndarray] = []  # per topic, the language of each description row
        if embed is not None:
            self._desc_vecs = []
            for t in self.topics:
                sents = t.all_descriptions()
                self._desc_vecs.append(embed(sents) if sents else None)
                self._desc_langs.append(np.array([lang for lang, ss in t.descriptions.items() for _ in ss]))

    @property
    def uses_embeddings(self) -> bool:
        return self._embed is not None

    def _matcher(self, j: int, lang: str | None) -> _KeywordMatcher:
        key = (j, lang)
        if key not in self._matchers:
            self._matchers[key] = _KeywordMatcher(self.topics[j].keywords_for(lang))
        return self._matchers[key]

    def score(self, titles: Sequence[str | None], texts: Sequence[str], vectors: np.ndarray | None = None,
              langs: Sequence[str | None] | None = None) -> list[ArticleTopics]:
        """One `ArticleTopics` per article; `vectors` are the articles' embeddings when known,
        `langs` their languages (as the analysis found them; detected here when not given)."""
        if len(titles) != len(texts):
            raise ValueError("titles and texts differ in length")
        if langs is None:
            langs = [detect(article_text(ti, tx), candidates=ANALYSED) for ti, tx in zip(titles, texts)]
        elif len(langs) != len(texts):
            raise ValueError("langs and texts differ in length")
        if vectors is None and self._embed is not None and texts:
            vectors = self._embed([article_text(ti, tx) for ti, tx in zip(titles, texts)])
        sims = self._similarities(vectors, langs)
        w = WEIGHT_EMBEDDING if self._embed is not None else 0.0
        out = []
        for i, (title, text, lang) in enumerate(zip(titles, texts, langs)):
            title = title or ""
            body_n, title_n = _norm(text), _norm(title)
            scores = []
            for j, topic in enumerate(self.topics):
                matcher = self._matcher(j, lang)
                in_title = matcher.find(title, title_n)
                in_body = matcher.find(text, body_n) - in_title
                kw = keyword_score(len(in_body), len(in_title))
                sim = float(sims[i, j])
                if self._desc_vecs is not None and self._desc_vecs[j] is None:
                    total = kw  # a keywords-only topic in an embedding run
                else:
                    total = w * sim + (1 - w) * kw
                scores.append(TopicScore(topic.name, round(total, 4), round(sim, 4), sorted(in_title | in_body)))
            scores.sort(key=lambda s: (-s.score, s.topic))
            out.append(ArticleTopics(scores))
        return out

    def _similarities(self, vectors: np.ndarray | None, langs: Sequence[str | None]) -> np.ndarray:
        n = len(langs)
        sims = np.zeros((n, len(self.topics)), dtype=np.float32)
        if vectors is None or self._desc_vecs is None or n == 0:
            return sims
        for j, (topic, desc) in enumerate(zip(self.topics, self._desc_vecs)):
            if desc is None or not len(desc):
                continue
            cos = vectors @ desc.T
            for lang in set(langs):
                rows = [i for i, lg in enumerate(langs) if lg == lang]
                cols = np.isin(self._desc_langs[j], sorted(topic.description_langs_for(lang)))
                sims[rows, j] = rescale_similarity(cos[np.ix_(rows, np.flatnonzero(cols))].max(axis=1))
        return sims
