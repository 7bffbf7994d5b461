"""`veille sources list|add|check`: the watch list, discovering a new source, and source health."""
from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.config import db_path
from crawler.options import VeilleError, json_option, open_store, settings_option

HEALTH_COLUMNS = ("status", "entry_points_ok", "entry_points", "items_seen", "articles_fetched",
                  "articles_requested", "articles_forbidden", "robots_disallowed", "errors", "errors_total",
                  "avg_delay", "last_success", "last_error")


def _load(ctx, sources_file):
    """The watch list; a broken sources file raises SourceError (a VeilleError: the CLI prints it)."""
    from crawler.sources import load_sources

    return load_sources(sources_file or ctx.obj["sources"])


def _health(path: str) -> dict[str, dict]:
    """Stored health rows by source name, from an existing database."""
    from crawler.health import load_health

    with open_store(path) as store:
        return {r["source"]: r for r in load_health(store.db)}


@click.group("sources")
def sources_group():
    """The watch list: list its sources, add one by URL, check their health.

    \b
    Example:
      veille sources list
      veille sources add https://siecledigital.fr/ --to my-sources.toml
      veille sources check --db veille.db
    """


@sources_group.command("list")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), help="sources.toml (default: packaged).")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Database whose health figures to show.")
@json_option("One JSON array, an object per source.")
@click.pass_context
def list_sources(ctx, sources_file, db, as_json):
    """List the sources of the watch list, with their last health status when known.

    \b
    Example:
      veille sources list --sources my-sources.toml --json
    """
    sources = _load(ctx, sources_file)
    health = _health(db_path(ctx.obj, db)) if db or ctx.obj["db"] else {}
    if as_json:
        click.echo(json.dumps([{"name": s.name, "homepage": s.homepage, "lang": s.lang, "country": s.country,
                                "kind": s.kind, "feeds": list(s.feeds), "sitemaps": list(s.sitemaps),
                                "follow": list(s.follow), "status": health.get(s.name, {}).get("status", "unknown")}
                               for s in sources], ensure_ascii=False, indent=2))
        return
    for s in sources:
        status = health.get(s.name, {}).get("status", "unknown")
        click.echo(f"{s.name:40} {s.kind:11} {s.lang:2} {s.country:2} feeds:{len(s.feeds)} "
                   f"sitemaps:{len(s.sitemaps)} listings:{len(s.follow)}  {status}")


@sources_group.command("add")
@click.argument("url")
@click.option("--to", "target", type=click.Path(dir_okay=False),
              help="sources.toml to append to (default: the config's `sources`). A new file starts as a "
                   "copy of the packaged watch list.")
