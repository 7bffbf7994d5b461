"""The weekly brief end to end on a real SQLite database: stories, sections, formats, delivery."""
from __future__ import annotations

import base64
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from db.store import NewArticle, Store
from nlp.types import AmountMention, Analysis, DateMention, EntityMention

FIXTURE = Path(__file__).parent.parent / "benchmarks" / "data" / "cluster_week.json"
LABELS = {"Peter Kyle": "PER", "Sam Altman": "PER", "Joel Kaplan": "PER", "Jensen Huang": "PER",
          "Donald Trump": "PER", "United Kingdom": "LOC", "London": "LOC", "China": "LOC", "Beijing": "LOC",
          "United States": "LOC", "Abilene": "LOC", "Edinburgh": "LOC", "San Francisco": "LOC",
          "European Union": "ORG"}

# a later week: the ChatGPT agent story goes on, and a title carries markup that must stay text
LATER = [
    {"id": 101, "story": "chatgpt-agent", "source": "Wire", "lang": "en", "published": "2025-07-29",
     "title": "ChatGPT agent now rolling out to Plus users in Europe",
     "text": "OpenAI's ChatGPT agent, which can browse the web and act on a user's behalf from a virtual computer, "
             "is now rolling out to Plus subscribers in the European Economic Area. OpenAI had launched the "
             "agent mode for Pro, Plus and Team users elsewhere earlier this month.",
     "entities": ["OpenAI", "ChatGPT"]},
    {"id": 102, "story": "markup", "source": "Gazette", "lang": "fr", "published": "2025-07-30",
     "title": "<script>alert('x')</script> Bpifrance & <b>France 2030</b>",
     "text": "Bpifrance engage 25 millions d'euros pour aider les PME à adopter l'intelligence artificielle. "
             "Le dispositif France 2030 accompagnera les premières entreprises avant le 15 octobre 2025.",
     "entities": ["Bpifrance", "France 2030"],
     "amounts": [["25 millions d'euros", 25e6, "EUR", 25e6]], "dates": [["15 octobre 2025", "2025-10-15"]]},
]
AMOUNTS = {7: [["4,5 gigawatts", 4.5, "GW", None, "count"]],
           1: [["£2bn", 2e9, "GBP", 2.34e9]],
           2: [["2 milliards de livres sterling", 2e9, "GBP", 2.34e9]]}
EXTRA_TEXT = {1: " The government has set aside £2bn for OpenAI-backed AI Growth Zones, Peter Kyle said.",
              2: " Peter Kyle consacre 2 milliards de livres sterling aux AI Growth Zones."}
DATES = {12: [["2 August 2025", "2025-08-02"]], 13: [["2 août 2025", "2025-08-02"]]}


def _sentence_of(text: str):
    starts = [0] + [m.end() for m in re.finditer(r"[.!?]\s+", text)]
    return lambda off: max(i for i, s in enumerate(starts) if s <= off)


def _load(store: Store, arts: list[dict]) -> dict[int, int]:
    ids = {}
    for a in arts:
        text = a["text"] + EXTRA_TEXT.get(a["id"], "")
        stored = store.add_article(NewArticle(
            url=f"https://{a['source'].lower().replace(' ', '')}.example/{a['id']}",
            canonical_url=f"https://{a['source'].lower().replace(' ', '')}.example/{a['id']}",
            url_key=f"k{a['id']}", source=a["source"], title=a["title"], text=text, published=a["published"],
            author=None, lang=a["lang"], content_hash=f"h{a['id']}"))
        ents = []
        for name in a["entities"]:
            pos = text.find(name.split()[0])
            ents.append(EntityMention(name, LABELS.get(name, "ORG"), name, max(pos, 0), max(pos, 0) + len(name)))
        amounts = []
        for spec in a.get("amounts", []) + AMOUNTS.get(a["id"], []):
            t, value, unit, eur, *kind = spec
            pos = text.find(t)
            if pos >= 0:
                amounts.append(AmountMention(t, value, unit, kind[0] if kind else "money", pos, pos + len(t), eur))
        dates = []
        for t, value in a.get("dates", []) + DATES.get(a["id"], []):
            pos = text.find(t)
            if pos >= 0:
                dates.append(DateMention(t, value, "day", pos, pos + len(t)))
        # Peter Kyle is named in the sentence of the £2bn: he is "who" in the money table
        if a["id"] in EXTRA_TEXT:
            pos = text.rfind("Peter Kyle")
            ents.append(EntityMention("Peter Kyle", "PER", "Peter Kyle", pos, pos + 10))
        store.save_analysis(stored.id, Analysis(a["lang"], a["title"], a["published"], None, text,
                                                entities=ents, amounts=amounts, dates=dates), _sentence_of(text))
        ids[a["id"]] = stored.id
    return ids


