"""The brief's deals: "Deals of the week" from deal rows, old deals left out, key figures led by
this week's announced deal amounts with the rest marked as context, in Markdown and HTML."""
from __future__ import annotations

from digests import brief
from digests.deals import is_recent, order_figures, week_deals
from digests.render import render

START, END = "2025-07-21", "2025-07-27"
URL_FUND = "https://gazette.example/booster"
URL_MOU = "https://wire.example/uk-openai"


def _deal(i, kind, status, parties, date, precision="day", amount=None, sources=(URL_FUND,)):
    text, value, unit, eur = amount or (None, None, None, None)
    return {"id": i, "kind": kind, "status": status, "date": date, "date_precision": precision,
            "amount_text": text, "amount_value": value, "amount_unit": unit, "amount_eur": eur,
            "first_seen": START, "last_seen": START,
            "parties": [{"name": n, "canonical": n, "label": "ORG", "role": r, "entity_id": k}
                        for k, (n, r) in enumerate(parties)],
            "sources": [{"article_id": k, "url": u, "title": "t", "source": f"S{k}", "lang": "fr",
                         "published": START, "status": status, "sentence": "s",
                         "amount_text": text} for k, u in enumerate(sources)]}


DEALS = [
    _deal(1, "partnership", "announced", [("OpenAI", "partner"), ("Royaume-Uni", "partner")], "2025-07-21",
          sources=(URL_MOU,)),
    _deal(2, "public_funding", "announced", [("Bpifrance", "funder"), ("IA Booster France 2030", "recipient")],
          "2025-07-21", amount=("25 M€", 25e6, "EUR", 25e6)),
    _deal(3, "expansion", "announced", [("OpenAI", "investor"), ("Londres", "place")], "2023", "year",
          sources=(URL_MOU,)),
    _deal(4, "investment", "reported", [("OpenAI", "investor"), ("Royaume-Uni", "place")], "2025-07-22",
          sources=(URL_MOU,)),
    _deal(5, "expansion", "announced", [("OpenAI", "investor"), ("Paris", "place")], "2024-10-09"),
]


def test_week_deals_keep_the_news_of_the_week_in_order():
    shown = week_deals(DEALS, START, END, {"Royaume-Uni": "United Kingdom"})
    assert [x["id"] for x in shown] == [2, 1, 4]  # announced first, funding before partnership
    assert shown[1]["who"] == ["OpenAI", "United Kingdom"] and shown[0]["whom"] == ["IA Booster France 2030"]
    assert shown[2]["where"] == ["United Kingdom"] and shown[2]["status"] == "reported"
    assert not is_recent(DEALS[2], START, END) and not is_recent(DEALS[4], START, END)
    assert is_recent({"date": "2025-07", "date_precision": "month"}, START, END)
    assert is_recent({"date": "2025-07-16", "date_precision": "day"}, START, END)  # days before the week


def test_key_figures_lead_with_deal_amounts_and_mark_context():
    money = [{"text": "54 milliards d'euros", "eur": 54e9, "url": URL_FUND},
             {"text": "25 M€", "eur": 25e6, "url": URL_FUND},
             {"text": "25 M€", "eur": 25e6, "url": "https://elsewhere.example/a"}]
    ordered = order_figures(money, {(URL_FUND, "25 M€")})
    assert [(m["text"], m["url"], m["context"]) for m in ordered] == [
        ("25 M€", URL_FUND, False), ("54 milliards d'euros", URL_FUND, True),
        ("25 M€", "https://elsewhere.example/a", True)]


_ROWS = [{"id": 1, "url": URL_FUND, "title": "IA Booster", "source": "Gazette", "lang": "fr",
          "published": "2025-07-21", "text": "Bpifrance mobilise 25 M€ pour IA Booster. France 2030 pèse 54 Md€."},
         {"id": 2, "url": URL_MOU, "title": "UK and OpenAI", "source": "Wire", "lang": "en",
          "published": "2025-07-21", "text": "The UK and OpenAI signed a memorandum."}]
_AMOUNTS = {1: [{"text": "54 Md€", "value": 54e9, "unit": "EUR", "kind": "money", "eur": 54e9, "sentence": 1},
                {"text": "25 M€", "value": 25e6, "unit": "EUR", "kind": "money", "eur": 25e6, "sentence": 0}]}


