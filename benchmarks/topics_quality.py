"""On/off-topic marking against labelled articles: keywords alone vs keywords plus embeddings.

Two labelled sets:
- the sample site (crawler/demo/site): its manifest says which articles are on the watch topics;
- the fixture week (benchmarks/data/cluster_week.json): labels per story below, by our reading
  of the default topics (partnerships, policy, funding, compute, public programmes). Product
  launches (ChatGPT agent, Voxtral, Lumo) are about AI but on none of those topics: off.

Prints JSON: accuracy, precision and recall of `on_topic` at the shipped threshold, for each
scorer, with the articles it gets wrong.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WEEK_ON_TOPIC = {
    "uk-openai-mou": True, "stargate-oracle": True, "meta-gpai-code": True, "gpai-guidelines": True,
    "us-ai-action-plan": True, "uk-compute-roadmap": True, "nvidia-h20-china": True, "amazon-bee": True,
    "chatgpt-agent": False, "mistral-voxtral": False, "proton-lumo": False,
}


def labelled() -> list[dict]:
    """(title, text, on_topic, set) of every labelled article."""
    from crawler.demo.server import fill, site_root
    from nlp.extract import extract_article

    out = []
    manifest = json.loads((site_root() / "manifest.json").read_text("utf-8"))
    for page in manifest:
        if page.get("missing"):
            continue
        html = fill((site_root() / page["outlet"] / page["path"].lstrip("/")).read_text("utf-8"), {})
        art = extract_article(html, None, min_chars=1)
        out.append({"title": art.title, "text": art.text, "on": bool(page["on_topic"]), "set": "sample site"})
    week = json.loads((Path(__file__).parent / "data" / "cluster_week.json").read_text("utf-8"))
    for a in week["articles"]:
        out.append({"title": a["title"], "text": a["text"], "on": WEEK_ON_TOPIC[a["story"]], "set": "fixture week"})
    return out


def evaluate(scorer, items: list[dict]) -> dict:
    t0 = time.perf_counter()
    results = scorer.score([i["title"] for i in items], [i["text"] for i in items])
    seconds = time.perf_counter() - t0
    tp = sum(r.on_topic and i["on"] for r, i in zip(results, items))
    fp = sum(r.on_topic and not i["on"] for r, i in zip(results, items))
    fn = sum(not r.on_topic and i["on"] for r, i in zip(results, items))
    right = sum(r.on_topic == i["on"] for r, i in zip(results, items))
    return {
        "accuracy": round(right / len(items), 3), "precision": round(tp / max(tp + fp, 1), 3),
        "recall": round(tp / max(tp + fn, 1), 3), "articles": len(items), "seconds": round(seconds, 2),
        "wrong": [{"title": i["title"][:70], "labelled_on": i["on"], "relevance": round(r.relevance, 3),
                   "best": r.scores[0].topic} for r, i in zip(results, items) if r.on_topic != i["on"]],
    }


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from nlp.embed import get_encoder
    from nlp.topics import ON_TOPIC, TopicScorer

    items = labelled()
    encoder = get_encoder("use")
    report = {
        "benchmark": "topics_quality", "cores": os.cpu_count(), "threshold": ON_TOPIC,
        "on_topic_labelled": sum(i["on"] for i in items), "off_topic_labelled": sum(not i["on"] for i in items),
        "keywords_only": evaluate(TopicScorer(), items),
        "keywords_and_use": evaluate(TopicScorer(embed=encoder.encode), items),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
