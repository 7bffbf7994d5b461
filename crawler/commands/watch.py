"""`veille watch`: the resident form of `veille run` (see `crawler.watch`), and its status."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

from crawler.options import (
    db_option,
    json_option,
    settings_option,
    since_option,
    sources_option,
)


def _duration(ctx, param, value):
    if value is None:
        return None
    from crawler.sources import SourceError, parse_every

    try:
        return parse_every(value, f"--{param.name.replace('_', '-')}")
    except SourceError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1], ctx=ctx, param=param) from None


def _slot(ctx, param, value):
    if value is None:
        return None
    from crawler.watch.schedule import BriefSlot, ScheduleError

    try:
        return BriefSlot.parse(value)
    except ScheduleError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def brief_writer(config: dict, directory: str, fmt: str):
    """(store, ISO week) → the path of that week's brief, written whole or not at all."""
    from crawler.commands.digest import build_digest, render_brief

    def write(store, week: str) -> str:
        lang = config["lang"]
        d = build_digest(store, week, lang, embedding=config["embedding"])
        text = render_brief(store, d, fmt, lang, weekly=True)
        path = Path(directory) / f"brief-{week}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
        return str(path)

    return write


def show_status(db: str, as_json: bool) -> None:
    from crawler.watch.status import format_status, read_status

    status = read_status(db)
    if as_json:
        click.echo(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(format_status(status)))


@click.command()
@db_option(create=True)
@sources_option
@click.option("--every", callback=_duration, default="15m", show_default=True, metavar="DURATION",
              help="Poll interval of sources without their own `every` (90s, 15m, 2h).")
@click.option("--max-backoff", callback=_duration, default="4h", show_default=True, metavar="DURATION",
              help="Longest wait after failed polls (the wait doubles at each failure).")
@click.option("--quiet-factor", type=click.FloatRange(1), default=4.0, show_default=True,
              help="A source with nothing new waits at most this many times its interval (1: never slower).")
@click.option("--brief", "brief_slot", callback=_slot, metavar="'DAY HH:MM'",
              help="Write the last complete week's brief each week at this local time, e.g. 'Mon 07:00'.")
@click.option("-o", "--output", "brief_dir", type=click.Path(file_okay=False),
              help="Folder of the weekly briefs (brief-YYYY-Www.md); needed by --brief.")
@click.option("--brief-format", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Analysis worker processes, started once and kept (one model copy each).")
@click.option("--no-embedding", is_flag=True, help="Topic scores from keywords only: no embedding model.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds one alert channel may take.")
@click.option("--rounds", type=click.IntRange(0), default=0, help="Stop after this many poll rounds (0: never).")
@click.option("--spider", default="sources", type=click.Choice(["sources", "feeds", "sitemaps", "listings"]),
              show_default=True, help="Which spider polls the watch list.")
@since_option()
@settings_option
@click.option("--status", "status", is_flag=True, help="Show the status of the watch on --db, and exit.")
@json_option("With --status: print the status file as JSON.")
@click.pass_context
def watch(ctx, db, sources, every, max_backoff, quiet_factor, brief_slot, brief_dir, brief_format, processes,
          no_embedding, timeout, rounds, spider, since, settings, status, as_json):
    """Keep watching: poll each source on its own interval, analyse, alert, write the brief.

    One long-running process (run it under systemd): each source is polled every `every`
    (its own key in the sources file, else --every) with conditional requests (ETag,
    Last-Modified), less often while it fails or has nothing new; new articles are analysed
    as soon as they are stored, with the models kept loaded, and their alerts sent at once.
    Logs go to stderr; SIGTERM or Ctrl-C stops it cleanly. `veille run` is the one-shot form.

    \b
    Examples:
      veille watch --db veille.db
      veille watch --every 10m --brief "Mon 07:00" -o ~/briefs
      veille watch --status --db veille.db
      veille watch --status --json
    """
    if status:
        show_status(db, as_json)
        return
    if brief_slot and not brief_dir:
        raise click.UsageError("--brief needs -o/--output DIR, the folder to write the briefs to")
    from crawler.commands.run import enrich_options
    from crawler.cycle import CycleOptions
    from crawler.watch.runner import Watcher, WatchOptions

    config = ctx.obj
    logging.getLogger("crawler.watch").setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
    enrichment = enrich_options(config, processes)
    if no_embedding:
        enrichment.embedding = None
    cycle = CycleOptions(db=db, enrichment=enrichment, lang=config["lang"], sources=sources or config["sources"],
                         spider=spider, since=since, settings=settings, alert_timeout=timeout,
                         subscriptions=config["alert"])
    options = WatchOptions(cycle=cycle, every=every, max_backoff=max_backoff, quiet_factor=quiet_factor,
                           processes=processes, rounds=rounds, brief=brief_slot,
                           write_brief=brief_writer(config, brief_dir, brief_format) if brief_slot else None)
    try:
        code = Watcher(options).run()
    except KeyboardInterrupt:  # a second signal while stopping
        raise SystemExit(130) from None
    ctx.exit(code)


COMMANDS = [watch]