def _digest(lang):
    rows = [dict(r) for r in _ROWS]
    amounts = {k: [dict(a) for a in v] for k, v in _AMOUNTS.items()}
    ctx = brief.Context(deals=DEALS, names={"Royaume-Uni": "United Kingdom"} if lang == "en" else {})
    return brief.build("2025-W30", rows, {}, amounts, lang, context=ctx)


def test_the_brief_shows_deals_before_key_figures_in_markdown_and_html():
    d = _digest("en")
    assert [x["id"] for x in d.deals] == [2, 1, 4]
    assert d.money[0]["text"] == "25 M€" and d.money[0]["deal"] and d.money[1]["context"]
    md = render(d, "md")
    assert md.index("## Deals of the week") < md.index("## Key figures")
    assert "| OpenAI × United Kingdom |" in md and "€25m" in md and "*(reported)*" in md
    # the French article's "54 Md€" is written the English way in an English brief
    assert "€54bn *(context)*" in md and "Londres" not in md.split("## Key figures")[0]
    assert "· FR)" in md and "told in FR only" in md  # the French account is marked as such
    html = render(_digest("fr"), "html")
    assert html.index("Les deals de la semaine") < html.index("Chiffres clés")
    assert "financement public" in html and "(contexte)" in html
    assert d.to_json()["deals"][0]["kind"] == "public_funding"


def test_the_deal_network_is_drawn_when_deals_share_organisations():
    from digests import charts
    from digests.render import chart_images

    d = _digest("en")
    images = {i["cid"]: i for i in chart_images(d)}
    assert images["chart-deals"]["png"].startswith(b"\x89PNG")
    assert not charts.network_worth_drawing(d.deals[:2])  # two deals: the table says it all
    apart = [{"kind": "partnership", "who": ["A", "B"], "whom": []}, {"kind": "acquisition", "who": ["C"], "whom": ["D"]},
             {"kind": "investment", "who": ["E"], "whom": ["F"]}]
    assert not charts.network_worth_drawing(apart)  # nothing shared: no network to see


def test_summaries_skip_dangling_openers_and_repeated_facts():
    import numpy as np

    from digests.summarize import Source, extractive

    text = ("OpenAI et Booking.com lancent un programme qui vise 20 000 PME dans six pays européens. "
            "Il s'adresse aux dirigeants de petites entreprises qui veulent se former à l'IA générative. "
            "L'objectif affiché : former 20 000 PME dans six pays européens d'ici un an. "
            "Les formations portent sur la rédaction de messages et la préparation de contenus marketing.")
    src = [Source(1, "https://a.example/1", "Un programme pour les PME", "Gazette", "fr", text)]

    def embed(texts):  # distinct directions: only the rules under test can drop a sentence
        v = np.eye(len(texts), 8)[:, :8] + 0.01
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    got = [s.text for s in extractive(src, "fr", embed, k=4)]
    assert got[0].startswith("OpenAI et Booking.com")
    assert not any(s.startswith("Il s'adresse") for s in got)  # leans on the sentence before
    assert not any(s.startswith("L'objectif affiché") for s in got)  # 20 000 PME, six pays: said already
    assert any(s.startswith("Les formations") for s in got)


def test_the_demo_brief_names_the_weeks_deals(demo_run):
    """Done-when of the deals issue: the demo's brief names the UK–OpenAI memorandum, OpenAI ×
    Booking.com and Bpifrance's IA Booster funding, and `query deals --entity OpenAI` lists them.
    The English brief of the demo's week is written from the database of the shared demo run
    (conftest's `demo_run`; `veille demo --lang en` writes the same brief)."""
    import json
    import subprocess
    import sys

    db = demo_run[0]
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "digest", "--db", str(db), "--week", "2025-W30",
                          "--lang", "en"], capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    md = run.stdout
    deals = md.split("## Deals of the week")[1].split("## Key figures")[0]
    assert "| OpenAI × United Kingdom |" in deals
    assert "Booking.com × OpenAI" in deals or "OpenAI × Booking.com" in deals
    assert "| Bpifrance" in deals and "IA Booster France 2030" in deals and "€25m" in deals
    listed = subprocess.run([sys.executable, "-m", "crawler.cli", "query", "deals", "--db", str(db), "--entity",
                             "OpenAI", "--json"], capture_output=True, text=True, timeout=120, check=False)
    names = [{p["canonical"] for p in d["parties"]} for d in json.loads(listed.stdout) if d["kind"] == "partnership"]
    assert {"OpenAI", "Royaume-Uni"} in names and {"OpenAI", "Booking.com"} in names


