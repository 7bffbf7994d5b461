"""Source health, as the crawler and `veille sources check` see it.

The records and their SQL live in `db/health.py` (no SQL in `crawler/`); the crawl writes them
through `crawler.extensions.HealthRecorder`. Re-exported here for the commands that read them.
"""
from db.health import FAILING_AFTER, STATUSES, SourceRun, load_health  # noqa: F401
