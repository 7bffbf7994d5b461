"""Watch topics: configuration, keyword and embedding scores, marks stored by enrichment."""
import pytest

from nlp.topics import (
    DEFAULT_TOPICS,
    ON_TOPIC,
    TopicError,
    TopicScorer,
    keyword_score,
    parse_topics,
    rescale_similarity,
)

PARTNERSHIP_FR = ("Le Royaume-Uni et OpenAI signent un protocole d'accord",
                  "Le ministère britannique de la Science a signé avec OpenAI un partenariat pour déployer "
                  "des outils d'intelligence artificielle dans les services publics et investir dans les "
                  "centres de données du pays.")
PROGRAMME_EN = ("Bpifrance opens IA Booster to small firms",
                "The French public bank Bpifrance runs IA Booster, a programme of the France 2030 plan that "
                "helps SMEs adopt artificial intelligence with diagnostics, experts and grants.")
# about AI but without one of the topics' keywords: only the encoder can place it
PARAPHRASE_EN = ("British ministry and American AI lab sign a deal",
                 "A British ministry and an American artificial intelligence lab signed a deal to bring "
                 "chatbots to civil servants; the two sides put their pledges in writing this week.")
CYCLING_FR = ("Tour de France : l'étape de Montmartre",
              "Les coureurs ont grimpé la butte Montmartre sous les applaudissements avant l'arrivée sur les "
              "Champs-Élysées, où le maillot jaune a conservé son avance.")


def test_defaults_cover_the_five_watch_topics_in_french_and_english():
    assert [t.name for t in parse_topics(None)] == ["ai-partnerships", "ai-policy", "funding", "compute",
                                                    "public-programmes"]
    assert all(t.descriptions["fr"] and t.descriptions["en"] and t.keywords for t in DEFAULT_TOPICS)


def test_configured_topics_replace_the_defaults():
    topics = parse_topics([{"name": "quantum", "keywords": ["quantique", "qubit"],
                            "description_fr": "Informatique quantique", "label": "Quantique"}])
    assert [t.name for t in topics] == ["quantum"] and topics[0].descriptions == {"fr": ("Informatique quantique",)}


@pytest.mark.parametrize("items,message", [
    ([{"keywords": ["x"]}], "'name' is required"),
    ([{"name": "a", "keywords": ["x"]}, {"name": "a", "keywords": ["y"]}], "defined twice"),
    ([{"name": "a", "keywords": "x"}], "list of strings"),
    ([{"name": "a"}], "description or keywords"),
    ([{"name": "a", "keywords": ["x"], "weight": 2}], "unknown keys weight"),
    ([{"name": "a", "description": 3}], "string or a list"),
    (["a"], "expected a table"),
])
def test_bad_topic_tables_are_clear_errors(items, message):
    with pytest.raises(TopicError, match=message):
        parse_topics(items)


def test_keyword_score_saturates_and_title_hits_weigh_double():
    assert keyword_score(0, 0) == 0
    assert keyword_score(2, 0) == pytest.approx(0.5)
    assert keyword_score(0, 1) == keyword_score(2, 0)
    assert keyword_score(10, 3) < 1
    assert rescale_similarity(0.0) == 0 and rescale_similarity(0.9) == 1


def test_keywords_only_scoring_ranks_the_right_topic_and_marks_off_topic():
    scorer = TopicScorer()
    fr, prog, cycling = scorer.score(*zip(PARTNERSHIP_FR, PROGRAMME_EN, CYCLING_FR))
    assert fr.scores[0].topic == "ai-partnerships" and "protocole d'accord" in fr.scores[0].keywords
    assert prog.scores[0].topic == "public-programmes" and prog.on_topic
    assert not cycling.on_topic and cycling.relevance < 0.2
    assert [s.score for s in fr.scores] == sorted((s.score for s in fr.scores), reverse=True)


def test_acronym_keywords_match_case_exactly_and_whole_words():
    scorer = TopicScorer(parse_topics([{"name": "chips", "keywords": ["GPU", "puces"]}]))
    hit, miss = scorer.score(["", ""], ["Nvidia livre des GPU et des puces.", "Le gpuzzle et les épuces."])
    assert hit.scores[0].keywords == ["GPU", "puces"]
    assert miss.scores[0].keywords == []


def test_mismatched_inputs_and_empty_topics_are_errors():
    with pytest.raises(ValueError):
        TopicScorer().score(["a"], [])
    with pytest.raises(TopicError):
        TopicScorer([])


@pytest.fixture(scope="module")
def use_scorer():
    from nlp.embed import get_encoder

    return TopicScorer(embed=get_encoder("use").encode)