@click.option("--name", help="Name of the source (default: the site's name).")
@click.option("--kind", type=click.Choice(["press", "institution", "blog"]), default="press", show_default=True)
@click.option("--country", default="", help="ISO country code, e.g. FR.")
@click.option("--dry-run", is_flag=True, help="Show what was found; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the discovered source as JSON.")
@click.pass_context
def add_source(ctx, url, target, name, kind, country, dry_run, as_json):
    """Discover a site's feeds and news sitemaps and add it to a sources file.

    Reads the page's <link rel="alternate"> feeds and robots.txt's news sitemaps (then common
    paths), and keeps only those that parse.

    \b
    Example:
      veille sources add https://www.numerama.com/ --to my-sources.toml --country FR
      veille sources add https://example.org/feed.xml --dry-run --json
    """
    from importlib import resources

    from crawler.discover import discover
    from crawler.settings import USER_AGENT
    from crawler.sources import SourceError, load_sources, parse_sources

    found = discover(url, user_agent=USER_AGENT)  # DiscoveryError is a VeilleError: the CLI prints it
    if name:
        found.name = name
    block = found.to_toml(kind=kind, country=country)
    try:  # the block must read back as a valid source before it touches a file
        import tomllib

        parse_sources(tomllib.loads(block), "discovered source")
    except (SourceError, ValueError) as exc:
        raise VeilleError(f"discovered source is not usable: {exc}") from None
    if as_json:
        click.echo(json.dumps({"name": found.name, "homepage": found.homepage, "lang": found.lang,
                               "feeds": found.feeds, "sitemaps": found.sitemaps, "notes": found.notes},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(block)
        for note in found.notes:
            click.echo(f"note: {note}", err=True)
    if dry_run:
        return
    target = target or ctx.obj["sources"]
    if not target:
        raise VeilleError("say which sources file to add to: --to FILE (then crawl with --sources FILE)")
    path = Path(target)
    if path.exists():
        existing = load_sources(path)
        text = path.read_text("utf-8")
    else:
        text = resources.files("crawler").joinpath("sources.toml").read_text("utf-8")
        existing = load_sources(None)
    if any(s.name == found.name for s in existing):
        raise VeilleError(f"{path} already has a source named {found.name!r}; pick another with --name")
    known = {u for s in existing for u in (*s.feeds, *s.sitemaps)}
    if known & set(found.feeds + found.sitemaps):
        raise VeilleError(f"{path} already crawls {sorted(known & set(found.feeds + found.sitemaps))[0]}")
    path.write_text(text.rstrip("\n") + "\n\n" + block, "utf-8")
    click.echo(f"added {found.name!r} to {path}", err=True)


@sources_group.command("check")
@click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False),
              help="sources.toml to check (default: packaged).")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Database holding the health table.")
@click.option("--only", help="Comma-separated source names to check.")
@click.option("--sample", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Articles fetched per source to test that they answer.")
@click.option("--offline", is_flag=True, help="Show the stored health table only; fetch nothing.")
@settings_option
@json_option("One JSON array, a health row per source.")
@click.pass_context
def check_sources(ctx, sources_file, db, only, sample, offline, settings, as_json):
    """Check each source: feed reachable, items listed, articles fetchable, robots, errors, delay.

    Fetches every feed and sitemap (no conditional GET) and a few articles per source, stores
    nothing but the health table (`source_health`), then prints it, worst first.

    \b
    Example:
      veille sources check --db veille.db
      veille sources check --only "CNIL,Bpifrance" --json
      veille sources check --offline
    """
    from crawler.crawl import crawl_in_subprocess
    from crawler.health import load_health

    sources = _load(ctx, sources_file)
    names = [n.strip() for n in only.split(",")] if only else None
    if names:
        unknown = set(names) - {s.name for s in sources}
        if unknown:
            raise VeilleError(f"no source named {sorted(unknown)[0]!r} in the watch list")
    path = db_path(ctx.obj, db)
    open_store(path, create=not offline).close()  # a check online writes the health table, so may create it
    if not offline:
        overrides = dict(settings)
        overrides.setdefault("VEILLE_CHECK_SAMPLE", str(sample))
        log_file = str(Path(path).with_suffix(".check.log"))
        try:
            crawl_in_subprocess(path, sources_file or ctx.obj["sources"], "check", overrides,
                                timeout=3600, log_file=log_file, only=",".join(names) if names else None)
        except RuntimeError as exc:
            raise VeilleError(str(exc)) from None
    with open_store(path) as store:
        rows = load_health(store.db, names or [s.name for s in sources])
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no health figures yet: run `veille sources check` or `veille crawl`")
        return
    for r in rows:
        click.echo(f"{r['status']:11} {r['source']:40} feeds {r['entry_points_ok']}/{r['entry_points']}"
                   f" · items {r['items_seen']} · articles {r['articles_fetched']}/{r['articles_requested']}"
                   f" · 403 {r['articles_forbidden']} · robots {r['robots_disallowed']}"
                   f" · errors {r['errors']} (total {r['errors_total']})"
                   f" · delay {r['avg_delay'] if r['avg_delay'] is not None else '-'}s"
                   f" · last ok {r['last_success'] or 'never'}")
        if r["last_error"] and r["status"] != "ok":
            click.echo(f"{'':11} last error: {r['last_error']}")


COMMANDS = [sources_group]