@pytest.fixture(scope="module")
def encoder():
    from nlp.embed import get_encoder

    return get_encoder("use")


@pytest.fixture(scope="module")
def built(tmp_path_factory, encoder):
    """A database with the fixture weeks, and the briefs of W29 then W30 (stories recorded in order)."""
    from digests.weekly import make_digest, resolve_period

    path = str(tmp_path_factory.mktemp("brief") / "veille.db")
    store = Store(path)
    arts = json.loads(FIXTURE.read_text("utf-8"))["articles"]
    ids = _load(store, arts + LATER)
    w29 = make_digest(store.db, resolve_period("2025-W29", None, None, None), "fr", encoder=encoder)
    w30 = make_digest(store.db, resolve_period("2025-W30", None, None, None), "fr", encoder=encoder)
    w31 = make_digest(store.db, resolve_period("2025-W31", None, None, None), "fr", encoder=encoder)
    store.close()
    return {"path": path, "ids": ids, "w29": w29, "w30": w30, "w31": w31, "arts": arts}


def _story_with(d, article_url_part: str):
    return next(s for s in d.stories if any(article_url_part in a.url for a in s.articles))


def test_french_and_english_accounts_are_one_story(built):
    d = built["w30"]
    mou = _story_with(d, "/1")
    assert {a.lang for a in mou.articles} == {"en", "fr"}
    assert {a.url.rsplit("/", 1)[1] for a in mou.articles} == {"1", "2", "3"}
    # the French brief takes the French account's title
    assert mou.title.startswith("Le Royaume-Uni et OpenAI")
    stargate = _story_with(d, "/7")
    assert mou is not stargate  # same company, different event


def test_near_misses_stay_apart(built):
    d = built["w29"]
    meta = _story_with(d, "/9")
    guidelines = _story_with(d, "/12")
    assert meta is not guidelines
    assert {a.url.rsplit("/", 1)[1] for a in meta.articles} == {"9", "10", "11"}


def test_wire_copy_is_folded_into_the_account_it_repeats(built):
    h20 = _story_with(built["w29"], "/16")
    assert len(h20.articles) == 3 and h20.sources == ["Wire", "Gazette", "Tech Ledger"]
    original = next(a for a in h20.articles if a.url.endswith("/16"))
    assert original.copies == ["Daily Bytes"]


def test_a_story_continuing_an_earlier_week_is_linked(built):
    agent = _story_with(built["w31"], "/101")
    assert agent.continues is not None and agent.continues["week"] == "2025-W29"
    assert "ChatGPT" in agent.continues["title"]
    assert agent.why["continues"] is True
    md = __import__("digests.render", fromlist=["render"]).render(built["w31"], "md")
    assert "Développement de « " in md


def test_summary_sentences_come_from_their_articles(built):
    texts = {}
    store = Store(built["path"])
    for url, text in store.db.execute("SELECT url, text FROM articles"):
        texts[url] = " ".join(text.split())
    store.close()
    for d in (built["w29"], built["w30"]):
        for s in d.stories:
            assert 1 <= len(s.summary) <= 4
            for x in s.summary:
                assert x.text in texts[x.url], (x.text, x.url)
                assert x.url in {a.url for a in s.articles} | {a.url for a in d.articles}
    # two-language story, French brief: French sentences
    mou = _story_with(built["w30"], "/1")
    assert all(x.lang == "fr" for x in mou.summary)


