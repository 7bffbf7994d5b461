"""`veille crawl`, `veille run` and `veille enrich`: one cycle (`crawler.cycle`), or its middle.

`crawl` and `run` share every option and the same report, so they cannot drift apart: `run`
is a crawl that also sends the alerts it queued.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from crawler.options import db_option, json_option, settings_option, since_option, sources_option


def enrich_options(config: dict, processes: int | None = None):
    """`crawler.cycle.EnrichOptions` from the settings (and a --processes option)."""
    from crawler.cycle import EnrichOptions

    return EnrichOptions(model_size=config["model_size"], batch_size=config["batch_size"],
                         processes=processes if processes is not None else config["processes"],
                         embedding=config["embedding"], topics=config["topic"])


def _cycle_options(f):
    """The options `crawl` and `run` share."""
    for option in reversed([
        db_option(create=True), sources_option,
        click.option("--spider", default="sources", show_default=True, type=click.Choice(
            ["sources", "feeds", "sitemaps", "listings"]), help="Which spider crawls the watch list."),
        since_option(), settings_option,
        click.option("--no-enrich", is_flag=True, help="Store articles only; run `veille enrich` later."),
        json_option("Print the cycle's report as one JSON document."),
    ]):
        f = option(f)
    return click.pass_context(f)


def _run(ctx, *, db, sources, spider, since, settings, no_enrich, as_json, deliver: bool, timeout: float = 10.0):
    from crawler.cycle import CycleOptions, run_cycle
    from crawler.progress import CrawlProgress

    config = ctx.obj
    with CrawlProgress() as progress:
        options = CycleOptions(db=db, enrichment=enrich_options(config), lang=config["lang"],
                               sources=sources or config["sources"], spider=spider, since=since,
                               settings=settings, enrich=not no_enrich, deliver=deliver, alert_timeout=timeout,
                               subscriptions=config["alert"], on_crawl_progress=progress.update)
        report = run_cycle(options)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str, ensure_ascii=False))
        return
    click.echo(" · ".join(f"{k}: {v}" for k, v in report.summary().items()))
    for name, error in {**report.queued.matching_errors, **(report.alerts.matching_errors if report.alerts
                                                            else {})}.items():
        click.echo(f"alert {name}: {error}", err=True)
    if report.alerts is not None:
        print_alerts(report.alerts)
    click.echo(f"log: {report.log_file}", err=True)


def print_alerts(a) -> None:
    """One line for a delivery pass (`crawler.cycle.AlertSummary`), its errors on stderr."""
    click.echo(f"alerts: queued {a.queued} · sent {a.sent} in {a.messages} message(s) · failed {a.failed}"
               f" · deferred {a.deferred} · in doubt {a.in_doubt}")
    for e in a.errors:
        click.echo(f"  {e}", err=True)


@click.command()
@_cycle_options
def crawl(ctx, **kw):
    """Crawl the watch list with the real Scrapy spiders, store new articles, analyse them.

    The alerts of new articles are queued; `veille run` (or `veille alerts run`) sends them.

    \b
    Examples:
      veille crawl --db veille.db
      veille crawl --sources my-sources.toml -s DOWNLOAD_DELAY=2 --since 2025-07-01
      veille crawl --spider feeds --no-enrich --json
    """
    _run(ctx, deliver=False, **kw)


@click.command("run")
@_cycle_options
@click.option("--timeout", default=10.0, show_default=True, help="Seconds one alert channel may take.")
def run(ctx, timeout, **kw):
    """One cycle: crawl the watch list, analyse new articles, queue and send their alerts.

    Alerts are sent after the crawl, each channel bounded by --timeout, so a slow or dead
    channel never holds up crawling; failed ones are retried on the next cycle. Run it from
    cron or a systemd timer.

    \b
    Examples:
      veille run --db veille.db
      veille run --sources my-sources.toml -s DOWNLOAD_DELAY=2 --json
    """
    _run(ctx, deliver=True, timeout=timeout, **kw)


@click.command()
@db_option
@click.option("--redo", is_flag=True, help="Analyse every article again (after a model or rule change).")
@click.option("--processes", type=click.IntRange(1, 64),
              help="Worker processes, one model copy each (default: the `processes` setting).")
@json_option("Print the run's counts as one JSON document.")
@click.pass_context
def enrich(ctx, db, redo, processes, as_json):
    """Analyse stored articles not yet analysed: language, entities, dates, amounts, topics.

    Then queue the alerts of what was analysed.

    \b
    Examples:
      veille enrich --db veille.db
      veille enrich --redo --processes 2
      veille enrich --json     # {"analysed": ..., "on_topic": ..., "promoted": [...], "relabelled": ...}
    """
    from tqdm import tqdm

    from crawler.cycle import enrich_and_queue
    from crawler.options import open_store

    with open_store(db) as store:
        total = store.db["articles"].count if redo else store.count_pending()
        with tqdm(total=total, desc="enrich", unit="art", disable=None, file=sys.stderr, leave=False) as bar:
            report, queued = enrich_and_queue(store, enrich_options(ctx.obj, processes), ctx.obj["alert"],
                                              redo=redo, progress=bar.update)
    for name, error in queued.matching_errors.items():
        click.echo(f"alert {name}: {error}", err=True)
    if as_json:
        click.echo(json.dumps(asdict(report), ensure_ascii=False))
        return
    click.echo(f"analysed {report.analysed} article(s), {report.on_topic} on the watch topics")
    if report.promoted:
        click.echo("new canonical entities: " + ", ".join(p["name"] for p in report.promoted))
    if report.relabelled:
        click.echo(f"entity types corrected by votes: {report.relabelled}")


COMMANDS = [crawl, run, enrich]
