"""A parsed page's times as the archive stores them, for tests that compare with instants."""

from __future__ import annotations

from datetime import UTC, datetime

from scraper import zones


def archived_time(page, value: str | None) -> str | None:
    """A shown (local) time in the zone the page's own anchors (shown times beside their
    instants) teach, as a UTC instant; an instant, or a time no anchor explains, as it is."""
    if not zones.is_local(value):
        return value
    learned = zones.learn(zones.observation(a.local, a.instant) for a in page.time_anchors)
    if learned is None:
        return value
    return datetime.fromisoformat(zones.apply(learned.zone, value)).astimezone(UTC).isoformat()