def test_sections_money_people_dates_sources(built):
    d = built["w30"]
    money = {m["text"]: m for m in d.money}
    assert "4,5 gigawatts" not in money  # a count, not money
    gbp = money.get("£2bn") or money["2 milliards de livres sterling"]
    assert gbp["who"] == ["Peter Kyle"] and gbp["eur"] == pytest.approx(2.34e9)
    assert gbp["what"].startswith("Le Royaume-Uni et OpenAI")
    # one figure told by two outlets is one row
    assert len([m for m in d.money if m["value"] == 2e9]) == 1
    assert {p["name"] for p in d.people} >= {"OpenAI", "Peter Kyle"}
    w29 = built["w29"]
    assert [x["value"] for x in w29.dates_ahead] == ["2025-08-02"]
    assert "2 August 2025" in w29.dates_ahead[0]["context"] or "2 août 2025" in w29.dates_ahead[0]["context"]
    assert {s["source"] for s in d.sources} >= {"Wire", "Gazette"}
    w31 = built["w31"]
    assert w31.dates_ahead[0]["value"] == "2025-10-15"
    openai = next(p for p in w31.people if p["name"] == "OpenAI")
    assert openai["previous"] is not None and openai["trend"] in ("steady", "rising")


def test_ranking_puts_multi_source_stories_first(built):
    d = built["w30"]
    assert len(d.stories[0].sources) >= 2
    singles = [n for n, s in enumerate(d.stories) if len(s.sources) == 1]
    multis = [n for n, s in enumerate(d.stories) if len(s.sources) >= 3]
    assert max(multis) < min(singles)
    for s in d.stories:
        assert s.why["sources"] == len(s.sources) and s.why["keywords"]


def test_html_escapes_markup_and_embeds_png_charts(built):
    from digests.render import render

    html = render(built["w31"], "html")
    assert "<script>alert" not in html and "<b>France 2030</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Bpifrance &amp; &lt;b&gt;France 2030&lt;/b&gt;" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert images and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "<style" not in html  # inline CSS only: mail clients drop style blocks
    md = render(built["w31"], "md")
    assert "<script>" not in md and "\\<script\\>" in md


def test_script_title_is_inert_in_every_format(built):
    from digests.render import render

    title = "<script>alert('x')</script> Bpifrance & <b>France 2030</b>"
    data = render(built["w31"], "json")
    assert "<script" not in data and title in {a["title"] for a in json.loads(data)["articles"]}
    atom = render(built["w31"], "atom")
    assert "<script" not in atom  # the XML writer escapes the HTML content, which escaped the title
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = ET.fromstring(atom).find("a:entry", ns)
    assert title in entry.findtext("a:summary", namespaces=ns)  # plain text, shown as such
    content = entry.findtext("a:content", namespaces=ns)
    assert "&lt;script&gt;alert" in content and "<script" not in content


def test_html_says_why_each_story_is_here_and_what_it_continues(built):
    from digests.render import render

    html = render(built["w31"], "html")
    assert html.count("Pourquoi ce sujet :") == len(built["w31"].stories)
    assert "Développement de « " in html and "(2025-W29)" in html
    w30 = render(built["w30"], "html")
    assert "3 sources indépendantes · mots-clés : Peter Kyle, OpenAI" in w30


def test_json_contract(built):
    from digests.render import render

    data = json.loads(render(built["w30"], "json"))
    assert data["week"] == "2025-W30"
    story = data["stories"][0]
    assert {"title", "summary", "articles", "entities", "amounts"} <= set(story)
    assert {"url", "title", "source", "lang"} <= set(story["articles"][0])
    assert {"text", "url", "source", "lang"} <= set(story["summary"][0])
    assert {"money", "people", "dates_ahead", "topics", "sources"} <= set(data)


def test_per_topic_sections_read_topic_scores_when_present(tmp_path, encoder):
    from digests.weekly import make_digest, resolve_period

    store = Store(str(tmp_path / "t.db"))
    arts = [a for a in json.loads(FIXTURE.read_text("utf-8"))["articles"] if a["published"] >= "2025-07-21"]
    ids = _load(store, arts)
    if "article_topics" not in store.db.table_names():  # migration 6 of the topics feature, when absent
        store.db.execute("CREATE TABLE article_topics (article_id INTEGER, topic TEXT, score REAL)")
    for fid, topic in [(1, "politique publique"), (2, "politique publique"), (7, "infrastructures"),
                       (14, "politique publique")]:
        store.db.execute("INSERT INTO article_topics VALUES (?, ?, ?)", [ids[fid], topic, 0.9])
    d = make_digest(store.db, resolve_period("2025-W30", None, None, None), "fr", encoder=encoder)
    sections = {s["topic"]: [d.stories[n].title for n in s["stories"]] for s in d.topics}
    assert set(sections) == {"politique publique", "infrastructures"}
    assert len(sections["politique publique"]) == 2
    assert d.charts["money"]["by"] == "topic" and "politique publique" in d.charts["money"]["eur"]
    only = make_digest(store.db, resolve_period("2025-W30", None, None, None), "fr", topic="infrastructures",
                       encoder=encoder, record=False)
    assert [a.url.rsplit("/", 1)[1] for s in only.stories for a in s.articles] == ["7", "8"][: len(only.articles)]
    assert only.filters == {"topic": "infrastructures"}
    store.close()


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def db_copy(built, tmp_path):
    target = tmp_path / "copy.db"
    shutil.copy(built["path"], target)
    return str(target)


