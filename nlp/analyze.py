"""One document in, one `Analysis` out: language, entities, dates and amounts.

Models are loaded once per process and documents go through `nlp.pipe` in batches, grouped
by language, so analysing a thousand articles costs one model load. The pipelines carry only
what NER needs (see `nlp.models`: tagger, parser, lemmatizer and the shared tok2vec are
excluded).

With `n_process > 1` the documents are split between worker processes, each holding its own
models (loaded once, when the worker starts) and running the whole stage — NER, linking,
dates and amounts — so the pure-Python rules run on every core too, not only the network. Only
the documents and their `Analysis` cross process boundaries. Workers are started with "spawn":
a forked copy of a process that already runs BLAS or encoder threads can deadlock.

Every `Analysis` says which layers ran (`layers`, `missing`): the eight languages with a data
file get entities (statistical when a model exists for them, else knowledge base and cue rules
only), dates and amounts; any other language is identified and kept, with every layer missing.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from nlp.language import ANALYSED, detect
from nlp.types import Analysis

log = logging.getLogger(__name__)


@dataclass
class Document:
    text: str
    title: str | None = None
    published: str | None = None  # ISO date; anchors relative dates
    author: str | None = None
    lang: str | None = None  # forced language; detected when None
    lang_hint: str | None = None  # the source's declared language: a prior for detection
    lang_hints: tuple[str, ...] = ()  # more declared languages (<html lang>, the feed's language)


def _anchor(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


WARM_TEXT = "Le 9 octobre 2024, OpenAI a annoncé 5 EUR et 10 %."


class Analyzer:
    """Holds the knowledge base and the per-language pipelines for a batch of documents.

    Use it as a context manager (or call `close()`) when `n_process > 1`: the worker pool
    lives as long as the analyzer, so models load once per worker, not once per batch.
    """

    def __init__(self, kb=None, *, size: str = "md", n_process: int = 1, batch_size: int = 32,
                 languages: Iterable[str] | None = None, trained: bool | None = None,
                 preload: Iterable[str] | None = None):
        """`languages`: the watch list's languages, the candidates of language detection (with
        the analysed ones); None: any European language. `trained`: use the shipped pipelines
        for French and English too (see `nlp.models`). `preload`: the languages whose
        pipelines each worker process builds when it starts (default: `languages`, else fr
        and en); the others are built on their first document."""
        from nlp.kb import default_kb

        if n_process < 1:
            raise ValueError(f"n_process must be at least 1, got {n_process}")
        self.kb = kb if kb is not None else default_kb()
        self.size = size
        self.languages = tuple(languages) if languages is not None else None
        self.trained = trained
        self.n_process = n_process
        self.batch_size = batch_size
        self.preload = tuple(preload) if preload is not None else (self.languages or ("fr", "en"))
        self._pool = None

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def analyze(self, doc: Document) -> Analysis:
        return self.analyze_many([doc])[0]

    def analyze_many(self, docs: list[Document]) -> list[Analysis]:
        """One `Analysis` per document, in order; spread over the workers when there are several."""
        if self.n_process > 1 and len(docs) > 1:
            return self._analyze_parallel(docs)
        return self._analyze_here(docs)

    def warm(self, langs: Iterable[str]) -> None:
        """Build, in this process, everything the analysis of `langs` needs: the pipeline and
        the date, money, deal and cue rules (each compiled on first use otherwise, together
        one to two seconds a language, which would fall inside the first batch)."""
        for lang in [c for c in langs if c in ANALYSED]:
            # a date, a sum, a name and a verb: every layer compiles its rules for the language
            self._analyze_here([Document(text=WARM_TEXT, lang=lang, published="2025-01-01")])

    def start(self) -> None:
        """Start the worker processes and return once every one has its models loaded.

        Optional (the first batch starts them too); useful before timing, and to pay the
        model loads before a long run rather than inside its first batch.
        """
        if self.n_process <= 1:
            return
        pool = self._workers()
        seen: set[int] = set()
        while len(seen) < self.n_process:  # a worker answers only after its initializer has run
            seen.update(pool.map(_worker_pid, [0.05] * self.n_process))

    def _workers(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self.n_process, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.kb, self.size, self.batch_size, self.languages, self.trained, self.preload))
        return self._pool

    def _analyze_parallel(self, docs: list[Document]) -> list[Analysis]:
        out: list[Analysis] = []
        for part in self._workers().map(_analyze_in_worker, _chunks(docs, self.n_process * 4)):
            out.extend(part)
        return out

    def _analyze_here(self, docs: list[Document]) -> list[Analysis]:
        results: list[Analysis] = []
        by_lang: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(docs):
            lang = d.lang or detect(d.text, hint=d.lang_hint, hints=d.lang_hints, candidates=self.languages)
            res = Analysis(lang=lang, title=d.title, published=d.published, author=d.author, text=d.text)
            results.append(res)
            if not d.text.strip():
                res.skipped = "empty text"
            elif lang not in ANALYSED:
                res.layers = {"entities": "none", "dates": False, "amounts": False}
                res.missing = ["entities", "dates", "amounts"]
                res.skipped = (f"language {lang or 'unknown'} has no analysis layers: no entities, dates or "
                               f"amounts (analysed languages: {', '.join(ANALYSED)})")
            else:
                by_lang[lang].append(i)
        for lang, idx in by_lang.items():
            self._analyze_language(lang, [docs[i] for i in idx], [results[i] for i in idx])
        return results

    def _analyze_language(self, lang: str, docs: list[Document], results: list[Analysis]) -> None:
        from nlp.amounts import find_amounts
        from nlp.dates import find_dates
        from nlp.deals import find_deals
        from nlp.entities import entities_from_doc
        from nlp.models import layers, spacy_pipeline

        nlp = spacy_pipeline(lang, kb=self.kb, size=self.size, trained=self.trained)
        pipeline = layers(nlp)
        found = {"entities": pipeline["entities"], **rule_layers(lang)}
        missing = [name for name in ("dates", "amounts") if not found[name]]
        if found["entities"] != "statistical":
            missing.insert(0, "ner")
        spacy_docs = nlp.pipe([d.text for d in docs], batch_size=self.batch_size)
        for d, res, sdoc in zip(docs, results, spacy_docs):
            anchor = _anchor(d.published)
            res.layers, res.missing = dict(found), list(missing)
            res.entities = entities_from_doc(sdoc, self.kb, drop_misc=pipeline["drop_misc"])
            res.dates = find_dates(res.text, lang, anchor) if found["dates"] else []
            res.amounts = find_amounts(res.text, lang, anchor) if found["amounts"] else []
            res.sentence_starts = _sentence_starts(sdoc)
            res.deals = find_deals(res, self.kb)  # reads the entities, amounts and sentences above


@cache
def rule_layers(lang: str) -> dict[str, bool]:
    """Whether the date and amount engines cover `lang`. Each engine owns its language list
    (its data files); asking it on one unambiguous example keeps this module out of its
    internals: an ISO date and an amount with an ISO currency code read the same everywhere."""
    from nlp.amounts import find_amounts
    from nlp.dates import find_dates

    return {"dates": bool(find_dates("2024-10-09", lang)),
            "amounts": any(a.kind == "money" for a in find_amounts("5 EUR", lang))}


def _sentence_starts(sdoc) -> list[int]:
    """Character offsets where sentences start, read from arrays (no walk over Token objects)."""
    if not sdoc.has_annotation("SENT_START") or not len(sdoc):
        return [0]
    from spacy.attrs import IDX, SENT_START

    arr = sdoc.to_array([SENT_START, IDX])
    starts = arr[arr[:, 0] == 1, 1].tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


# -- worker processes --------------------------------------------------------------------------

_worker: Analyzer | None = None


def _init_worker(kb, size: str, batch_size: int, languages, trained, preload) -> None:
    """Load the models once in a worker process (its only analyzer)."""
    import os

    # one worker per core: BLAS threads inside each worker would only fight over the cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    global _worker
    _worker = Analyzer(kb, size=size, n_process=1, batch_size=batch_size, languages=languages, trained=trained)
    # pay the model loads up front, not inside the first batch of a language
    for lang in preload:
        # process boundary: a model that fails to load shows up again, with context, on first use
        try:
            _worker.warm([lang])
        except Exception as exc:  # noqa: BLE001
            log.warning("worker could not preload the %s pipeline: %s", lang, exc)


def _chunks(docs: list[Document], n: int) -> list[list[Document]]:
    """Up to `n` contiguous chunks of about equal text length: order is kept, and one long
    article does not leave the other workers idle at the end of a batch."""
    total = sum(len(d.text) for d in docs) or 1
    chunks: list[list[Document]] = [[]]
    done = 0
    for d in docs:
        if chunks[-1] and done >= total * len(chunks) / n:
            chunks.append([])
        chunks[-1].append(d)
        done += len(d.text)
    return chunks


def _worker_pid(pause: float) -> int:
    import os
    import time

    time.sleep(pause)  # hold this worker so the next task goes to another one
    return os.getpid()


def _analyze_in_worker(docs: list[Document]) -> list[Analysis]:
    assert _worker is not None, "worker not initialised"
    return _worker._analyze_here(docs)
