"""`veille run`: one cycle of crawl → enrich (which queues alerts) → alert delivery."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from crawler.options import db_option


@click.command("run")
@db_option
@click.option("--sources", type=click.Path(exists=True, dir_okay=False), help="sources.toml to crawl.")
@click.option("--since", help="Skip feed and sitemap entries older than this date (YYYY-MM-DD).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds one alert channel may take.")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl and alert figures as JSON.")
@click.pass_context
def run(ctx, db, sources, since, settings, timeout, as_json):
    """One cycle: crawl the watch list, analyse new articles, queue and send their alerts.

    Alerts are sent after the crawl, each channel bounded by --timeout, so a slow or dead
    channel never holds up crawling; failed ones are retried on the next cycle. Run it from
    cron or a systemd timer.

    \b
    Examples:
      veille run --db veille.db
      veille run --sources my-sources.toml -s DOWNLOAD_DELAY=2 --json
    """
    from crawler import cli
    from crawler.commands.alerts import _open, _print_run, run_alerts
    from crawler.config import db_path
    from crawler.crawl import crawl_in_subprocess

    overrides = cli.setting_overrides(settings)
    path = db_path(ctx.obj, db)
    _open(ctx, path).close()  # create, migrate and sync config subscriptions before crawling
    log_file = str(Path(path).with_suffix(".crawl.log"))
    started = time.monotonic()
    try:
        stats = crawl_in_subprocess(path, sources or ctx.obj.get("sources"), "sources", overrides, since,
                                    timeout=24 * 3600, log_file=log_file)
    except RuntimeError as exc:
        raise cli.VeilleError(str(exc)) from None
    enriched = cli._enrich(ctx, path).analysed  # queues the alerts of what it analysed
    summary = cli._crawl_summary(stats, time.monotonic() - started, enriched)
    store = cli._open_store(ctx, path)
    try:
        result = run_alerts(ctx, store, timeout)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"summary": summary, "alerts": result}, indent=2, default=str))
        return
    click.echo(" · ".join(f"{k}: {v}" for k, v in summary.items()))
    _print_run(result, False)


COMMANDS = [run]
