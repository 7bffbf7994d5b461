"""Migration 2: roll-ups and indexes that keep `veille query` fast at a million articles.

Counting an entity's articles per week, ranking entities over a period or finding its latest
articles from `mentions` alone means touching every mention of a frequent entity (hundreds of
thousands of rows for the few entities named in most articles). Two roll-ups, kept exact by
triggers so that no writer (store, enrichment, hand edits) has to know about them, bound that
work:

- `entity_articles`: one row per (article, entity) with the article's day and the number of
  mentions; indexed by entity and day (latest articles, co-occurrence, timelines) and by day
  (rankings with filters).
- `entity_days`: articles and mentions per (day, entity): timelines, rankings over any period.
- `entity_weeks`: the same per ISO week, indexed by (week, articles): the week's top entities
  are the first rows of an index, whatever the size of the database.

The day is the publication date, or the fetch date when the article has none.
"""
from __future__ import annotations

NUMBER = 2
NAME = "query paths: entity roll-ups and indexes"

TABLES = """
CREATE TABLE IF NOT EXISTS entity_articles (
    article_id INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    PRIMARY KEY (article_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_entity_articles_entity ON entity_articles(entity_id, day, article_id);
CREATE INDEX IF NOT EXISTS idx_entity_articles_day ON entity_articles(day, entity_id);
CREATE TABLE IF NOT EXISTS entity_days (
    day TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    PRIMARY KEY (day, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_entity_days_entity ON entity_days(entity_id, day, articles, mentions);
-- per ISO week (keyed by its Monday): the week's ranking is a walk down this index
CREATE TABLE IF NOT EXISTS entity_weeks (
    week TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    PRIMARY KEY (week, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_entity_weeks_rank ON entity_weeks(week, articles DESC, entity_id);
-- the money table is read biggest first, with or without a currency
CREATE INDEX IF NOT EXISTS idx_amounts_eur ON amounts(kind, eur);
CREATE INDEX IF NOT EXISTS idx_entities_label ON entities(label, name);
CREATE INDEX IF NOT EXISTS idx_aliases_entity ON aliases(entity_id);
-- published, lang, duplicate_of sit after the long `text` column: reading them from the table
-- walks the text's overflow pages, so joins that only filter articles use this covering index
CREATE INDEX IF NOT EXISTS idx_articles_meta ON articles(id, published, lang, source, duplicate_of);
"""

# the article's day, as the roll-ups store it
DAY = "coalesce(substr({a}.published, 1, 10), substr({a}.fetched_at, 1, 10))"
# the Monday of a day's ISO week ('weekday 0' moves to the next Sunday, or stays on one)
WEEK = "date({d}, 'weekday 0', '-6 days')"

