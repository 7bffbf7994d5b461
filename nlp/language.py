"""Language of a text: py3langid restricted to European languages, with a confidence floor."""
from __future__ import annotations

from functools import cache

# Languages we expect in European news; restricting the set avoids exotic misfires on short text.
EUROPEAN = [
    "fr", "en", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "no", "fi", "cs", "sk", "hu",
    "ro", "el", "bg", "hr", "sl", "lt", "lv", "et", "ga", "mt", "ca", "eu", "gl", "lb",
]
ANALYSED = ("fr", "en", "de")  # languages the NLP stage has rules and models for


@cache
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=EUROPEAN)


def detect(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of `text`, or `hint` when the text is too short or the guess too unsure."""
    sample = text[:3000]
    if len(sample.strip()) < 20:
        return hint
    lang, prob = _identifier().classify(sample)
    if prob < 0.5 and hint:
        return hint
    return lang
