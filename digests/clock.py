"""UTC time as the outbox stores it: ISO 8601 text of one fixed shape, so it compares as text."""
from __future__ import annotations

from datetime import UTC, datetime


def utc(now: datetime | None = None) -> datetime:
    """`now` (default: the current time) in UTC, to the second."""
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def iso(dt: datetime) -> str:
    """`2025-07-24T09:30:00+00:00`."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")
