"""Analysis in worker processes gives what one process gives, in order."""
import pytest

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


@pytest.mark.slow  # two worker processes load the models
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


def test_worker_count_auto_starts_workers_only_for_a_big_backlog(monkeypatch):
    import os

    import pytest

    from crawler.enrich import AUTO_MIN_ARTICLES, worker_count

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert worker_count("auto", 10) == 1
    assert worker_count(None, AUTO_MIN_ARTICLES) == 4  # one per core, at most 4
    assert worker_count("2", 10) == 2 and worker_count(3, 0) == 3
    for bad in ("many", 0, "-1"):
        with pytest.raises(ValueError, match="processes"):
            worker_count(bad, 10)


def test_a_bad_processes_setting_is_one_clear_line(tmp_path):
    from click.testing import CliRunner

    from crawler.cli import main

    cfg = tmp_path / "veille.toml"
    cfg.write_text('processes = "lots"\n', "utf-8")
    db = str(tmp_path / "v.db")
    CliRunner().invoke(main, ["db", "migrate", "--db", db], catch_exceptions=False)
    from db.store import NewArticle, Store
    from nlp.dedup import content_hash

    store = Store(db)
    text = "OpenAI ouvre un bureau à Paris, son premier en Europe continentale, le 9 octobre 2024."
    store.add_article(NewArticle(url="https://a.example/1", canonical_url="https://a.example/1", url_key="a.example/1",
                                 source="S", title="T", text=text, published="2024-10-09", author=None, lang="fr",
                                 content_hash=content_hash(text)))
    store.close()
    res = CliRunner().invoke(main, ["--config", str(cfg), "enrich", "--db", db])
    assert res.exit_code != 0 and "processes must be 'auto' or a whole number" in res.output
    assert "Traceback" not in res.output


def test_warm_builds_a_language_before_its_first_document(caplog):
    """`Analyzer.warm` (what worker processes and a resident watch run at start) leaves nothing
    to build when the first article of that language arrives."""
    import logging

    from nlp.analyze import Analyzer, Document
    from nlp.models import clear_cache

    clear_cache()
    an = Analyzer(size="sm")
    with caplog.at_level(logging.INFO, logger="nlp.models"):
        an.warm(["de", "xx"])  # a language without layers is skipped, not an error
        assert "spaCy pipeline de" in caplog.text
        caplog.clear()
        (res,) = an.analyze_many([Document(text="Am 3. März 2025 kündigte Siemens in München 50 Millionen Euro an.",
                                           lang="de")])
        assert "spaCy pipeline" not in caplog.text
    assert {e.text for e in res.entities} >= {"Siemens", "München"} and res.amounts
