"""The cluster's last item pipeline: each extracted article goes to the articles stream.

It takes the place of `crawler.pipelines.StorePipeline` in a cluster crawl job (see
`crawler.cluster.job`); the writer stores what it sends. XADD is synchronous and quick on
the reactor thread (one round trip), and once it returns the article is Redis's to keep:
the job can be acknowledged as soon as the crawl process ends. The article's URL claim is
marked handed on in the same transaction.
"""
from __future__ import annotations

import base64
import json
from dataclasses import asdict

from scrapy.exceptions import NotConfigured

from db.records import NewArticle


def article_fields(item: NewArticle) -> dict[str, str]:
    """The stream fields of an article: `db.records.NewArticle`'s fields as JSON."""
    data = asdict(item)
    data.pop("duplicate_of", None)  # the writer's to find
    data["minhash"] = base64.b64encode(item.minhash).decode("ascii") if item.minhash else None
    return {"kind": "article", "data": json.dumps(data, ensure_ascii=False)}


class StreamPipeline:
    """NewArticle → XADD to the articles stream named by VEILLE_CLUSTER_REDIS / VEILLE_CLUSTER_PREFIX."""

    def __init__(self, crawler, url: str, prefix: str):
        from crawler.cluster import Keys, connect

        self.crawler = crawler
        self.redis = connect(url)
        keys = Keys(prefix)
        self.stream = keys.articles
        self.claim_prefix = keys.claim("")

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("VEILLE_CLUSTER_REDIS")
        if not url:
            raise NotConfigured("VEILLE_CLUSTER_REDIS is not set: not a cluster crawl")
        return cls(crawler, url, crawler.settings.get("VEILLE_CLUSTER_PREFIX") or "veille")

    def process_item(self, item):
        if not isinstance(item, NewArticle):
            return item
        fields = article_fields(item)
        pipe = self.redis.pipeline(transaction=True)
        pipe.xadd(self.stream, fields)
        # handed on: a job taken over from this worker must not claim (and fetch) it again before
        # the writer has stored it; the claim's lease still bounds how long it is kept off
        pipe.set(self.claim_prefix + item.url_key, "handed", xx=True, keepttl=True)
        pipe.execute()
        self.crawler.stats.inc_value("veille/articles_handed_on")
        return item
