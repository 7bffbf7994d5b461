"""Migration 3: alert subscriptions, the outbox (one row per subscription and article), attempts.

Times are ISO 8601 UTC strings of one fixed shape (`2025-07-24T09:30:00+00:00`), so they
compare correctly as text.
"""

NUMBER = 3
NAME = "alerts: subscriptions, outbox, delivery attempts"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT,                          -- FTS5 query over title and text, or NULL
            entities TEXT NOT NULL DEFAULT '[]', -- JSON list of names: every one must be mentioned
            topic TEXT,
            lang TEXT,
            min_amount REAL,                     -- EUR: some money amount at least this large
            notify TEXT,                         -- Apprise URL; NULL: the Atom feed only
            every TEXT NOT NULL DEFAULT 'immediate' CHECK (every IN ('immediate', 'hourly', 'daily')),
            active INTEGER NOT NULL DEFAULT 1,
            origin TEXT NOT NULL DEFAULT 'cli',  -- cli | config (declared in veille.toml)
            start_after INTEGER NOT NULL DEFAULT 0,  -- only articles with a larger id are matched
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            error TEXT,                          -- why matching failed last time, until it works
            error_at TEXT
        );
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            why TEXT NOT NULL DEFAULT '{}',      -- JSON: snippet with the matched terms, entities, amounts
            created_at TEXT NOT NULL,
            due_at TEXT NOT NULL,                -- not sent before (the end of a batch period)
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'in_doubt', 'feed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claim TEXT,                          -- token of the delivery run holding the row
            lease_until TEXT,                    -- a 'sending' row past this was abandoned mid-send
            sent_at TEXT,
            last_error TEXT,
            UNIQUE (subscription_id, article_id)
        );
        CREATE INDEX idx_outbox_status ON outbox(status, next_attempt_at);
        CREATE INDEX idx_outbox_article ON outbox(article_id);
        CREATE TABLE delivery_attempts (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
            claim TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,                        -- NULL while in flight; sent | failed | in_doubt
            error TEXT
        );
        CREATE INDEX idx_attempts_outbox ON delivery_attempts(outbox_id);
        CREATE TABLE alert_scanned (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        );
        """
    )
