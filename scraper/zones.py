"""Learning a site's time zone from what its pages anchor, and applying it to shown times.

An observation is a time as a page shows it (naive local) beside the exact instant it stands
for, reduced to the UTC offset in force at that local time. The site's zone is the one that
explains every observation, across the year:

1. an IANA zone with daylight saving that gives each observation its offset (even when the
   observations cover one season only: most communities whose winter offset is -06:00 follow
   daylight saving); ties go to a short list of well-known zones, then to the name;
2. else, when every observation shows the same offset, that fixed offset ("-06:00"): a site
   seen at one offset in winter and summer does not follow daylight saving;
3. else an IANA zone without daylight saving now whose history explains them (a zone that
   changed its standard offset between observations);
4. else the zone explaining the most observations ("best fit"); status says how many.

A zone is an IANA name or a fixed offset "+HH:MM". Local times are naive ISO 8601 text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from scraper.dates import fixed_offset, format_offset, infer_offset, parse_instant

# Regions of canonical IANA names (aliases such as US/Central or Etc/GMT+6 are left out).
_REGIONS = {
    "Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
    "Pacific",
}
# Preferred among zones that give the same offsets, in this order (one per common rule set).
PREFERRED = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "Pacific/Honolulu", "America/Halifax",
    "America/St_Johns", "America/Sao_Paulo", "America/Santiago", "America/Mexico_City",
    "Europe/London", "Europe/Berlin", "Europe/Helsinki", "Europe/Moscow", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
    "Australia/Adelaide", "Australia/Brisbane", "Australia/Perth", "Pacific/Auckland",
)


AUTO = "auto"  # --tz auto: forget a given zone, go back to what the pages tell


class ZoneError(ValueError):
    """A zone name that is neither an IANA zone nor a fixed offset."""


@dataclass(frozen=True)
class Observation:
    """A shown local time and the UTC offset the page's exact instant gives it."""

    local: datetime
    offset: timedelta


@dataclass(frozen=True)
class Learned:
    """The zone picked for a site, and how many observations it explains."""

    zone: str
    explained: int
    total: int

    @property
    def source(self) -> str:
        return "learned" if self.explained == self.total else "best fit"


def observation(local: str, instant: str) -> Observation | None:
    """An observation from a time anchor's texts; None when they are not the same moment."""
    try:
        shown = datetime.fromisoformat(local)
    except ValueError:
        return None
    exact = parse_instant(instant)
    if exact is None or shown.tzinfo is not None:
        return None
    offset = infer_offset(shown, exact)
    if offset is None:
        return None
    return Observation(shown.replace(second=0, microsecond=0), offset)


def normalize(name: str) -> str:
    """The canonical spelling of a zone ("Europe/Berlin", "+01:00"); ZoneError if unknown."""
    name = name.strip()
    if name.lower() == AUTO:
        return AUTO
    if (offset := fixed_offset(name)) is not None:
        return format_offset(offset)
    if name in _all_zones():
        return name
    if name.upper() in ("UTC", "Z", "GMT"):
        return "+00:00"
    raise ZoneError(
        f"unknown time zone {name!r}: give an IANA name such as America/Chicago or Europe/Berlin,"
        " a fixed offset such as +01:00, or auto"
    )


def tzinfo_of(zone: str) -> tzinfo:
    """The tzinfo of a normalized zone."""
    offset = fixed_offset(zone)
    if offset is not None:
        return timezone(offset)
    return ZoneInfo(zone)


def apply(zone: str | None, local: str | None) -> str | None:
    """The instant (ISO 8601 in UTC) of a shown local time in ``zone``; the local text itself
    when the zone is unknown or the text is no naive time."""
    if not local or not zone:
        return local
    try:
        value = datetime.fromisoformat(local)
    except ValueError:
        return local
    if value.tzinfo is not None:
        return local
    return value.replace(tzinfo=tzinfo_of(zone)).astimezone(UTC).isoformat()


def is_local(value: str | None) -> bool:
    """Whether ``value`` is an ISO time without an offset."""
    if not value:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is None
    except ValueError:
        return False


def explains(zone: str, obs: Observation) -> bool:
    """Whether ``zone`` gives the observed offset at that local time (either side of a fold)."""
    tz = tzinfo_of(zone)
    return any(obs.local.replace(tzinfo=tz, fold=fold).utcoffset() == obs.offset for fold in (0, 1))


def learn(observations: Iterable[Observation]) -> Learned | None:
    """The zone that explains the observations best (see the module docstring)."""
    obs = list(dict.fromkeys(observations))
    if not obs:
        return None
    dst, steady = _candidates()
    for name in dst:
        if all(explains(name, o) for o in obs):
            return Learned(name, len(obs), len(obs))
    offsets = {o.offset for o in obs}
    if len(offsets) == 1:
        return Learned(format_offset(offsets.pop()), len(obs), len(obs))
    for name in steady:
        if all(explains(name, o) for o in obs):
            return Learned(name, len(obs), len(obs))
    scored = [(sum(explains(n, o) for o in obs), -rank, n)
              for rank, n in enumerate(dst + steady)]
    best, _, name = max(scored)
    return Learned(name, best, len(obs))


@cache
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _candidates() -> tuple[list[str], list[str]]:
    """Canonical IANA zones: those with daylight saving this year, and the others; each in
    preference order (PREFERRED first, then by name)."""
    year = datetime.now(UTC).year
    names = sorted(
        (n for n in _all_zones() if n.split("/", 1)[0] in _REGIONS and "/" in n),
        key=lambda n: (PREFERRED.index(n) if n in PREFERRED else len(PREFERRED), n),
    )
    dst, steady = [], []
    for name in names:
        tz = ZoneInfo(name)
        offsets = {datetime(year, month, 15, 12, tzinfo=tz).utcoffset() for month in (1, 7)}
        (dst if len(offsets) > 1 else steady).append(name)
    return dst, steady


def describe(zone: str | None, source: str | None, explained: int = 0, total: int = 0) -> str:
    """One line on a site's times for the crawl summary and ``status``."""
    if not zone:
        return ("times are local (shown without offset): the time zone is not known; give --tz"
                " or crawl a page that shows an exact time (a thread's first page)")
    if source == "option":
        return f"times in {zone} (given with --tz)"
    if source == "page":
        return f"times in {zone} (stated by the pages)"
    if source == "best fit":
        return f"times in {zone}: best fit, explains {explained} of {total} observed times"
    return f"times in {zone} (learned from {total} observed time{'s' * (total != 1)})"
