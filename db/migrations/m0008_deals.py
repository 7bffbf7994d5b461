"""Migration 8: deals (partnerships, investments, acquisitions, public funding, expansions),
their parties (linked to entities, with a role) and the articles that report them.

One deal told by several articles, or in several languages, is one row of `deals` with one
`deal_sources` row per telling sentence (see `db.deals.save_deals` for how they are matched).
"""

NUMBER = 8
NAME = "deals, deal_parties, deal_sources"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS deals (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,            -- partnership | investment | acquisition | public_funding | expansion
            status TEXT NOT NULL,          -- announced when any source announces it, else reported
            amount_text TEXT,              -- as first written
            amount_value REAL,
            amount_unit TEXT,              -- ISO 4217
            amount_eur REAL,
            date TEXT,                     -- ISO day, month or year: the sentence's date, else publication
            date_precision TEXT,           -- day | month | year
            first_seen TEXT,               -- earliest publication day of a source
            last_seen TEXT                 -- latest publication day of a source
        );
        CREATE INDEX IF NOT EXISTS idx_deals_kind_date ON deals(kind, date);
        CREATE INDEX IF NOT EXISTS idx_deals_date ON deals(date);
        CREATE TABLE IF NOT EXISTS deal_parties (
            deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            role TEXT NOT NULL,            -- partner | investor | recipient | buyer | target | funder | place
            name TEXT NOT NULL,            -- as first written
            PRIMARY KEY (deal_id, entity_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idx_deal_parties_entity ON deal_parties(entity_id, deal_id);
        CREATE TABLE IF NOT EXISTS deal_sources (
            deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            sentence TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            amount_text TEXT,
            PRIMARY KEY (deal_id, article_id, start)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idx_deal_sources_article ON deal_sources(article_id);
        """
    )
