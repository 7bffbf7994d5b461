"""Datasette metadata for `veille serve`: titles, column docs and canned queries.

The canned queries answer the questions of `veille query` in the browser. Every parameter is
a Datasette named parameter, bound by SQLite; an empty field means "no filter". Entities are
found by the SQL of `db.entity_lookup.entity_sql` (canonical name, then alias, then kb id, through
`veille_norm()` of `db/datasette_plugins/`), so "open ai" finds OpenAI as `veille query` does.
The search is built by `db.search` from the constants of `veille query articles`.
"""
from __future__ import annotations

from pathlib import Path

from db.entity_lookup import entity_sql
from db.search import SEARCH_DEPTH, canned_search_sql

PLUGINS_DIR = Path(__file__).parent / "datasette_plugins"

# the entity named by :name, resolved as `db.entity_lookup.lookup` does (name, alias, kb id)
_ENTITY = entity_sql(":name")
# the latest day stored: windows end there when :until is empty
_LAST_DAY = "coalesce(nullif(:until, ''), (SELECT max(day) FROM entity_days))"
_ARTICLE_FILTERS = """(:lang = '' OR a.lang = :lang) AND (:source = '' OR a.source = :source COLLATE NOCASE)"""

CANNED = {
    "search": {
        "title": "Search articles",
        "description": "Full-text search (FTS5 syntax: words, \"phrases\", AND/OR/NOT, prefix*), accents "
                       f"ignored, the {SEARCH_DEPTH:,} most recent matches ranked by BM25 with the title weighing 5x.",
        "sql": canned_search_sql(_ARTICLE_FILTERS),
    },
    "entity": {
        "title": "Entity: profile",
        "description": "Type, aliases and articles of one entity (name or alias, any case or accents).",
        "sql": f"""SELECT e.name, e.label, e.kb_id,
  (SELECT group_concat(alias, ', ') FROM aliases WHERE entity_id = e.id) AS aliases,
  (SELECT sum(articles) FROM entity_days WHERE entity_id = e.id) AS articles,
  (SELECT sum(mentions) FROM entity_days WHERE entity_id = e.id) AS mentions,
  (SELECT min(day) FROM entity_days WHERE entity_id = e.id) AS first_seen,
  (SELECT max(day) FROM entity_days WHERE entity_id = e.id) AS last_seen
FROM entities e WHERE e.id = {_ENTITY}""",
    },
    "entity_weeks": {
        "title": "Entity: articles per week",
        "description": "Articles and mentions of one entity per ISO week, latest first.",
        "sql": f"""SELECT veille_week(day) AS week, sum(articles) AS articles, sum(mentions) AS mentions
FROM entity_days WHERE entity_id = {_ENTITY}
  AND (:since = '' OR day >= :since) AND (:until = '' OR day <= :until)
GROUP BY week ORDER BY week DESC""",
    },
    "entity_cooccurring": {
        "title": "Entity: who appears with it",
        "description": "Entities most often in the same articles, over its latest 1,000 articles.",
        "sql": f"""WITH sample AS MATERIALIZED (
    SELECT article_id FROM entity_articles WHERE entity_id = {_ENTITY} AND day <= {_LAST_DAY}
    ORDER BY day DESC, article_id DESC LIMIT 1000)
SELECT e.name, e.label, count(*) AS articles
FROM sample s JOIN entity_articles ea ON ea.article_id = s.article_id JOIN entities e ON e.id = ea.entity_id
WHERE ea.entity_id <> {_ENTITY}
GROUP BY ea.entity_id ORDER BY articles DESC LIMIT 20""",
    },
    "entity_latest": {
        "title": "Entity: latest articles",
        "description": "The latest articles naming one entity.",
        "sql": f"""SELECT a.published, a.source, a.lang, a.title, ea.mentions, a.url
FROM entity_articles ea JOIN articles a ON a.id = ea.article_id
WHERE ea.entity_id = {_ENTITY} AND a.duplicate_of IS NULL AND {_ARTICLE_FILTERS}
ORDER BY ea.day DESC, ea.article_id DESC LIMIT 20""",
    },
    "top_entities": {
        "title": "Top entities of the week",
        "description": "Entities in most articles over the 7 days ending on :until (default: the latest day "
                       "stored), with the previous 7 days; :type is PER, ORG, LOC, PROG or MISC.",
        "sql": f"""WITH bounds AS (SELECT {_LAST_DAY} AS until_day),
  w AS (SELECT until_day, date(until_day, '-6 days') AS since_day, date(until_day, '-13 days') AS prev_day
        FROM bounds)
SELECT e.name, e.label,
  sum(CASE WHEN d.day >= w.since_day THEN d.articles ELSE 0 END) AS articles,
  sum(CASE WHEN d.day < w.since_day THEN d.articles ELSE 0 END) AS previous
FROM w JOIN entity_days d ON d.day BETWEEN w.prev_day AND w.until_day JOIN entities e ON e.id = d.entity_id
WHERE (:type = '' OR e.label = upper(:type))
GROUP BY +d.entity_id HAVING articles > 0 ORDER BY articles DESC LIMIT 20""",
    },
    "amounts": {
        "title": "The money table",
        "description": "Amounts of money, biggest EUR equivalent first; :currency (EUR, USD...), :min in EUR, "
                       ":name to keep amounts in a sentence naming that entity.",
        "sql": f"""SELECT a.published, a.source, am.text, am.unit, round(am.eur) AS eur, a.title, a.url
FROM amounts am JOIN articles a ON a.id = am.article_id
WHERE am.kind = 'money' AND (:currency = '' OR am.unit = upper(:currency))
  AND am.eur >= coalesce(nullif(:min, '') + 0, 0)
  AND (:name = '' OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = am.article_id
       AND m.sentence = am.sentence AND m.entity_id = {_ENTITY}))
ORDER BY am.eur DESC LIMIT 50""",
    },
    "cooccur": {
        "title": "Two entities together",
        "description": "Articles naming both :a and :b, latest first.",
        "sql": f"""SELECT a.published, a.source, a.title, a.url
FROM entity_articles x JOIN entity_articles y ON y.article_id = x.article_id JOIN articles a ON a.id = x.article_id
WHERE x.entity_id = {entity_sql(":a")}
  AND y.entity_id = {entity_sql(":b")}
ORDER BY x.day DESC, x.article_id DESC LIMIT 50""",
    },
}

