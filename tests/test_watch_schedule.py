"""The watch schedule: intervals, backoff, the weekly brief slot, and a brief written once per week."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.sources import SourceError, parse_every, parse_sources
from crawler.watch import schedule
from crawler.watch.schedule import (
    BriefSlot,
    PollResult,
    ScheduleError,
    after_poll,
    next_interval,
)
from db.watch_state import PollState, load_states, save_states

T0 = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # a Monday


def test_every_reads_durations_and_refuses_nonsense():
    assert [parse_every(v) for v in ("90s", "15m", "2h", "1d", 5, "2.5m")] == [90, 900, 7200, 86400, 300, 150]
    for bad in ("soon", "-5m", "0", "15 minutes", True):
        with pytest.raises(SourceError, match="every must be a duration"):
            parse_every(bad)
    src = parse_sources({"source": [{"name": "A", "homepage": "http://127.0.0.1/", "every": "5m"},
                                    {"name": "B", "homepage": "http://127.0.0.1/"}]})
    assert [s.every for s in src] == [300, None]


def test_failures_double_the_wait_up_to_the_cap_and_news_resets_it():
    waits = [next_interval(60, f, 0, max_backoff=600, quiet_factor=4) for f in range(6)]
    assert waits == [60, 120, 240, 480, 600, 600]
    quiet = [next_interval(60, 0, u, max_backoff=600, quiet_factor=4) for u in range(8)]
    assert quiet == [60] * (schedule.QUIET_AFTER + 1) + [120, 240, 240]
    assert next_interval(60, 3, 0, max_backoff=30, quiet_factor=4) == 60  # a cap below every is every


def test_after_poll_keeps_streaks_and_the_next_due_time():
    state = PollState("A", 60, 60)
    assert schedule.is_due(state, T0)  # never polled: due now
    for _ in range(2):
        after_poll(state, PollResult("failed", error="HTTP 503"), T0, max_backoff=3600, quiet_factor=4)
    assert (state.failures, state.interval, state.last_error) == (2, 240, "HTTP 503")
    assert not schedule.is_due(state, T0 + timedelta(seconds=239))
    assert schedule.is_due(state, T0 + timedelta(seconds=240))
    after_poll(state, PollResult("new", new_articles=3), T0, max_backoff=3600, quiet_factor=4)
    assert (state.failures, state.interval, state.new_total, state.polls) == (0, 60, 3, 3)
    schedule.retime(state, 600, max_backoff=3600, quiet_factor=4)  # `every` edited in the sources file
    assert state.interval == 600 and state.next_poll == schedule.iso(T0 + timedelta(seconds=600))


def test_poll_states_survive_a_restart(store):
    state = after_poll(PollState("A", 60, 60), PollResult("unchanged"), T0, max_backoff=600, quiet_factor=4)
    save_states(store.db, [state])
    assert load_states(store.db) == {"A": state}


def test_brief_slot_and_the_week_it_covers():
    slot = BriefSlot.parse("Mon 07:00")
    assert (slot.weekday, slot.hour, slot.minute) == (0, 7, 0)
    assert slot.last_before(T0) == T0.replace(minute=0)
    assert slot.last_before(T0.replace(hour=6)) == T0.replace(hour=7, minute=0) - timedelta(days=7)
    assert schedule.brief_week(slot.last_before(T0)) == "2026-W48"  # Mon 30 Nov 2026 is in W49
    assert schedule.brief_week(BriefSlot.parse("friday 17:30").last_before(T0)) == "2026-W47"
    for bad in ("Monday", "Xyz 07:00", "Mon 25:00", ""):
        with pytest.raises(ScheduleError):
            BriefSlot.parse(bad)


def test_the_weekly_brief_is_written_once_even_across_restarts(tmp_path, store, db_path):
    from crawler.commands.watch import brief_writer
    from crawler.cycle import CycleOptions, EnrichOptions
    from crawler.watch.runner import Watcher, WatchOptions
    from tests.test_alerts import add_all

    add_all(store)  # analysed articles of 2025-07-24, in week 2025-W30
    calls = []
    write = brief_writer({"lang": "fr", "embedding": None}, str(tmp_path / "briefs"), "md")

    def counted(s, week):
        calls.append(week)
        return write(s, week)

    options = WatchOptions(cycle=CycleOptions(db=db_path, enrichment=EnrichOptions("sm", 8, 1, None), lang="fr"),
                           brief=BriefSlot.parse("Mon 07:00"), write_brief=counted)
    for _ in range(2):  # a restart is a new Watcher on the same database
        watcher = Watcher(options)
        watcher.store = store
        watcher._maybe_brief()
        watcher._maybe_brief()
    week = schedule.brief_week(options.brief.last_before(datetime.now().astimezone()))
    assert calls == [week]
    assert Path(tmp_path / "briefs" / f"brief-{week}.md").read_text("utf-8").strip()


def test_the_crawl_child_extracts_on_the_cores_the_analysis_leaves(monkeypatch, db_path):
    """Crawl and analysis run at once in `veille watch`: on 2 cores with 2 analysis processes the
    crawl child extracts in its thread, not in a pool of its own; a setting the user gave wins."""
    import os

    from crawler.cycle import CycleOptions, EnrichOptions
    from crawler.watch.runner import Watcher, WatchOptions

    def watcher(processes: int, settings: dict) -> Watcher:
        enrichment = EnrichOptions(model_size="sm", batch_size=8, processes=processes, embedding=None)
        return Watcher(WatchOptions(cycle=CycleOptions(db=db_path, enrichment=enrichment, lang="fr",
                                                       settings=settings), processes=processes))

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert watcher(2, {})._crawl_settings()["VEILLE_EXTRACT_PROCESSES"] == "0"
    assert watcher(1, {"LOG_LEVEL": "INFO"})._crawl_settings() == {"VEILLE_EXTRACT_PROCESSES": "1",
                                                                   "LOG_LEVEL": "INFO"}
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert watcher(2, {})._crawl_settings()["VEILLE_EXTRACT_PROCESSES"] == "6"
    assert watcher(2, {"VEILLE_EXTRACT_PROCESSES": "3"})._crawl_settings()["VEILLE_EXTRACT_PROCESSES"] == "3"


def test_the_watch_builds_at_start_the_languages_its_list_and_recent_articles_use(db_path, tmp_path):
    """Declared languages and those of the last 30 days' articles are built at start; a language
    seen only long ago, or one without a pipeline, is left to its first article."""
    from crawler.cycle import CycleOptions, EnrichOptions
    from crawler.sources import load_sources
    from crawler.watch.runner import Watcher, WatchOptions
    from db.store import NewArticle, Store
    from tests.crawl_sites import write_sources

    sources = write_sources(tmp_path / "sources.toml", [
        {"name": "Le Fil", "homepage": "http://127.0.0.1:9/", "lang": "fr"},
        {"name": "Der Draht", "homepage": "http://127.0.0.1:9/", "lang": "de"},
        {"name": "Tietoa", "homepage": "http://127.0.0.1:9/", "lang": "fi"}])
    recent = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    with Store(db_path) as store:
        store.add_articles([
            NewArticle(url=f"http://127.0.0.1:9/{lang}", canonical_url=f"http://127.0.0.1:9/{lang}",
                       url_key=f"127.0.0.1:9/{lang}", source="Le Fil", title=lang, text=f"text {lang}", published=published, author=None,
                       lang=lang, content_hash=lang)
            for lang, published in (("es", recent), ("it", "2024-01-05"), ("pl", None))])
        enrichment = EnrichOptions(model_size="sm", batch_size=8, processes=1, embedding=None)
        watcher = Watcher(WatchOptions(cycle=CycleOptions(db=db_path, sources=sources, lang="fr",
                                                          enrichment=enrichment)))
        watcher.store, watcher.sources = store, load_sources(sources)
        assert watcher._expected_languages() == {"fr", "de", "es"}
