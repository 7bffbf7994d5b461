"""One monitoring cycle: crawl → enrich → queue alerts → deliver them, as a library call.

`veille crawl` and `veille run` call `run_cycle` and print the `CycleReport` it returns;
`veille enrich` calls `enrich_and_queue`, the middle of the cycle. `veille watch`
(`crawler.watch`) runs the same steps, `prepare`, a crawl, `enrich_and_queue` and
`deliver_alerts`, with its `Models` kept loaded between cycles. Everything here takes plain
values: the CLI turns the configuration into `CycleOptions`.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crawler.enrich import EnrichReport
from db.store import Store
from nlp.errors import VeilleError

log = logging.getLogger(__name__)

CRAWL_TIMEOUT = 24 * 3600  # seconds: a crawl of the whole watch list with polite delays fits well within


class CrawlFailed(VeilleError, RuntimeError):
    """The crawl subprocess failed or timed out; the message names its log."""


@dataclass
class EnrichOptions:
    """What enrichment needs from the settings (see `crawler.config.SETTINGS`)."""

    model_size: str
    batch_size: int
    processes: int | str  # a number, or "auto"
    embedding: str | None  # None: keyword topic scores only
    topics: list | None = None  # `[[topic]]` tables as read from veille.toml; None: the default topics


@dataclass
class CycleOptions:
    db: str
    enrichment: EnrichOptions
    lang: str  # of alert messages
    sources: str | None = None  # sources.toml; None: the packaged watch list
    spider: str = "sources"
    since: str | None = None  # YYYY-MM-DD: skip older feed and sitemap entries
    settings: dict[str, str] = field(default_factory=dict)  # Scrapy setting overrides
    enrich: bool = True
    deliver: bool = True  # send due alerts after enrichment (else they wait for `veille alerts run`)
    alert_timeout: float = 10.0  # seconds one channel may take
    subscriptions: list[dict] = field(default_factory=list)  # `[[alert]]` tables, synced before crawling
    crawl_timeout: float = CRAWL_TIMEOUT
    log_file: str | None = None  # default: <db>.crawl.log
    on_crawl_progress: Callable[[dict], None] | None = None
    on_enrich_progress: Callable[[int], None] | None = None


@dataclass
class CrawlSummary:
    sources: int = 0
    pages: int = 0
    stored: int = 0
    duplicates: int = 0
    already_known: int = 0
    errors: int = 0
    not_modified: int = 0
    seconds: float = 0.0

    @classmethod
    def from_stats(cls, stats: dict, seconds: float) -> CrawlSummary:
        return cls(sources=stats.get("veille/sources", 0), pages=stats.get("response_received_count", 0),
                   stored=stats.get("veille/articles_stored", 0),
                   duplicates=stats.get("veille/articles_duplicates", 0),
                   already_known=stats.get("veille/articles_known", 0), errors=stats.get("veille/errors", 0),
                   not_modified=stats.get("veille/entry_points_not_modified", 0), seconds=round(seconds, 1))


@dataclass
class AlertSummary:
    queued: int = 0  # outbox rows matched in this pass
    sent: int = 0
    messages: int = 0
    failed: int = 0
    deferred: int = 0
    in_doubt: int = 0
    retried: int = 0  # claimed but never handed over by a dead run: sent again
    dead: int = 0  # failed past the retry window: given up
    briefs_sent: int = 0
    briefs_failed: int = 0
    locked: bool = False  # another delivery run held the lock: this one sent nothing
    errors: list[str] = field(default_factory=list)  # delivery failures
    matching_errors: dict[str, str] = field(default_factory=dict)  # subscription name → why it did not match

    @property
    def delivery_failed(self) -> bool:
        """Whether a send of this pass failed or a row was given up: what a cron job must see.

        A run that found the lock held, or rows left in doubt by an earlier run, did not fail.
        """
        return bool(self.failed or self.dead or self.briefs_failed)


@dataclass
class CycleReport:
    crawl: CrawlSummary
    stats: dict  # Scrapy's own stats of the crawl
    log_file: str
    enrich: EnrichReport | None = None  # None: enrichment not run
    queued: AlertSummary = field(default_factory=AlertSummary)  # matched right after enrichment
    alerts: AlertSummary | None = None  # the delivery pass; None: not delivered

    def summary(self) -> dict:
        """The one-line figures: crawl counts, articles analysed, alerts queued and sent."""
        out = {k: v for k, v in asdict(self.crawl).items() if k != "seconds"}
        out["enriched"] = self.enrich.analysed if self.enrich else 0
        out["alerts_queued"] = self.queued.queued
        if self.alerts is not None:
            out["alerts_sent"] = self.alerts.sent
        out["seconds"] = self.crawl.seconds
        return out

    def to_json(self) -> dict:
        return {"summary": self.summary(), "enrich": asdict(self.enrich) if self.enrich else None,
                "alerts": asdict(self.alerts) if self.alerts else None, "queued": asdict(self.queued),
                "log": self.log_file, "stats": self.stats}


class Models:
    """The models a long-running caller keeps loaded from one cycle to the next: the analyzer
    (with its worker processes, if any) and the topic scorer with its embedding encoder.

    Loading them costs seconds to tens of seconds; a resident `veille watch` pays it once.
    The knowledge base is read once too: entity edits made meanwhile apply after a restart.
    """

    def __init__(self, store: Store, options: EnrichOptions, *, processes: int = 1, langs=()):
        from crawler.enrich import topic_stage
        from db.entity_edits import load_kb
        from nlp.analyze import Analyzer
        from nlp.topics import parse_topics

        topics = parse_topics(options.topics)  # a bad [[topic]] table fails before any model loads
        self.analyzer = Analyzer(load_kb(store.path), size=options.model_size, n_process=processes,
                                 batch_size=options.batch_size, preload=sorted(langs) or None)
        self.scorer = topic_stage(store, topics, options.embedding)
        self._warm(options, langs)

    def _warm(self, options: EnrichOptions, langs) -> None:
        """Load every model now, not inside the first article's alert."""
        from nlp.models import supported

        started = time.monotonic()
        self.analyzer.start()  # worker processes, each loading its pipelines
        if self.analyzer.n_process == 1:
            self.analyzer.warm(sorted(set(langs) & set(supported())))
        if options.embedding:
            from nlp.embed import get_encoder

            get_encoder(options.embedding).encode(["warm-up"])
        log.info("models loaded in %.1f s", time.monotonic() - started)

    def close(self) -> None:
        self.analyzer.close()