def test_cli_each_format(db_copy, tmp_path):
    runner = CliRunner()
    earlier = runner.invoke(main, ["digest", "--db", db_copy, "--week", "2025-W29", "-o", str(tmp_path / "w29.md")])
    assert earlier.exit_code == 0, earlier.output
    for fmt in ("md", "html", "json", "atom"):
        out = tmp_path / f"brief.{fmt}"
        res = runner.invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "--format", fmt, "-o", str(out)],
                            catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert out.read_text("utf-8")
    assert "OpenAI" in (tmp_path / "brief.md").read_text("utf-8")
    assert json.loads((tmp_path / "brief.json").read_text("utf-8"))["week"] == "2025-W30"
    feed = ET.fromstring((tmp_path / "brief.atom").read_text("utf-8"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    # this brief first, then the briefs written before it
    assert titles[0] == "Veille — semaine 2025-W30" and "Veille — semaine 2025-W29" in titles
    content = feed.find("a:entry/a:content", ns)
    assert content.get("type") == "html" and "<html" in content.text


def test_cli_since_until_and_english(db_copy):
    res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--since", "2025-07-21", "--until", "2025-07-23",
                                    "--lang", "en", "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["start"] == "2025-07-21" and data["end"] == "2025-07-23" and data["lang"] == "en"
    assert all("2025-07-21" <= a["published"] <= "2025-07-23" for a in data["articles"])
    mou = next(s for s in data["stories"] if any(a["url"].endswith("/1") for a in s["articles"]))
    assert mou["title"] == "UK government signs memorandum of understanding with OpenAI"


def test_cli_topic_keeps_only_matching_stories(db_copy):
    # no topic scores in this database: --topic falls back to a full-text phrase match
    res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "--topic", "Oracle",
                                    "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["filters"] == {"topic": "Oracle"} and data["stories"]
    urls = {a["url"].rsplit("/", 1)[1] for s in data["stories"] for a in s["articles"]}
    assert urls == {"7", "8"}  # the Stargate story, and nothing else of the week


@pytest.mark.parametrize("args,message", [
    (["--since", "21/07/2025"], "YYYY-MM-DD"),
    (["--week", "2025-W30", "--since", "2025-07-21"], "either --week or --since"),
    (["--since", "2025-07-21", "--until", "2025-07-01"], "before --since"),
    (["--send", "nonsense"], "not delivered"),
])
def test_cli_bad_input_is_one_line(db_copy, args, message):
    res = CliRunner().invoke(main, ["digest", "--db", db_copy, *args])
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output


def test_send_by_mail_to_a_local_smtp_server(db_copy):
    from tests.alert_receivers import mailbox

    with mailbox() as box:
        res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "--send", box.url()],
                                 catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert len(box.messages) == 1
    msg = box.messages[0]
    assert msg["Subject"] == "Veille — semaine 2025-W30"
    html = box.texts()[0]
    assert "Le Royaume-Uni et OpenAI" in html and "data:image/png;base64," in html
    names = [p.get_filename() for p in msg.walk() if p.get_filename()]
    assert "chart-mentions.png" in names


def test_send_to_a_chat_webhook(db_copy):
    from tests.alert_receivers import Webhook

    hook = Webhook()
    try:
        res = CliRunner().invoke(main, ["digest", "--db", db_copy, "--week", "2025-W30", "--lang", "en",
                                        "--send", hook.url()], catch_exceptions=False)
    finally:
        hook.close()
    assert res.exit_code == 0, res.output
    (_headers, body), = hook.received
    assert body["title"] == "Tech watch — week 2025-W30"
    assert "## This week's stories" in body["message"]
