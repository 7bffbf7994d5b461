"""Migration 1: sources, articles with FTS5, entities, aliases, mentions, dates, amounts, embeddings."""

NUMBER = 1
NAME = "articles, entities, mentions, dates, amounts"


SCHEMA = """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            homepage TEXT, lang TEXT, country TEXT, kind TEXT
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL,
            url_key TEXT NOT NULL UNIQUE,
            source TEXT,
            title TEXT,
            text TEXT NOT NULL,
            published TEXT,           -- ISO date YYYY-MM-DD
            author TEXT,
            lang TEXT,
            content_hash TEXT NOT NULL,
            simhash INTEGER,
            duplicate_of INTEGER REFERENCES articles(id),
            status TEXT NOT NULL DEFAULT 'new',   -- new | enriched | skipped
            skip_reason TEXT,
            fetched_at TEXT NOT NULL,
            enriched_at TEXT
        );
        CREATE INDEX idx_articles_published ON articles(published);
        CREATE INDEX idx_articles_status ON articles(status);
        CREATE INDEX idx_articles_hash ON articles(content_hash);
        CREATE INDEX idx_articles_source ON articles(source, published);
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            label TEXT NOT NULL,
            kb_id TEXT UNIQUE,
            norm TEXT NOT NULL UNIQUE     -- normalised name: one row per canonical entity
        );
        CREATE TABLE aliases (
            alias_norm TEXT NOT NULL,
            entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            PRIMARY KEY (alias_norm, entity_id)
        );
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            label TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            sentence INTEGER
        );
        CREATE INDEX idx_mentions_entity ON mentions(entity_id, article_id);
        CREATE INDEX idx_mentions_article ON mentions(article_id);
        CREATE TABLE dates (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            text TEXT NOT NULL, value TEXT NOT NULL, precision TEXT NOT NULL,
            relative INTEGER NOT NULL DEFAULT 0,
            start INTEGER NOT NULL, "end" INTEGER NOT NULL
        );
        CREATE INDEX idx_dates_article ON dates(article_id);
        CREATE INDEX idx_dates_value ON dates(value);
        CREATE TABLE amounts (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            text TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL,
            eur REAL,
            start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            sentence INTEGER
        );
        CREATE INDEX idx_amounts_article ON amounts(article_id);
        CREATE INDEX idx_amounts_kind ON amounts(kind, unit, eur);
        CREATE TABLE simhash_bands (
            band INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
        );
        CREATE INDEX idx_simhash_bands ON simhash_bands(band);
        CREATE TABLE embeddings (
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,          -- float32, L2-normalised
            PRIMARY KEY (content_hash, model)
        );
        """


def apply(db) -> None:
    db.executescript(SCHEMA)
