"""Migration 5: crawl state: MinHash near-dup index, feed validators, source health, crawl runs."""

NUMBER = 5
NAME = "minhash bands, feed validators, source health, crawl runs"


SCHEMA = """
        -- full publication time (UTC ISO) when the feed or page gives one: of two copies of a
        -- story, the one published first is the original, whichever was crawled first
        ALTER TABLE articles ADD COLUMN published_at TEXT;

        -- MinHash signature of each original article and its LSH band keys (nlp/dedup.py)
        CREATE TABLE article_minhash (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            signature BLOB NOT NULL,
            shingles INTEGER NOT NULL
        );
        CREATE TABLE minhash_bands (
            band INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
        );
        CREATE INDEX idx_minhash_bands ON minhash_bands(band);
        CREATE INDEX idx_minhash_bands_article ON minhash_bands(article_id);

        -- Conditional GET: the validators a feed or sitemap answered with last time. Written only
        -- at the end of a crawl that finished, so a killed crawl refetches the feed next time.
        CREATE TABLE feed_validators (
            url TEXT PRIMARY KEY,
            source TEXT,
            etag TEXT,
            last_modified TEXT,
            checked_at TEXT NOT NULL
        );

        -- One row per source: the last crawl's figures and running totals (`veille sources check`)
        CREATE TABLE source_health (
            source TEXT PRIMARY KEY,
            status TEXT NOT NULL,              -- ok | degraded | blocked | failing | unreachable
            runs INTEGER NOT NULL DEFAULT 0,
            last_run TEXT,
            last_success TEXT,                 -- last run where an entry point was read
            entry_points INTEGER NOT NULL DEFAULT 0,
            entry_points_ok INTEGER NOT NULL DEFAULT 0,
            not_modified INTEGER NOT NULL DEFAULT 0,
            items_seen INTEGER NOT NULL DEFAULT 0,
            articles_requested INTEGER NOT NULL DEFAULT 0,
            articles_fetched INTEGER NOT NULL DEFAULT 0,
            articles_forbidden INTEGER NOT NULL DEFAULT 0,
            robots_disallowed INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            errors_total INTEGER NOT NULL DEFAULT 0,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            avg_delay REAL,                    -- mean download latency of the last run, seconds
            last_error TEXT,
            last_error_at TEXT
        );

        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            spider TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            finish_reason TEXT,
            stats TEXT                          -- Scrapy's stats as JSON
        );
        """


def apply(db) -> None:
    db.executescript(SCHEMA)
