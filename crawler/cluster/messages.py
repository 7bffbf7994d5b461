"""What the streams carry, as JSON: analyses and topic scores there and back, articles to the writer.

JSON rather than pickle: a message read from Redis is data, never code to run.
"""
from __future__ import annotations

import base64
import json
from dataclasses import asdict

from db.records import NewArticle
from nlp.types import AmountMention, Analysis, DateMention, Deal, DealParty, EntityMention


def new_article(data: dict) -> NewArticle:
    """The `db.records.NewArticle` of an article message (see `crawler.cluster.pipelines.article_fields`)."""
    data = dict(data)
    data["minhash"] = base64.b64decode(data["minhash"]) if data.get("minhash") else None
    return NewArticle(**data)


def analysis_to_json(analysis: Analysis) -> dict:
    return asdict(analysis)


def analysis_from_json(d: dict) -> Analysis:
    d = dict(d)
    d["entities"] = [EntityMention(**m) for m in d.get("entities", [])]
    d["dates"] = [DateMention(**m) for m in d.get("dates", [])]
    d["amounts"] = [AmountMention(**m) for m in d.get("amounts", [])]
    d["deals"] = [_deal(m) for m in d.get("deals", [])]
    return Analysis(**d)


def _deal(d: dict) -> Deal:
    """A `Deal` from `dataclasses.asdict` (the whole record, not `Deal.to_json`'s summary)."""
    d = dict(d)
    d["parties"] = [DealParty(**p) for p in d.get("parties", [])]
    d["amount"] = AmountMention(**d["amount"]) if d.get("amount") else None
    d["date"] = DateMention(**d["date"]) if d.get("date") else None
    return Deal(**d)


def topics_to_json(topics) -> list | None:
    return None if topics is None else [asdict(s) for s in topics.scores]


def topics_from_json(scores: list | None):
    if scores is None:
        return None
    from nlp.topics import ArticleTopics, TopicScore

    return ArticleTopics(scores=[TopicScore(**s) for s in scores])


def analysis_fields(article_id: int, analysis: Analysis, topics, embeddings: dict[str, tuple[str, bytes]]) -> dict:
    """One analyses-stream message: the article's analysis, topic scores, and new embedding vectors
    ({text key: (model, float32 bytes)}) for the writer's cache table."""
    vectors = {k: [m, base64.b64encode(v).decode("ascii")] for k, (m, v) in embeddings.items()}
    return {"id": str(article_id), "analysis": json.dumps(analysis_to_json(analysis), ensure_ascii=False),
            "topics": json.dumps(topics_to_json(topics)), "embeddings": json.dumps(vectors)}


def read_analysis(fields: dict) -> tuple[int, Analysis, object, dict[str, tuple[str, bytes]]]:
    vectors = json.loads(fields.get(b"embeddings", b"{}"))
    return (int(fields[b"id"]), analysis_from_json(json.loads(fields[b"analysis"])),
            topics_from_json(json.loads(fields[b"topics"])),
            {k: (m, base64.b64decode(v)) for k, (m, v) in vectors.items()})
