"""Analysis in worker processes gives what one process gives, in order."""
from nlp.analyze import Analyzer, Document

DOCS = [
    Document(text="Bpifrance lance IA Booster, doté de 25 millions d'euros, le 21 juillet 2025.", lang_hint="fr"),
    Document(text="The UK signed a memorandum with OpenAI on 21 July 2025, backed by £2bn.", lang_hint="en"),
    Document(text="OpenAI ouvre un bureau à Paris le 9 octobre 2024.", lang_hint="fr"),
    Document(text="Die Bundesregierung investiert 1,6 Milliarden Euro in KI.", lang_hint="de"),
    Document(text="", lang_hint=None),
]


def _key(a):
    return (a.lang, a.skipped, [(e.text, e.label, e.canonical) for e in a.entities],
            [(d.value, d.precision) for d in a.dates], [(m.value, m.unit) for m in a.amounts])


def test_two_worker_processes_match_one_process():
    one = Analyzer(size="sm").analyze_many(DOCS)
    with Analyzer(size="sm", n_process=2) as two:
        parallel = two.analyze_many(DOCS)
        again = two.analyze_many(DOCS[:2])  # the pool is reused, not restarted
    assert [_key(a) for a in parallel] == [_key(a) for a in one]
    assert [_key(a) for a in again] == [_key(a) for a in one[:2]]
    assert any(e.canonical == "OpenAI" for e in parallel[1].entities)


def test_zero_processes_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="at least 1"):
        Analyzer(n_process=0)