def test_one_deal_stored_twice_is_one_line_with_each_account_once():
    """The demo's store kept "OpenAI invests in AI Growth Zones" twice (one account names the
    United Kingdom, one does not) and listed a German account twice: the brief shows one line."""
    with_place = _deal(7, "investment", "reported", [("OpenAI", "investor"), ("AI Growth Zones", "recipient"),
                                                     ("Royaume-Uni", "place")], "2025-07-22",
                       sources=(URL_MOU, "https://agora.example/de", "https://agora.example/de"))
    bare = _deal(8, "investment", "reported", [("OpenAI", "investor"), ("AI Growth Zones", "recipient")],
                 "2025-07-22", sources=("https://agora.example/de",))
    other = _deal(9, "investment", "reported", [("OpenAI", "investor"), ("AI Growth Zones", "recipient")],
                  "2025-07-22", amount=("1 Md€", 1e9, "EUR", 1e9))
    shown = week_deals([bare, with_place], START, END)
    assert len(shown) == 1 and shown[0]["where"] == ["Royaume-Uni"]
    assert [s["url"] for s in shown[0]["sources"]] == ["https://agora.example/de", URL_MOU]
    # a sum on one side only does not part them; two different sums would
    assert len(week_deals([bare, other], START, END)) == 1
    assert len(week_deals([other, _deal(10, "investment", "reported", [("OpenAI", "investor"),
               ("AI Growth Zones", "recipient")], "2025-07-22", amount=("5 M€", 5e6, "EUR", 5e6))], START, END)) == 2


def test_the_deal_network_sits_under_the_deals_table_and_the_money_chart_counts_announcements():
    import re

    d = _digest("fr")
    html = render(d, "html")
    deals_at, figures_at = html.index("Les deals de la semaine"), html.index("Chiffres clés")
    net = html.index('investit ou finance qui cette semaine"')  # the network picture's alt text
    assert deals_at < net < figures_at  # the picture under its table, not among the charts below
    assert len(re.findall(r'investit ou finance qui cette semaine"', html)) == 1
    # the money chart leaves out France 2030's 54 Md€ told as context: only the 25 M€ of the week
    assert list(d.charts["money"]["eur"].values()) == [25e6]
    assert "Montants annoncés" not in html  # one bar compares nothing: no chart drawn for it


def test_accounts_and_key_figures_say_the_language_of_what_they_cite():
    md = render(_digest("en"), "md")
    figures = md.split("## Key figures")[1].split("\n\n")[1]
    # the 25 M€ comes from a French article: an English reader is told before following the link
    assert f"[Gazette]({URL_FUND}) FR |" in figures
    assert f"[Gazette]({URL_FUND}) FR" in md.split("## Deals of the week")[0]  # the story's account list
    html = render(_digest("en"), "html")
    cell = html.split("Key figures")[1].split("</tr>")[1]
    assert 'Gazette</a> <span style="color:#8a8a84;">FR</span>' in cell
    assert f"[Gazette]({URL_FUND}) |" in render(_digest("fr"), "md").split("## Chiffres clés")[1]  # own language: no mark


def test_a_storys_amounts_mark_the_context_figures_as_the_key_figures_do():
    d = _digest("en")
    (story,) = [s for s in d.stories if s.url == URL_FUND]
    assert {a["text"]: a["context"] for a in story.amounts} == {"54 Md€": True, "25 M€": False}
    md = render(d, "md")
    assert "`€25m` · `€54bn` *(context)*" in md or "`€54bn` *(context)* · `€25m`" in md
    assert "(contexte)</i>" in render(_digest("fr"), "html").split("Les deals de la semaine")[0]
    # without deal records nothing tells news from background: nothing is marked
    amounts = {k: [dict(a) for a in v] for k, v in _AMOUNTS.items()}
    plain = brief.build("2025-W30", [dict(r) for r in _ROWS], {}, amounts, "en")
    assert not any(a.get("context") for s in plain.stories for a in s.amounts)
