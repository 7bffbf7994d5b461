"""Migration 10: what a crawl refused, and crawl runs recorded while they run.

`refused_private` counts requests to private addresses a source did not declare (SSRF);
`feeds_refused` counts feeds and sitemaps refused unread (XML entity declarations). A run row
is written at the start (`finish_reason = 'running'`, with the crawl's pid) and rewritten as it
goes, so a run killed with SIGKILL still leaves its record: the next run marks it `killed` and
folds its last health snapshot into `source_health`.
"""

NUMBER = 10
NAME = "refused destinations and feeds, live crawl runs"


def apply(db) -> None:
    db.executescript(
        """
        ALTER TABLE source_health ADD COLUMN refused_private INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE source_health ADD COLUMN feeds_refused INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
        ALTER TABLE crawl_runs ADD COLUMN health TEXT;  -- last per-source snapshot, JSON
        CREATE INDEX IF NOT EXISTS idx_crawl_runs_running ON crawl_runs(finish_reason)
            WHERE finish_reason = 'running';
        """
    )
