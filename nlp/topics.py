"""Watch topics and how much an article is about each: embeddings plus keywords.

A topic has descriptions (a few sentences per language) and keywords. An article's score for
a topic mixes two signals, each in 0..1:

- similarity: the best cosine between the article's embedding (title and lead) and the
  topic's description embeddings, rescaled so that unrelated text sits near 0 and text about
  the topic near 1. The multilingual encoder puts French and English in one space, so a French
  article is close to the English description too;
- keywords: distinct keywords found (a keyword in the title counts twice), saturating.

Neither alone is enough: keywords miss paraphrases ("the government signed a deal with the
lab"), embeddings rate any text about technology as slightly related. The score is their
weighted mean; an article is on-topic when its best score reaches `ON_TOPIC`. Scores are
comparable across topics, so `relevance` (the best one) ranks articles.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.embed import article_text
from nlp.errors import VeilleError
from nlp.kb import is_acronym, normalise

log = logging.getLogger(__name__)

# Checked with the multilingual USE on the sample site and the fixture week of
# benchmarks/data/cluster_week.json (`python benchmarks/topics_quality.py`): off-topic articles
# stay under 0.4. With these weights the encoder alone puts an article on a topic only when it
# is very close to a description (rescaled similarity >= 0.73); otherwise a keyword is needed.
ON_TOPIC = 0.4
WEIGHT_EMBEDDING = 0.55
SIM_FLOOR, SIM_CEIL = 0.12, 0.50  # cosine rescaled to 0..1 between these
KEYWORD_HALF = 2.0  # weighted distinct keyword hits that give a keyword score of 0.5


class TopicError(VeilleError, ValueError):
    """A topic definition that cannot be used (from veille.toml)."""


@dataclass(frozen=True)
class Topic:
    name: str  # stable key stored in article_topics.topic and given to --topic
    descriptions: dict[str, tuple[str, ...]]  # lang -> sentences
    keywords: tuple[str, ...] = ()
    label: dict[str, str] = field(default_factory=dict, hash=False, compare=False)  # lang -> display name

    def all_descriptions(self) -> list[str]:
        return [s for sents in self.descriptions.values() for s in sents]


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


def _t(name, label_fr, label_en, fr, en, keywords) -> Topic:
    return Topic(name, {"fr": tuple(fr), "en": tuple(en)}, tuple(keywords), {"fr": label_fr, "en": label_en})


DEFAULT_TOPICS: tuple[Topic, ...] = (
    _t("ai-partnerships", "Partenariats IA", "AI partnerships",
       ["Une entreprise d'intelligence artificielle signe un partenariat avec une autre entreprise ou un gouvernement.",
        "Accord de collaboration, protocole d'accord ou alliance autour de l'IA générative entre des acteurs.",
        "OpenAI, Mistral AI ou Anthropic s'associent à un groupe pour déployer leurs modèles."],
       ["An artificial intelligence company signs a partnership with another company or a government.",
        "A collaboration agreement, memorandum of understanding or alliance around generative AI.",
        "OpenAI, Mistral AI or Anthropic team up with a group to deploy their models."],
       ["partenariat", "partenaire", "protocole d'accord", "accord", "alliance", "collaboration", "s'associe",
        "partnership", "partner", "memorandum of understanding", "agreement", "teams up", "joint venture",
        "Partnerschaft", "Kooperation", "Absichtserklärung"]),
    _t("ai-policy", "Politique et régulation de l'IA", "AI policy and regulation",
       ["Régulation de l'intelligence artificielle : règlement européen sur l'IA, obligations des fournisseurs de modèles.",
        "Politique publique de l'IA, loi, code de bonnes pratiques, autorité de contrôle et gouvernance des modèles.",
        "La Commission européenne et les gouvernements encadrent l'usage de l'IA."],
       ["Regulation of artificial intelligence: the EU AI Act and obligations for general-purpose model providers.",
        "AI policy, legislation, codes of practice, regulators and the governance of AI models.",
        "The European Commission and governments set rules for the use of AI."],
       ["AI Act", "règlement sur l'IA", "régulation", "réglementation", "législation", "loi", "code de bonnes pratiques",
        "gouvernance", "conformité", "CNIL", "régulateur", "regulation", "legislation", "regulator", "code of practice",
        "compliance", "governance", "policy", "export controls", "export restrictions", "export licences",
        "export licenses", "contrôles à l'exportation", "licences d'exportation", "Regulierung", "Verordnung", "Gesetz",
        "Exportkontrollen"]),
    _t("funding", "Financements et investissements", "Funding and investment",
       ["Une start-up lève des fonds : tour de table, levée de fonds, valorisation et investisseurs.",
        "Investissements dans l'intelligence artificielle, capital-risque, rachat et acquisition d'entreprises.",
        "Des millions ou des milliards d'euros investis dans l'IA."],
       ["A startup raises money: funding round, valuation and investors.",
        "Investment in artificial intelligence, venture capital, acquisitions of companies.",
        "Millions or billions of dollars invested in AI."],
       ["levée de fonds", "lève", "tour de table", "investissement", "investit", "investisseurs", "valorisation",
        "capital-risque", "financement", "rachat", "rachète", "acquisition", "acquiert", "funding round", "raises",
        "raised", "investment", "acquire", "acquired", "takeover",
        "investors", "valuation", "venture capital", "Series A", "Series B", "acquires", "Finanzierungsrunde",
        "Investition", "Milliarden", "milliards", "billion"]),
    _t("compute", "Calcul et centres de données", "Compute and data centres",
       ["Centres de données, supercalculateurs et puces pour l'intelligence artificielle.",
        "Capacité de calcul, processeurs graphiques (GPU), énergie et infrastructures du cloud pour l'IA.",
        "Construction d'un data center ou d'un campus de calcul."],
       ["Data centres, supercomputers and chips for artificial intelligence.",
        "Compute capacity, GPUs, energy and cloud infrastructure for AI.",
        "Building a data center or an AI compute campus."],
       ["centre de données", "centres de données", "data center", "data centre", "datacenter", "supercalculateur",
        "supercomputer", "GPU", "puce", "puces", "semi-conducteurs", "chip", "chips", "semiconductor", "semiconductors",
        "calcul", "compute",
        "cloud", "Nvidia", "gigawatt", "gigawatts", "mégawatts", "Rechenzentrum", "Rechenleistung", "Chips"]),
    _t("public-programmes", "Programmes publics", "Public programmes",
       ["Programme public de soutien : l'État, Bpifrance ou la Commission financent l'adoption de l'IA par les PME.",
        "Plan gouvernemental, appel à projets, France 2030, subventions et dispositifs d'accompagnement.",
        "Stratégie nationale pour l'intelligence artificielle et plan d'investissement de l'État."],
       ["A public support programme: the state or the Commission funds AI adoption by small businesses.",
        "A government plan, call for projects, grants and support schemes.",
        "A national AI strategy and a public investment plan."],
       ["programme", "appel à projets", "France 2030", "Bpifrance", "subvention", "dispositif", "plan",
        "stratégie nationale", "ministère", "gouvernement", "PME", "public programme", "grant", "scheme",
        "government", "national strategy", "Förderprogramm", "Förderung"]),
)


def topic_label(name: str, lang: str) -> str:
    """Display name of topic `name` in `lang`: a default topic's label, else the name itself."""
    for t in DEFAULT_TOPICS:
        if t.name == name:
            return t.label.get(lang) or t.label.get("en") or name
    return name


