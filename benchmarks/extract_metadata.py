"""Cost of article metadata (title, date, author): veille's steps vs trafilatura's public API.

`nlp.extract._metadata` runs the steps of `trafilatura.extract_metadata` that give the fields
veille stores; the public function also computes sitename, categories, tags and licence.
Over the shared extraction corpus (../shared/corpus/extraction), each page parsed once, this
times both (best of REPEAT passes), the text extraction for scale, and counts pages where the
two disagree on title, date or author. Prints JSON.

    python benchmarks/extract_metadata.py [--limit N] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_throughput import load_pages


def best(fn, trees, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for tree, url in trees:
            fn(tree, url)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "extraction"))
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    import trafilatura
    from trafilatura.utils import load_html

    from nlp.extract import _metadata, decode_html

    pages = load_pages(Path(args.corpus))
    if args.limit:
        pages = pages[: args.limit]
    trees = [(load_html(decode_html(raw)), f"https://example.org/{pid}.html") for pid, raw in pages]
    trees = [(t, u) for t, u in trees if t is not None]

    def public(tree, url):
        doc = trafilatura.extract_metadata(tree, default_url=url, extensive=False)
        return doc.title or None, doc.date or None, doc.author or None

    def text(tree, url):
        trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True,
                                    with_metadata=False, deduplicate=False)

    ours_s = best(_metadata, trees, args.repeat)
    public_s = best(public, trees, args.repeat)
    text_s = best(text, trees, 1)
    differ = sum(1 for tree, url in trees if _metadata(tree, url) != public(tree, url))
    print(json.dumps({
        "pages": len(trees), "cpu_count": os.cpu_count(),
        "text_extraction_ms_per_page": round(1000 * text_s / len(trees), 2),
        "metadata_ours_ms_per_page": round(1000 * ours_s / len(trees), 2),
        "metadata_public_api_ms_per_page": round(1000 * public_s / len(trees), 2),
        "public_over_ours": round(public_s / ours_s, 2),
        "pages_where_fields_differ": differ,
    }, indent=2))


if __name__ == "__main__":
    main()
