"""Texts per second of the embedding backends, by batch size, and of a cache hit.

Texts: the paragraphs (>= 40 characters) of modern French news: the French full-text gold
bodies of the extraction corpus and the nlp_gold articles, cycled to `--texts`. Backends:
`use` (multilingual Universal Sentence Encoder, numpy) and `st:minilm` (the packaged
all-MiniLM-L6-v2 through sentence-transformers). `--device cuda` runs sentence-transformers
on a GPU when one is there; without one the CPU is used and the JSON says so. The cache
figure is `nlp.embed.embed_cached` on a temporary migrated database: the first call computes
and stores every vector, the second finds them all by content hash.

    python benchmarks/embed_throughput.py [--texts 512] [--batch-sizes 16,64,256] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def paragraphs(n: int) -> list[str]:
    from benchmarks.nlp_throughput import modern_texts

    paras = [p.strip() for t in modern_texts() for p in t.split("\n") if len(p.strip()) >= 40]
    return [paras[i % len(paras)] for i in range(n)]


def resolve_device(asked: str) -> str:
    """`asked`, or "cpu" when CUDA was asked for and torch sees no GPU."""
    if asked.startswith("cuda"):
        try:
            import torch

            if torch.cuda.is_available():
                return asked
        except ImportError:
            pass
        return "cpu"
    return asked


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=512)
    ap.add_argument("--batch-sizes", default="16,64,256")
    ap.add_argument("--backends", default="st:minilm,use")
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N] (sentence-transformers only)")
    args = ap.parse_args(argv)

    from nlp.embed import embed_cached, get_encoder

    texts = paragraphs(args.texts)
    device = resolve_device(args.device)
    res: dict = {"benchmark": "embed_throughput", "texts": len(texts),
                 "mean_chars": round(sum(map(len, texts)) / len(texts)),
                 "device_asked": args.device, "device": device, "backends": {}}
    if device.startswith("cuda"):
        import torch

        res["gpu"] = torch.cuda.get_device_name(torch.device(device))
    for spec in args.backends.split(","):
        t0 = time.perf_counter()
        enc = get_encoder(spec, device=device)
        enc.encode(texts[:8])  # warm-up (and USE's lazy load): first-call allocations, graph set-up
        load_s = time.perf_counter() - t0
        by_batch = {}
        for bs in (int(b) for b in args.batch_sizes.split(",")):
            t0 = time.perf_counter()
            enc.encode(texts, batch_size=bs)
            by_batch[str(bs)] = round(len(texts) / (time.perf_counter() - t0), 1)
        res["backends"][spec] = {"model": enc.name, "dim": enc.dim, "load_s": round(load_s, 1),
                                 "texts_per_s_by_batch": by_batch, "best_texts_per_s": max(by_batch.values())}

    # cache: compute-and-store, then all hits (USE, the default backend)
    from db.schema import connect, migrate

    enc = get_encoder("use")
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(str(Path(tmp) / "embed.db"))
        migrate(db)
        t0 = time.perf_counter()
        embed_cached(db, enc, texts)
        miss_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        embed_cached(db, enc, texts)
        hit_s = time.perf_counter() - t0
        distinct = db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        db.conn.close()
    res["cache"] = {"backend": "use", "distinct_texts": distinct,
                    "first_call_texts_per_s": round(len(texts) / miss_s, 1),
                    "cached_texts_per_s": round(len(texts) / hit_s, 1),
                    "speedup": round(miss_s / hit_s, 1)}
    res["cores"] = os.cpu_count()
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