# ------------------------------------------------------------------ configuration
def parse_topics(items: Iterable[dict] | None) -> list[Topic]:
    """Topics from veille.toml `[[topic]]` tables; the defaults when there are none.

    A table has `name`, `keywords` (list) and descriptions as `description` (string or list,
    any language) and/or `description_fr`, `description_en`, `description_de`. Configured topics
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
        unknown = set(item) - {"name", "keywords", "description", "description_fr", "description_en",
                               "description_de", "label"}
        if unknown:
            raise TopicError(f"[[topic]] {name!r}: unknown keys {', '.join(sorted(unknown))}")
        descriptions: dict[str, tuple[str, ...]] = {}
        for key, lang in (("description", "any"), ("description_fr", "fr"), ("description_en", "en"),
                          ("description_de", "de")):
            value = item.get(key)
            if value is None:
                continue
            sents = [value] if isinstance(value, str) else value
            if not isinstance(sents, list) or not all(isinstance(s, str) and s.strip() for s in sents):
                raise TopicError(f"[[topic]] {name!r}: {key} must be a string or a list of strings")
            descriptions[lang] = tuple(s.strip() for s in sents)
        keywords = item.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
            raise TopicError(f"[[topic]] {name!r}: keywords must be a list of strings")
        if not descriptions and not keywords:
            raise TopicError(f"[[topic]] {name!r}: give a description or keywords")
        label = item.get("label")
        topics.append(Topic(name, descriptions, tuple(k.strip() for k in keywords),
                            {"any": label} if isinstance(label, str) else {}))
    return topics


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
    descriptions go through it once, when the scorer is built.
    """

    def __init__(self, topics: Sequence[Topic] | None = None, embed=None):
        self.topics = list(topics if topics is not None else DEFAULT_TOPICS)
        if not self.topics:
            raise TopicError("no topics to score")
        self._embed = embed
        self._matchers = [_KeywordMatcher(t.keywords) for t in self.topics]
        self._desc_vecs: list[np.ndarray] | None = None
        if embed is not None:
            self._desc_vecs = []
            for t in self.topics:
                sents = t.all_descriptions()
                self._desc_vecs.append(embed(sents) if sents else None)

    @property
    def uses_embeddings(self) -> bool:
        return self._embed is not None

    def score(self, titles: Sequence[str | None], texts: Sequence[str],
              vectors: np.ndarray | None = None) -> list[ArticleTopics]:
        """One `ArticleTopics` per article; `vectors` are the articles' embeddings when known."""
        if len(titles) != len(texts):
            raise ValueError("titles and texts differ in length")
        if vectors is None and self._embed is not None and texts:
            vectors = self._embed([article_text(ti, tx) for ti, tx in zip(titles, texts)])
        sims = self._similarities(vectors, len(texts))
        w = WEIGHT_EMBEDDING if self._embed is not None else 0.0
        out = []
        for i, (title, text) in enumerate(zip(titles, texts)):
            title = title or ""
            body_n, title_n = _norm(text), _norm(title)
            scores = []
            for j, (topic, matcher) in enumerate(zip(self.topics, self._matchers)):
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

    def _similarities(self, vectors: np.ndarray | None, n: int) -> np.ndarray:
        sims = np.zeros((n, len(self.topics)), dtype=np.float32)
        if vectors is None or self._desc_vecs is None or n == 0:
            return sims
        for j, desc in enumerate(self._desc_vecs):
            if desc is not None and len(desc):
                sims[:, j] = rescale_similarity((vectors @ desc.T).max(axis=1))
        return sims
