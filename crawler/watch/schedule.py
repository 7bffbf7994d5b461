"""When to poll each source, and when the weekly brief is due: pure functions of the clock.

A source is polled every `every` seconds. A poll that fails doubles the wait each time, up to
`max_backoff`: a site that is down is not hammered, and is found again within that bound once
it is back. A source with nothing new `QUIET_AFTER` polls in a row doubles its wait too, up to
`quiet_factor` times its `every`: a feed that moves once a day need not be asked every 15
minutes, and one new article brings it back to its own pace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db.watch_state import PollState
from nlp.errors import VeilleError

QUIET_AFTER = 4  # polls in a row with nothing new before a source is polled less often
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(VeilleError, ValueError):
    """A brief schedule that cannot be read."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def next_interval(every: float, failures: int, unchanged: int, *, max_backoff: float, quiet_factor: float) -> float:
    """Seconds to wait after a poll, from the source's interval and its failure and quiet streaks."""
    if failures:
        return min(every * 2 ** min(failures, 30), max(every, max_backoff))
    if unchanged > QUIET_AFTER:
        return min(every * 2 ** min(unchanged - QUIET_AFTER, 30), every * max(quiet_factor, 1.0))
    return every


@dataclass
class PollResult:
    """What one poll found for one source."""

    outcome: str  # new | unchanged | failed
    new_articles: int = 0
    errors: int = 0
    error: str | None = None


def after_poll(state: PollState, result: PollResult, now: datetime, *, max_backoff: float,
               quiet_factor: float) -> PollState:
    """The state of a source once `result` is known: streaks, totals, and its next poll."""
    state.polls += 1
    state.last_poll = iso(now)
    state.outcome = result.outcome
    state.new_articles = result.new_articles
    state.new_total += result.new_articles
    state.errors = result.errors
    if result.error:
        state.last_error = result.error[:300]
    state.failures = state.failures + 1 if result.outcome == "failed" else 0
    state.unchanged = state.unchanged + 1 if result.outcome == "unchanged" else 0
    state.interval = next_interval(state.every, state.failures, state.unchanged, max_backoff=max_backoff,
                                   quiet_factor=quiet_factor)
    state.next_poll = iso(now + timedelta(seconds=state.interval))
    return state


def is_due(state: PollState, now: datetime) -> bool:
    due = parse_time(state.next_poll)
    return due is None or due <= now


def retime(state: PollState, every: float, *, max_backoff: float, quiet_factor: float) -> PollState:
    """A state whose source's `every` changed in the sources file: the new pace applies at once."""
    if state.every != every:
        state.every = every
        state.interval = next_interval(every, state.failures, state.unchanged, max_backoff=max_backoff,
                                       quiet_factor=quiet_factor)
        last = parse_time(state.last_poll)
        state.next_poll = iso(last + timedelta(seconds=state.interval)) if last else None
    return state


# -- the weekly brief ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BriefSlot:
    """A weekly moment in local time, e.g. Monday 07:00."""

    weekday: int  # 0 = Monday
    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str) -> BriefSlot:
        """From "Mon 07:00" (a day's first three letters, then HH:MM)."""
        m = re.fullmatch(r"\s*([A-Za-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*", text or "")
        if not m or m[1].lower() not in DAYS or int(m[2]) > 23 or int(m[3]) > 59:
            raise ScheduleError(f"--brief takes a day and a time like 'Mon 07:00', got {text!r}")
        return cls(DAYS.index(m[1].lower()), int(m[2]), int(m[3]))

    def last_before(self, now: datetime) -> datetime:
        """The latest occurrence of this slot at or before `now` (an aware local time)."""
        monday = (now - timedelta(days=now.weekday())).replace(hour=self.hour, minute=self.minute, second=0,
                                                               microsecond=0)
        slot = monday + timedelta(days=self.weekday)
        return slot if slot <= now else slot - timedelta(days=7)

    def next_after(self, now: datetime) -> datetime:
        return self.last_before(now) + timedelta(days=7)


def brief_week(slot_time: datetime) -> str:
    """The ISO week a brief written at `slot_time` covers: the last complete week before it."""
    year, week, _ = (slot_time - timedelta(days=slot_time.weekday() + 1)).isocalendar()
    return f"{year}-W{week:02d}"