@pytest.mark.slow  # the real multilingual encoder is the point
def test_embeddings_place_a_paraphrase_without_keywords(use_scorer):
    kw_only = TopicScorer().score([PARAPHRASE_EN[0]], [PARAPHRASE_EN[1]])[0]
    with_emb, cycling = use_scorer.score(*zip(PARAPHRASE_EN, CYCLING_FR))
    # no keyword at all: only the encoder sees what it is about, and ranks it above the cycling story
    assert kw_only.relevance == 0 and cycling.relevance < with_emb.relevance
    assert with_emb.scores[0].topic == "ai-partnerships" and with_emb.scores[0].similarity > 0.3
    assert not cycling.on_topic and cycling.scores[0].similarity < 0.3


def test_enrichment_stores_scores_and_marks_off_topic_articles_without_dropping_them(store, fake_encoder):
    from crawler.enrich import enrich
    from db.store import NewArticle
    from nlp.analyze import Analyzer
    from nlp.dedup import content_hash

    for n, (title, text) in enumerate([PARTNERSHIP_FR, CYCLING_FR]):
        body = text + " " + text  # long enough to be analysed
        url = f"https://site.example/{n}"
        store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source="S", title=title,
                                     text=body, published="2025-07-22", author=None, lang="fr",
                                     content_hash=content_hash(body)))
    analyzer = Analyzer(size="sm")
    scorer = TopicScorer(embed=fake_encoder.encode)  # what is stored is the point, not the vectors
    for redo in (False, True):  # a second pass replaces the scores, never adds rows
        enrich(store, analyzer, redo=redo, topics=scorer)
        rows = store.db.execute("SELECT title, on_topic, relevance FROM articles ORDER BY id").fetchall()
        assert [(r[0], r[1]) for r in rows] == [(PARTNERSHIP_FR[0], 1), (CYCLING_FR[0], 0)]
        assert store.db.execute("SELECT count(*) FROM article_topics").fetchone()[0] == 2 * len(DEFAULT_TOPICS)
    best = store.db.execute("SELECT topic FROM article_topics WHERE article_id = 1 ORDER BY score DESC").fetchone()
    assert best[0] == "ai-partnerships"


def test_enrichment_caches_the_vectors_the_brief_reads(store, fake_embeddings):
    """Topic scoring embeds each article once, under the key the weekly brief looks up."""
    from crawler.enrich import enrich, topic_stage
    from db.store import NewArticle
    from nlp.analyze import Analyzer
    from nlp.dedup import content_hash
    from nlp.embed import article_text, text_key

    title, text = PARTNERSHIP_FR
    store.add_article(NewArticle(url="https://s.example/a", canonical_url="https://s.example/a", url_key="s.example/a",
                                 source="S", title=title, text=text, published="2025-07-22", author=None, lang="fr",
                                 content_hash=content_hash(text)))
    enrich(store, Analyzer(size="sm"), topics=topic_stage(store))
    keys = {r[0] for r in store.db.execute("SELECT content_hash FROM embeddings")}
    assert text_key(article_text(title, text)) in keys  # besides the topics' description sentences


def test_configured_topic_reaches_veille_analyze_and_a_bad_one_is_one_clear_line(tmp_path, fake_embeddings):
    import json

    from click.testing import CliRunner

    from crawler.cli import main

    cfg = tmp_path / "veille.toml"
    cfg.write_text('model_size = "sm"\nembedding = "use"\n[[topic]]\nname = "quantum"\n'
                   'keywords = ["quantique", "qubits"]\ndescription_fr = "Informatique quantique"\n', "utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text("Pasqal annonce un ordinateur quantique de 1 000 qubits, financé par l'État.", "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "analyze", str(doc), "--json"], catch_exceptions=False)
    data = json.loads(res.output)
    assert list(data["topics"]) == ["quantum"] and data["on_topic"] is True
    cfg.write_text('[[topic]]\nname = "quantum"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "analyze", str(doc)])
    assert res.exit_code != 0 and "give a description or keywords" in res.output and "Traceback" not in res.output


def test_veille_enrich_json_reports_topics_promotions_and_votes(tmp_path, fake_embeddings):
    import json

    from click.testing import CliRunner

    from crawler.cli import main
    from db.store import NewArticle, Store
    from nlp.dedup import content_hash

    db = str(tmp_path / "v.db")
    store = Store(db)
    for n, (title, text) in enumerate([PARTNERSHIP_FR, CYCLING_FR, PROGRAMME_EN]):
        url = f"https://site{n}.example/a"
        store.add_article(NewArticle(url=url, canonical_url=url, url_key=url[8:], source=f"S{n}", title=title,
                                     text=text, published="2025-07-22", author=None, lang=None,
                                     content_hash=content_hash(text)))
    store.close()
    cfg = tmp_path / "veille.toml"
    cfg.write_text('model_size = "sm"\n', "utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "enrich", "--db", db, "--json"], catch_exceptions=False)
    report = json.loads(res.output.strip().splitlines()[-1])
    assert report["analysed"] == 3 and report["on_topic"] == 2
    assert set(report) == {"analysed", "on_topic", "promoted", "relabelled"}
    res = CliRunner().invoke(main, ["--config", str(cfg), "enrich", "--db", db], catch_exceptions=False)
    assert "analysed 0 article(s)" in res.output