TABLES = {
    "articles": {
        "description": "One row per crawled article; copies of an article published elsewhere point to it "
                       "through duplicate_of. Search box: FTS5 syntax, accents ignored.",
        "fts_table": "articles_fts", "fts_pk": "id", "searchmode": "raw",
        "sort_desc": "published", "size": 20,
        "columns": {
            "url": "Address the article was fetched from", "canonical_url": "Its canonical address",
            "url_key": "Normalised URL: an article is stored once per key", "source": "Outlet (sources.toml name)",
            "title": "Headline", "text": "Extracted text (trafilatura)", "published": "Publication day, ISO",
            "lang": "Language code", "content_hash": "SHA-1 of the normalised text",
            "simhash": "Unused since MinHash replaced SimHash (kept for old databases)", "duplicate_of": "The original when this is a copy",
            "status": "new, enriched or skipped", "skip_reason": "Why the analysis skipped it",
            "fetched_at": "When it was crawled (UTC)", "enriched_at": "When it was analysed (UTC)",
            "relevance": "Best watch-topic score, 0..1 (empty before scoring)",
            "on_topic": "1 on a watch topic, 0 off-topic (kept, left out of briefs), empty before scoring",
        },
    },
    "article_topics": {
        "description": "Score of each article on each watch topic: embeddings and keywords, 0..1; "
                       "0.4 and above is on the topic.",
        "sort_desc": "score",
        "columns": {"topic": "Watch topic (veille.toml [[topic]] name)", "score": "0..1"},
    },
    "entities": {
        "description": "Canonical people, organisations, places and programmes.",
        "sort": "name",
        "columns": {"name": "Canonical name", "label": "PER, ORG, LOC, PROG or MISC",
                    "kb_id": "Id in the knowledge base when linked", "norm": "Name casefolded without accents"},
    },
    "aliases": {"description": "Other names of an entity, as written in articles.",
                "columns": {"alias_norm": "Alias casefolded without accents", "alias": "Alias as written"}},
    "mentions": {
        "description": "Each place an entity is named: article, character offsets and sentence number.",
        "columns": {"text": "Words as written", "start": "Offset of the first character in the text",
                    "end": "Offset after the last character", "sentence": "Sentence number, from 0"},
    },
    "amounts": {
        "description": "Money, counts and percentages found in articles, with their EUR equivalent.",
        "sort_desc": "eur",
        "columns": {"value": "Amount in its unit", "unit": "ISO 4217 currency, counted noun, or %",
                    "kind": "money, count or percent", "eur": "EUR equivalent at the dated rate",
                    "sentence": "Sentence number, from 0"},
    },
    "dates": {"description": "Dates mentioned in articles, resolved to ISO.",
              "columns": {"value": "ISO date: 2025-07-21, 2025-07, 2025, 2025-W30 or 2025-Q3",
                          "precision": "day, week, month, quarter or year",
                          "relative": "1 when anchored on the publication date (yesterday, last week)"}},
    "entity_articles": {"description": "Roll-up kept by triggers: one row per article and entity.",
                        "columns": {"day": "Publication day (fetch day when unknown)",
                                    "mentions": "Mentions of the entity in the article"}},
    "entity_days": {"description": "Roll-up kept by triggers: articles and mentions per entity and day."},
    "articles_fts": {"hidden": True},
    "simhash_bands": {"hidden": True},
    "embeddings": {"hidden": True},
    "_migrations": {"hidden": True},
}


# -- deals (migration 8): who partners with, invests in, buys or funds whom ------------------------
_DEAL_PARTIES = """(SELECT group_concat(e.name || ' (' || p.role || ')', '; ') FROM deal_parties p
    JOIN entities e ON e.id = p.entity_id WHERE p.deal_id = d.id)"""
