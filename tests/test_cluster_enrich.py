"""Two enrichment workers and the writer: one analysis per article, equal to `veille enrich`'s."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.cluster import Keys, connect
from db.store import NewArticle, Store
from nlp.dedup import content_hash
from tests.cluster_sites import veille, writer

pytest_plugins = ["tests.redis_server"]  # the redis_server and redis_url fixtures

pytestmark = pytest.mark.slow

# small models, two articles a batch: the point is the plumbing, not the models
ENV = {**os.environ, "VEILLE_MODEL_SIZE": "sm", "VEILLE_BATCH_SIZE": "2"}

TEXTS = [
    ("Bpifrance finance Mistral AI", "Le 12 mars 2025, Bpifrance a annoncé un financement de 30 millions d'euros pour "
     "Mistral AI à Paris. Le ministre Jean-Noël Barrot salue un signal pour l'intelligence artificielle "
     "européenne."),
    ("La Commission européenne et l'IA Act", "La Commission européenne a publié le 2 février 2025 les lignes "
     "directrices de l'AI Act. Thierry Breton rappelle que les amendes atteignent 35 millions d'euros."),
    ("Un supercalculateur à Grenoble", "Le CNRS installera en septembre 2026 un supercalculateur de 500 millions "
     "d'euros à Grenoble, financé par France 2030 et la région Auvergne-Rhône-Alpes."),
    ("OVHcloud lève des fonds", "OVHcloud a levé 200 millions d'euros le 4 avril 2025 auprès de la Banque "
     "européenne d'investissement pour ses centres de données de Roubaix."),
    ("Station F accueille 50 startups", "Station F accueille depuis lundi 50 startups du programme French Tech 2030 ; "
     "Xavier Niel annonce 10 millions d'euros de bourses pour les fondateurs."),
]


def _articles(db: str) -> None:
    with Store(db) as store:
        store.add_articles([
            NewArticle(url=f"https://src{i}.example/a/{i}", canonical_url=f"https://src{i}.example/a/{i}",
                       url_key=f"src{i}.example/a/{i}", source=f"src{i}", title=title, text=(text + " ") * 3,
                       published="2025-04-10", author=None, lang="fr", content_hash=content_hash((text + " ") * 3))
            for i, (title, text) in enumerate(TEXTS)
        ])


def _analysis(db: str) -> dict:
    """Everything enrichment writes, keyed by article URL (entity ids differ, names do not)."""
    conn = sqlite3.connect(db)
    out = {}
    for aid, url, status, lang, relevance, on_topic in conn.execute(
            "SELECT id, url, status, lang, relevance, on_topic FROM articles"):
        out[url] = {
            "article": (status, lang, round(relevance, 6), on_topic),
            "mentions": sorted(conn.execute(
                'SELECT m.text, m.label, m.start, m."end", m.sentence, e.name FROM mentions m'
                " JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?", [aid]).fetchall()),
            "dates": sorted(conn.execute('SELECT text, value, precision, relative, start, "end" FROM dates'
                                         " WHERE article_id = ?", [aid]).fetchall()),
            "amounts": sorted(conn.execute('SELECT text, value, unit, kind, eur, start, "end", sentence FROM amounts'
                                           " WHERE article_id = ?", [aid]).fetchall()),
            "topics": sorted((t, round(s, 6)) for t, s in conn.execute(
                "SELECT topic, score FROM article_topics WHERE article_id = ?", [aid])),
        }
    out["entities"] = sorted(conn.execute("SELECT name, label, kb_id FROM entities").fetchall())
    out["embeddings"] = sorted(conn.execute("SELECT content_hash, model FROM embeddings").fetchall())
    conn.close()
    return out


def test_two_enrich_workers_give_one_analysis_per_article_equal_to_veille_enrich(redis_url, tmp_path):
    cluster_db, alone_db = str(tmp_path / "cluster.db"), str(tmp_path / "alone" / "veille.db")
    _articles(cluster_db)
    os.makedirs(os.path.dirname(alone_db))
    shutil.copy(cluster_db, alone_db)
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "enrich", "--db", alone_db, "--json"], env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["analysed"] == len(TEXTS)

    client, keys = connect(redis_url), Keys()
    w = writer(redis_url, cluster_db, "--until-empty", "--batch", "10", env=ENV)
    deadline = time.monotonic() + 60
    while not client.xlen(keys.enrich):  # the writer feeds the stored articles to the enrich stream
        assert time.monotonic() < deadline and w.poll() is None
        time.sleep(0.1)
    workers = [subprocess.Popen(veille("enrich", "--redis", redis_url, "--name", f"e{i}", "--until-empty"), env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in range(2)]
    reports = [json.loads(p.communicate(timeout=600)[0]) for p in workers]
    out, _ = w.communicate(timeout=120)
    assert w.returncode == 0
    assert sum(r["analysed"] for r in reports) == len(TEXTS)
    assert json.loads(out)["analyses"] == len(TEXTS)  # exactly one analysis saved per article
    cluster, alone = _analysis(cluster_db), _analysis(alone_db)
    assert any(v["mentions"] for k, v in cluster.items() if k.startswith("https"))  # the models did run
    assert cluster == alone
    assert client.xlen(keys.enrich) == 0 and client.xlen(keys.analyses) == 0


def test_a_killed_enrich_worker_leaves_its_batch_to_another(redis_url, tmp_path):
    import signal

    db = str(tmp_path / "cluster.db")
    _articles(db)
    client, keys = connect(redis_url), Keys()
    w = writer(redis_url, db, "--until-empty", env=ENV)
    doomed = subprocess.Popen(veille("enrich", "--redis", redis_url, "--name", "doomed"), env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def holding() -> bool:  # models loaded, a batch taken
        return bool(client.exists(keys.enrich)) and any(
            c["pending"] for c in client.xinfo_consumers(keys.enrich, "enrich"))

    deadline = time.monotonic() + 300
    while not holding():
        assert time.monotonic() < deadline and doomed.poll() is None
        time.sleep(0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    heir = subprocess.Popen(veille("enrich", "--redis", redis_url, "--name", "heir", "--lease", "2s", "--until-empty"),
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    report = json.loads(heir.communicate(timeout=600)[0])
    w.communicate(timeout=120)
    assert w.returncode == 0
    assert report["reclaimed"] >= 1  # the dead worker's batch
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles WHERE status = 'enriched'").fetchone()[0] == len(TEXTS)
    # analysed once or twice, stored once: no mention twice
    assert conn.execute("SELECT count(*) FROM (SELECT article_id, start, \"end\" FROM mentions"
                        " GROUP BY 1, 2, 3 HAVING count(*) > 1)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] > 0
