"""`veille digest`: the weekly brief (or one of a free period), written, stored and sent."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from crawler.options import VeilleError, db_option, open_store


def build_digest(store, week: str | None, lang: str, *, embedding: str | None, since: str | None = None,
                 until: str | None = None, topic: str | None = None, llm=None, record: bool = True,
                 include_off_topic: bool = False):
    """The brief of a week (default: the last complete one) or of a --since/--until span."""
    from db.reads import latest_published
    from digests.weekly import make_digest, resolve_period
    from nlp.embed import get_encoder

    period = resolve_period(week, since, until, latest_published(store.db))
    return make_digest(store.db, period, lang, topic=topic, encoder=get_encoder(embedding) if embedding else None,
                       llm=llm, record=record, include_off_topic=include_off_topic)


def _stored_entry(row: dict):
    from digests.atom import Entry

    data = json.loads(row["json"])
    return Entry(id=f"tag:veille,{data['start']}:brief/{row['lang']}/{row['week']}", title=row["title"],
                 updated=row["created_at"], summary=" · ".join(s["title"] for s in data.get("stories", [])[:5]),
                 html=row["html"] or "")


def render_brief(store, d, fmt: str, lang: str, weekly: bool) -> str:
    """The brief in `fmt`; a weekly brief is saved too, and its Atom feed carries the earlier ones."""
    from digests.render import render

    if fmt != "atom" and not weekly:
        return render(d, fmt)
    from db import briefs
    from digests.atom import feed
    from digests.render import atom_entry as entry_for
    from digests.render import render_html, title_of

    html = render_html(d)[0]
    if weekly:
        briefs.save_digest(store.db, d.week, lang, title_of(d), d.to_json(), html)
    if fmt != "atom":
        return render(d, fmt)
    rows = briefs.recent_digests(store.db, lang) if weekly else []
    return feed([entry_for(d, html)] + [_stored_entry(r) for r in rows if r["week"] != d.week], lang=lang)


@click.command()
@db_option
@click.option("--week", help="ISO week YYYY-Www (default: the last complete week).")
@click.option("--since", help="Start of a free period, YYYY-MM-DD (instead of --week).")
@click.option("--until", help="End of a free period, YYYY-MM-DD (default: --since + 6 days).")
@click.option("--topic", help="Only the stories about this watch topic (topic scores, else a full-text match).")
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of the brief (default: the `lang` setting).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json", "atom"]), default="md", show_default=True,
              help="atom: a feed of the latest briefs, this one included.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--send", "channel", metavar="URL", help="Also deliver the brief to this channel (mailto://, json://, slack://…, or env:NAME).")
@click.option("--abstractive", "llm_url", metavar="URL",
              help="OpenAI-compatible API base URL for rewritten summaries (key in VEILLE_LLM_KEY); "
                   "extractive on failure.")
@click.option("--llm-model", default="gpt-4o-mini", show_default=True, help="Model name for --abstractive.")
@click.option("--include-off-topic", is_flag=True,
              help="Keep articles scored off the watch topics (left out by default).")
@click.pass_context
def digest(ctx, db, week, since, until, topic, lang, fmt, output, channel, llm_url, llm_model, include_off_topic):
    """Write the weekly brief: the week's stories across outlets and languages, summarised.

    Articles are grouped into stories (the same event in several outlets and languages),
    ranked, summarised in 2-4 sentences each linked to its article, with key figures, people
    and organisations, dates ahead, per-topic sections and charts.

    \b
    Examples:
      veille digest --week 2025-W30 --format html -o brief.html
      veille digest --since 2025-07-14 --until 2025-07-27 --topic "intelligence artificielle"
      veille digest --lang en --format json
      veille digest --send "mailtos://user:pass@smtp.example.org:587?from=veille@example.org&to=team@example.org"
      veille digest --format html -o brief.html --send env:VEILLE_BRIEF_URL
      veille digest --format atom -o briefs.xml
    """
    llm = None
    if llm_url:
        from digests.summarize import LLMConfig

        llm = LLMConfig(endpoint=llm_url, model=llm_model, api_key=os.environ.get("VEILLE_LLM_KEY"))
    lang = lang or ctx.obj["lang"]
    with open_store(db) as store:
        try:
            d = build_digest(store, week, lang, since=since, until=until, topic=topic,
                             embedding=ctx.obj["embedding"], llm=llm, include_off_topic=include_off_topic)
        except ValueError as exc:  # resolve_period: a bad --week, --since or --until
            raise VeilleError(str(exc)) from None
        text = render_brief(store, d, fmt, lang, weekly=not (topic or since or until))
    if output:  # written before any delivery: a channel that is down must not cost the file
        Path(output).write_text(text, "utf-8")
        click.echo(output)
    elif not channel:
        click.echo(text)
    if channel:
        from db import credentials
        from digests.channels import ChannelURLError, validate_url
        from digests.send import send_brief

        try:
            # env:NAME keeps the URL out of every file (as `alerts add --notify env:NAME` does): it
            # is checked here and read again when the queued brief is sent
            validate_url(credentials.get(None, channel) if channel.startswith(credentials.ENV) else channel)
        except (ChannelURLError, credentials.SecretError) as exc:
            raise VeilleError(f"brief not delivered: {exc}") from None
        with open_store(db) as store:
            error = send_brief(store.db, d, channel)
        if error:
            raise VeilleError(f"brief not delivered: {error} (queued: veille run or veille alerts run retries it)")
        click.echo(f"sent to {channel.split('://', 1)[0]}://…", err=True)

COMMANDS = [digest]
