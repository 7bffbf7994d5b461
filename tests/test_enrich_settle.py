"""Entity clean-up after enrichment is resumable: a run killed after its last commit leaves the
votes and promotions to the next `veille enrich`, which finishes them."""
from __future__ import annotations

import os
import subprocess
import sys

from crawler.enrich import EnrichReport, enrich
from db.entity_edits import load_kb, user_kb_path
from db.store import NewArticle, Store
from nlp.dedup import content_hash
from nlp.types import Analysis, EntityMention

# three outlets name an unknown start-up; the first labels it a person, the two others an org
TEXTS = [("Gazette", "Zéphyrine Labs signe un accord.", "PER"),
         ("Courrier", "Zéphyrine Labs lève des fonds.", "ORG"),
         ("Wire", "Zéphyrine Labs opens an office.", "ORG")]
LABEL_OF = {text: label for _src, text, label in TEXTS}


class NamesAnalyzer:
    """Finds "Zéphyrine Labs" with the label its article gives it: the real pipeline's output
    shape, without loading spaCy (the point here is what happens after the commits)."""

    def __init__(self, kb):
        self.kb = kb

    def analyze_many(self, docs):
        out = []
        for d in docs:
            ents = [EntityMention("Zéphyrine Labs", LABEL_OF[d.text], "Zéphyrine Labs", 0, 14)]
            out.append(Analysis(lang="fr", title=d.title, published=d.published, author=None, text=d.text,
                                entities=ents))
        return out


def crawl(path: str) -> None:
    with Store(path) as store:
        for n, (source, text, _label) in enumerate(TEXTS):
            url = f"https://{source.lower()}.example/{n}"
            store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=source, title=None,
                                         text=text, published="2025-07-14", author=None, lang="fr",
                                         content_hash=content_hash(text)))


def run(path: str, progress=None) -> EnrichReport:
    report = EnrichReport()
    with Store(path) as store:
        enrich(store, NamesAnalyzer(load_kb(path)), batch=2, progress=progress, kb_path=str(user_kb_path(path)),
               min_sources=3, report=report)
    return report


def enrich_then_die(path: str) -> None:
    """Enrich, and die like a SIGKILL (no cleanup, no finally) right after the last batch's commit."""
    with Store(path) as store:
        total = store.count_pending()
    done = [0]

    def progress(n):
        done[0] += n
        if done[0] == total:
            os._exit(9)

    run(path, progress)


def entity(path: str):
    with Store(path) as store:
        return store.db.execute("SELECT label, kb_id FROM entities WHERE name = 'Zéphyrine Labs'").fetchone()


def test_a_run_killed_after_its_last_commit_is_settled_by_the_next(tmp_path):
    path = str(tmp_path / "veille.db")
    crawl(path)
    proc = subprocess.run([sys.executable, "-c", f"from tests.test_enrich_settle import enrich_then_die; "
                                                 f"enrich_then_die({path!r})"], capture_output=True, text=True, check=False)
    assert proc.returncode == 9, proc.stderr
    with Store(path) as store:
        assert store.count_pending() == 0  # every analysis was committed...
        assert len(store.unsettled()) == 3
    assert entity(path) == ("PER", None)  # ...but neither the vote nor the promotion ran
    report = run(path)  # the rerun: nothing to analyse, the clean-up still to do
    assert report.analysed == 0 and report.relabelled == 1 and [p["name"] for p in report.promoted] == ["Zéphyrine Labs"]
    label, kb_id = entity(path)
    assert label == "ORG" and kb_id
    with Store(path) as store:
        assert store.unsettled() == []
    assert run(path).relabelled == 0  # settled once


def test_an_uninterrupted_run_settles_and_leaves_nothing_pending(tmp_path):
    path = str(tmp_path / "veille.db")
    crawl(path)
    report = run(path)
    assert report.analysed == 3 and report.relabelled == 1 and entity(path)[0] == "ORG"
    with Store(path) as store:
        assert store.unsettled() == []