CANNED["deals"] = {
    "title": "Deals",
    "description": "Partnerships, investments, acquisitions, public funding and openings found in articles, "
                   "latest first; :name keeps the deals of one entity, :kind one kind, :min an amount in EUR, "
                   ":since a first day.",
    "sql": f"""SELECT coalesce(d.date, d.first_seen) AS date, d.kind, d.status, {_DEAL_PARTIES} AS parties,
  d.amount_text AS amount, round(d.amount_eur) AS eur,
  (SELECT count(*) FROM deal_sources s WHERE s.deal_id = d.id) AS sources,
  (SELECT a.url FROM deal_sources s JOIN articles a ON a.id = s.article_id WHERE s.deal_id = d.id
   ORDER BY a.published LIMIT 1) AS first_source
FROM deals d
WHERE (:name = '' OR d.id IN (SELECT deal_id FROM deal_parties WHERE entity_id = {_ENTITY}))
  AND (:kind = '' OR d.kind = :kind) AND (:since = '' OR coalesce(d.date, d.first_seen) >= :since)
  AND (:min = '' OR d.amount_eur >= :min + 0)
ORDER BY coalesce(d.date, d.first_seen) DESC, d.id DESC LIMIT 100""",
}
CANNED["partners"] = {
    "title": "Entity: its partners in deals",
    "description": "The counterparties of :name in deals: kinds, number of deals, the last one, total EUR.",
    "sql": f"""SELECT e.name, e.label, group_concat(DISTINCT d.kind) AS kinds, count(DISTINCT d.id) AS deals,
  max(coalesce(d.date, d.first_seen)) AS last_deal, round(sum(d.amount_eur)) AS total_eur
FROM deal_parties me JOIN deals d ON d.id = me.deal_id
JOIN deal_parties other ON other.deal_id = me.deal_id AND other.entity_id <> me.entity_id
JOIN entities e ON e.id = other.entity_id
WHERE me.entity_id = {_ENTITY}
GROUP BY e.id ORDER BY deals DESC, last_deal DESC LIMIT 50""",
}
TABLES["deals"] = {
    "description": "Deals found in articles; one row per deal however many articles tell it.",
    "sort_desc": "date",
    "columns": {"kind": "partnership, investment, acquisition, public_funding or expansion",
                "status": "announced, or reported (a rumour or plan)", "amount_eur": "EUR equivalent",
                "date": "The sentence's date, else the publication day", "first_seen": "Earliest source's day"},
}
TABLES["deal_parties"] = {"description": "Parties of each deal, linked to entities, with their role.",
                          "columns": {"role": "partner, investor, recipient, buyer, target, funder or place"}}
TABLES["deal_sources"] = {"description": "The sentences (and articles) telling each deal.",
                          "columns": {"sentence": "The sentence (or pair) telling the deal"}}


# machinery, not findings: hidden from the home page and the database page (still reachable by
# URL and SQL, which the read-only connections make harmless)
INTERNAL_TABLES = ("_migrations", "articles_fts", "simhash_bands", "minhash_bands", "article_minhash", "embeddings",
                   "feed_validators", "alert_scanned", "outbox", "delivery_attempts", "edit_log_state",
                   "pending_settle")
TEMPLATES_DIR = PLUGINS_DIR / "templates"


def tables_metadata() -> dict:
    """The `tables` block of the metadata: TABLES, with every internal table hidden."""
    return {**TABLES, **{t: {**TABLES.get(t, {}), "hidden": True} for t in INTERNAL_TABLES}}


def metadata(db_name: str, title: str = "veille") -> dict:
    """Datasette metadata (a dict for metadata.json) for the database served as `db_name`."""
    return {
        "title": title,
        "description": "News and policy monitoring: articles, the entities they name and the money at stake. "
                       "Read-only. Start with a question below; the tables are further down.",
        "license": "Apache-2.0",
        "databases": {
            db_name: {
                "description": "Articles, entities, mentions, dates and amounts stored by veille.",
                "tables": tables_metadata(),
                "queries": CANNED,
            }
        },
    }


def datasette_args(path: str, metadata_path: str, *, host: str = "127.0.0.1", port: int = 8001,
                   immutable: bool = False) -> list[str]:
    """Arguments of `datasette serve` for a read-only veille database."""
    # --immutable: a snapshot nobody writes to (Datasette then skips change checks and can offer
    # the file for download); otherwise read connections are opened with mode=ro. Either way the
    # plugins set query_only on every connection (db/datasette_plugins/veille_readonly.py).
    args = ["serve", "--immutable", path] if immutable else ["serve", path]
    args += ["--host", host, "--port", str(port), "--metadata", metadata_path, "--plugins-dir", str(PLUGINS_DIR),
             "--template-dir", str(TEMPLATES_DIR),
             # a million rows: no facet suggestions, bounded facets and queries
             "--setting", "suggest_facets", "off", "--setting", "facet_time_limit_ms", "200",
             "--setting", "sql_time_limit_ms", "3000", "--setting", "default_page_size", "50"]
    return args
