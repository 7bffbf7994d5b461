"""Story clustering quality on a labelled fixture week: pairwise precision and recall (JSON).

    python benchmarks/cluster_quality.py [--fixture benchmarks/data/cluster_week.json] [--sweep]
    python benchmarks/cluster_quality.py --fixture benchmarks/data/cluster_week_heldout.json --sweep

The fixture holds the same events told by several outlets in French and English, near-misses
(same entities, different event) and a wire copy. The held-out week was written after the
defaults were set and is never used to tune them: it says whether they carry over. Clustering uses the production defaults of
`digests.stories.ClusterParams` and the multilingual USE encoder; `--sweep` also prints the
figures for a range of thresholds so a change of default can be judged, not guessed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digests.stories import ClusterParams, Item, cluster, day_number, pairwise_scores  # noqa: E402
from nlp.embed import article_text as item_text  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixture", default=str(HERE / "data" / "cluster_week.json"))
    ap.add_argument("--encoder", default="use")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()

    from nlp.embed import get_encoder

    arts = json.loads(Path(args.fixture).read_text("utf-8"))["articles"]
    encoder = get_encoder(args.encoder)
    t0 = time.perf_counter()
    vectors = encoder.encode([item_text(a["title"], a["text"]) for a in arts])
    embed_s = time.perf_counter() - t0
    items = [Item(id=a["id"], entities=frozenset(a["entities"]), day=day_number(a["published"]), source=a["source"])
             for a in arts]
    gold = {a["id"]: a["story"] for a in arts}

    def run(params: ClusterParams) -> tuple[dict, list[list[int]]]:
        groups = [[items[i].id for i in c.members] for c in cluster(items, vectors, params)]
        return pairwise_scores(groups, gold), groups

    base = ClusterParams()
    t0 = time.perf_counter()
    scores, groups = run(base)
    cluster_s = time.perf_counter() - t0
    # the entity bonus and time penalty are what the embeddings alone would miss: show both
    embeddings_only, _ = run(replace(base, entity_weight=0.0, day_penalty=0.0))
    out = {
        "benchmark": "cluster_quality",
        "cores": os.cpu_count(),
        "encoder": encoder.name,
        "articles": len(arts),
        "stories": len(set(gold.values())),
        "threshold": base.threshold,
        **scores,
        "embeddings_only": embeddings_only,
        "predicted_stories": len(groups),
        "wrong_groups": [g for g in groups if len({gold[i] for i in g}) > 1],
        "split_stories": sorted({gold[g[0]] for g in groups
                                 if sum(1 for h in groups if gold[h[0]] == gold[g[0]]) > 1}),
        "embed_s": round(embed_s, 3),
        "cluster_s": round(cluster_s, 4),
    }
    if args.sweep:
        out["sweep"] = {f"{t:.2f}": run(replace(base, threshold=t))[0] for t in
                        [x / 100 for x in range(40, 86, 3)]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
