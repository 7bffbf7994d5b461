"""`veille demo`: the whole cycle, offline, on the bundled sample news site, then its brief."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click

from crawler.options import open_store

# the sample site is served on 127.0.0.1 and answers at once: no politeness delay to wait out
DEMO_SETTINGS = {"VEILLE_ONLY_LOOPBACK": "True", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                 "LOG_LEVEL": "INFO"}
DEMO_CRAWL_TIMEOUT = 300  # seconds; the sample site crawls in well under a minute


@click.command()
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Database to fill (default: a new temporary one).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for the briefs.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.pass_context
def demo(ctx, db, out_dir, lang):
    """Run the whole pipeline offline on the bundled sample news site.

    Serves the sample outlets on 127.0.0.1, crawls them with the real spiders in a
    subprocess, extracts, analyses and stores the articles, then writes the brief of the
    latest week as Markdown and HTML and prints where the files are.

    \b
    Examples:
      veille demo
      veille demo --db demo.db -o briefs/ --lang en
    """
    from crawler.commands.digest import build_digest
    from crawler.commands.run import enrich_options
    from crawler.cycle import CycleOptions, run_cycle
    from crawler.demo.server import serve_site, write_sources
    from digests.render import render

    work = Path(tempfile.mkdtemp(prefix="veille-demo-"))
    out = Path(out_dir) if out_dir else work
    out.mkdir(parents=True, exist_ok=True)
    path = db or str(work / "veille.db")  # run_cycle creates it
    t0 = time.monotonic()
    with serve_site() as bases:
        sources = write_sources(bases, work / "sources.toml")
        click.echo(f"sample site: {', '.join(bases.values())}", err=True)
        report = run_cycle(CycleOptions(db=path, enrichment=enrich_options(ctx.obj), lang=lang, sources=str(sources),
                                        settings=DEMO_SETTINGS, deliver=False, crawl_timeout=DEMO_CRAWL_TIMEOUT,
                                        log_file=str(work / "crawl.log")))
    c = report.crawl
    click.echo(f"crawled: {c.stored} article(s) stored, {c.duplicates} duplicate(s), {c.errors} error(s)", err=True)
    click.echo(f"analysed: {report.enrich.analysed} article(s)", err=True)
    with open_store(path) as store:
        d = build_digest(store, None, lang, embedding=ctx.obj["embedding"])
    written = []
    for fmt in ("md", "html"):
        target = out / f"brief-{d.week}.{fmt}"
        target.write_text(render(d, fmt), "utf-8")
        written.append(target)
    click.echo(f"done in {time.monotonic() - t0:.0f}s · database: {path}", err=True)
    for target in written:
        click.echo(str(target))


COMMANDS = [demo]