TRIGGERS = f"""
CREATE TRIGGER IF NOT EXISTS rollup_mentions_ai AFTER INSERT ON mentions BEGIN
    INSERT INTO entity_articles (article_id, entity_id, day, mentions)
    SELECT new.article_id, new.entity_id, {DAY.format(a="a")}, 1 FROM articles a WHERE a.id = new.article_id
    ON CONFLICT (article_id, entity_id) DO UPDATE SET mentions = mentions + 1;
END;
CREATE TRIGGER IF NOT EXISTS rollup_mentions_ad AFTER DELETE ON mentions BEGIN
    UPDATE entity_articles SET mentions = mentions - 1
    WHERE article_id = old.article_id AND entity_id = old.entity_id;
    DELETE FROM entity_articles
    WHERE article_id = old.article_id AND entity_id = old.entity_id AND mentions <= 0;
END;
CREATE TRIGGER IF NOT EXISTS rollup_mentions_au AFTER UPDATE OF article_id, entity_id ON mentions
WHEN old.article_id <> new.article_id OR old.entity_id <> new.entity_id BEGIN
    UPDATE entity_articles SET mentions = mentions - 1
    WHERE article_id = old.article_id AND entity_id = old.entity_id;
    DELETE FROM entity_articles
    WHERE article_id = old.article_id AND entity_id = old.entity_id AND mentions <= 0;
    INSERT INTO entity_articles (article_id, entity_id, day, mentions)
    SELECT new.article_id, new.entity_id, {DAY.format(a="a")}, 1 FROM articles a WHERE a.id = new.article_id
    ON CONFLICT (article_id, entity_id) DO UPDATE SET mentions = mentions + 1;
END;
CREATE TRIGGER IF NOT EXISTS rollup_pairs_ai AFTER INSERT ON entity_articles BEGIN
    INSERT INTO entity_days (day, entity_id, articles, mentions) VALUES (new.day, new.entity_id, 1, new.mentions)
    ON CONFLICT (day, entity_id) DO UPDATE SET articles = articles + 1, mentions = mentions + excluded.mentions;
    INSERT INTO entity_weeks (week, entity_id, articles, mentions)
    VALUES ({WEEK.format(d="new.day")}, new.entity_id, 1, new.mentions)
    ON CONFLICT (week, entity_id) DO UPDATE SET articles = articles + 1, mentions = mentions + excluded.mentions;
END;
CREATE TRIGGER IF NOT EXISTS rollup_pairs_au AFTER UPDATE OF mentions ON entity_articles BEGIN
    UPDATE entity_days SET mentions = mentions + new.mentions - old.mentions
    WHERE day = new.day AND entity_id = new.entity_id;
    UPDATE entity_weeks SET mentions = mentions + new.mentions - old.mentions
    WHERE week = {WEEK.format(d="new.day")} AND entity_id = new.entity_id;
END;
CREATE TRIGGER IF NOT EXISTS rollup_pairs_ad AFTER DELETE ON entity_articles BEGIN
    UPDATE entity_days SET articles = articles - 1, mentions = mentions - old.mentions
    WHERE day = old.day AND entity_id = old.entity_id;
    DELETE FROM entity_days WHERE day = old.day AND entity_id = old.entity_id AND articles <= 0;
    UPDATE entity_weeks SET articles = articles - 1, mentions = mentions - old.mentions
    WHERE week = {WEEK.format(d="old.day")} AND entity_id = old.entity_id;
    DELETE FROM entity_weeks WHERE week = {WEEK.format(d="old.day")} AND entity_id = old.entity_id AND articles <= 0;
END;
-- a corrected publication date moves the article's rows to their new day
CREATE TRIGGER IF NOT EXISTS rollup_articles_day AFTER UPDATE OF published ON articles
WHEN coalesce(old.published, '') <> coalesce(new.published, '') BEGIN
    DELETE FROM entity_articles WHERE article_id = new.id;
    INSERT INTO entity_articles (article_id, entity_id, day, mentions)
    SELECT new.id, m.entity_id, {DAY.format(a="new")}, count(*) FROM mentions m
    WHERE m.article_id = new.id GROUP BY m.entity_id;
END;
"""

TRIGGER_NAMES = (
    "rollup_mentions_ai", "rollup_mentions_ad", "rollup_mentions_au",
    "rollup_pairs_ai", "rollup_pairs_au", "rollup_pairs_ad", "rollup_articles_day",
)

# Bulk loads (migrating a big database, the synthetic benchmark database) fill the roll-ups
# with two GROUP BY passes instead of firing the triggers row by row.
BACKFILL = f"""
DELETE FROM entity_weeks;
DELETE FROM entity_days;
DELETE FROM entity_articles;
INSERT INTO entity_articles (article_id, entity_id, day, mentions)
SELECT m.article_id, m.entity_id, {DAY.format(a="a")}, count(*)
FROM mentions m JOIN articles a ON a.id = m.article_id
GROUP BY m.article_id, m.entity_id;
INSERT INTO entity_days (day, entity_id, articles, mentions)
SELECT day, entity_id, count(*), sum(mentions) FROM entity_articles GROUP BY day, entity_id;
INSERT INTO entity_weeks (week, entity_id, articles, mentions)
SELECT {WEEK.format(d="day")}, entity_id, sum(articles), sum(mentions) FROM entity_days GROUP BY 1, 2;
"""

# the weekly roll-up alone, for a database whose day roll-ups are already filled
BACKFILL_WEEKS = f"""
DELETE FROM entity_weeks;
INSERT INTO entity_weeks (week, entity_id, articles, mentions)
SELECT {WEEK.format(d="day")}, entity_id, sum(articles), sum(mentions) FROM entity_days GROUP BY 1, 2;
"""


def drop_triggers_sql() -> str:
    """SQL dropping the roll-up triggers (before a bulk load; `TRIGGERS` puts them back)."""
    return "\n".join(f"DROP TRIGGER IF EXISTS {name};" for name in TRIGGER_NAMES)


def apply(db) -> None:
    db.executescript(TABLES)
    db.executescript(BACKFILL)  # before the triggers exist, so rows are counted once
    db.executescript(TRIGGERS)
