"""Migration 13: `veille watch` state: each source's poll schedule, and the weekly briefs it wrote.

The feed and sitemap validators (ETag, Last-Modified) that make polls conditional are the
`feed_validators` table of migration 5, shared with `veille crawl`: one set per URL, whichever
command polled it last.
"""

NUMBER = 13
NAME = "watch: per-source poll schedule and backoff, weekly briefs written"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE watch_sources (
            source TEXT PRIMARY KEY,
            every REAL NOT NULL,               -- the source's own interval, seconds
            interval REAL NOT NULL,            -- the wait after the last poll: every, or more after backoff
            last_poll TEXT,                    -- UTC ISO time the last poll ended
            next_poll TEXT,                    -- UTC ISO time the next poll is due
            outcome TEXT,                      -- new | unchanged | failed, of the last poll
            polls INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,   -- failed polls in a row
            unchanged INTEGER NOT NULL DEFAULT 0,  -- polls in a row with nothing new
            new_articles INTEGER NOT NULL DEFAULT 0,  -- stored by the last poll
            new_total INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,        -- errors in the last poll
            last_error TEXT
        );

        -- One row per ISO week whose brief `veille watch --brief` wrote, so a restart never writes it twice
        CREATE TABLE watch_briefs (
            week TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            written_at TEXT NOT NULL
        );
        """
    )