def sync_subscriptions(store: Store, tables: list[dict]) -> None:
    """Save the `[[alert]]` subscriptions of the configuration; raises SubscriptionError."""
    from digests import alerts

    declared = alerts.from_config(tables)
    if declared:
        alerts.sync_config(store.db, declared)


def queue_alerts(store: Store, tables: list[dict]) -> AlertSummary:
    """Match analysed articles not yet matched against the active subscriptions."""
    from digests import alerts

    sync_subscriptions(store, tables)
    report = alerts.match_new(store.db)
    if report.queued:
        log.info("queued %d alert(s) from %d article(s)", report.queued, report.scanned)
    return AlertSummary(queued=report.queued, matching_errors=dict(report.errors))


def deliver_alerts(store: Store, tables: list[dict], *, lang: str, timeout: float) -> AlertSummary:
    """Match what is left, then send every due alert, each channel bounded by `timeout` seconds."""
    from digests.delivery import deliver_due

    summary = queue_alerts(store, tables)
    report = deliver_due(store.db, timeout=timeout, lang=lang)
    for name in ("sent", "messages", "failed", "deferred", "in_doubt", "retried", "dead", "briefs_sent",
                 "briefs_failed", "locked"):
        setattr(summary, name, getattr(report, name))
    summary.errors = list(report.errors)
    return summary


def enrich_and_queue(store: Store, options: EnrichOptions, subscriptions: list[dict], *, redo: bool = False,
                     progress: Callable[[int], None] | None = None, models: Models | None = None,
                     stop: Callable[[], bool] | None = None) -> tuple[EnrichReport, AlertSummary]:
    """Analyse the pending articles (all with `redo`), then queue their alerts in the same run.

    With `models` (kept loaded by `veille watch`) nothing is loaded here; `stop()` is asked
    between batches (see `crawler.enrich.enrich`).
    """
    from crawler.enrich import run_enrichment
    from nlp.topics import parse_topics

    topics = parse_topics(options.topics)  # a bad [[topic]] table fails before any model loads
    total = store.db["articles"].count if redo else store.count_pending()
    report = EnrichReport()
    if total:
        report = run_enrichment(store, model_size=options.model_size, batch_size=options.batch_size,
                                processes=options.processes, embedding=options.embedding, topics=topics,
                                redo=redo, progress=progress, stop=stop,
                                analyzer=models.analyzer if models else None,
                                scorer=models.scorer if models else None)
    # with nothing pending this still matches articles analysed by a run that stopped before matching
    return report, queue_alerts(store, subscriptions)


def crawl(options: CycleOptions) -> tuple[dict, str]:
    """Scrapy's stats of one crawl into `options.db` (in a subprocess), and its log file."""
    import subprocess

    from crawler.crawl import crawl_in_subprocess

    log_file = options.log_file or str(Path(options.db).with_suffix(".crawl.log"))
    try:
        stats = crawl_in_subprocess(options.db, options.sources, options.spider, dict(options.settings),
                                    options.since, timeout=options.crawl_timeout, log_file=log_file,
                                    on_progress=options.on_crawl_progress)
    except RuntimeError as exc:  # the child's exit status, with the log to read
        raise CrawlFailed(str(exc)) from None
    except subprocess.TimeoutExpired:
        raise CrawlFailed(f"crawl stopped after {options.crawl_timeout:.0f} s; see {log_file}") from None
    return stats, log_file


def prepare(options: CycleOptions) -> None:
    """Before a first crawl: the database created and migrated, the configured subscriptions saved."""
    Path(options.db).parent.mkdir(parents=True, exist_ok=True)  # the user data directory, on a first run
    with Store(options.db) as store:
        sync_subscriptions(store, options.subscriptions)


def run_cycle(options: CycleOptions) -> CycleReport:
    """Crawl the watch list, analyse what is new, queue its alerts and (with `deliver`) send them.

    The database is created and migrated first, and the configured subscriptions saved, so
    the crawl and the matching see them. Raises a `VeilleError` (CrawlFailed, TopicError,
    SubscriptionError...) that says what went wrong.
    """
    prepare(options)
    started = time.monotonic()
    stats, log_file = crawl(options)
    report = CycleReport(crawl=CrawlSummary.from_stats(stats, time.monotonic() - started), stats=stats,
                         log_file=log_file)
    with Store(options.db) as store:
        if options.enrich:
            report.enrich, report.queued = enrich_and_queue(store, options.enrichment, options.subscriptions,
                                                            progress=options.on_enrich_progress)
        if options.deliver:
            report.alerts = deliver_alerts(store, options.subscriptions, lang=options.lang,
                                           timeout=options.alert_timeout)
    return report
