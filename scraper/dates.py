"""Parsing the date texts forums show, and turning them into ISO 8601 (platform-neutral).

Forums print local times without a zone. A page's zone is either inferred (a shown time compared
with a UTC instant the page also carries), configured (an IANA name), or unknown (naive ISO time).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.htmltext import clean_text
from scraper.models import TimeAnchor

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_MON = r"([A-Za-z]{3,9})\.?"
_YMD = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_XXY = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_Y_MON_D = re.compile(rf"\b(\d{{4}})\s+{_MON}\s+(\d{{1,2}})\b")
_D_MON_Y = re.compile(rf"\b(\d{{1,2}})\s+{_MON},?\s+(\d{{4}})\b")
_MON_D_Y = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s?[Mm]\.?)?(?![\w:])")
_RELATIVE = re.compile(
    r"\b(ago|just now|yesterday|today|an? (?:minute|hour|day|week|month|year))\b"
    r"|^\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*$",
    re.I,
)
_QUARTER_HOUR = 15 * 60


def pattern_order(pattern: str | None) -> str | None:
    """Field order of a date pattern such as "MM-dd-yyyy" -> "MDY", "dd.MM.yyyy" -> "DMY"."""
    if not pattern:
        return None
    positions = {key: pattern.find(key) for key in ("d", "M", "y")}
    if any(pos < 0 for pos in positions.values()):
        return None
    return "".join(key.upper() for key in sorted(positions, key=positions.__getitem__))


def infer_order(texts: list[str]) -> str | None:
    """"DMY" or "MDY" from numeric dates where one field exceeds 12, if the texts agree."""
    found = set()
    for text in texts:
        if m := _XXY.search(text):
            first, second = int(m.group(1)), int(m.group(2))
            if first > 12 >= second:
                found.add("DMY")
            elif second > 12 >= first:
                found.add("MDY")
    return found.pop() if len(found) == 1 else None


def is_relative(text: str) -> bool:
    """Whether a shown date is relative ("7 hours ago", "Yesterday", "Wednesday")."""
    return bool(_RELATIVE.search(clean_text(text)))


def _month(name: str) -> int | None:
    return MONTHS.get(name.lower())


def _date_part(text: str, order: str | None) -> tuple[tuple[int, int, int], tuple[int, int]] | None:
    """((year, month, day), (start, end) of the match) from the first date found in ``text``."""
    if m := _YMD.search(text):
        return (int(m.group(1)), int(m.group(2)), int(m.group(3))), m.span()
    if m := _XXY.search(text):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        settled = first > 12 >= second or second > 12 >= first  # a field above 12 is the day
        if not settled and order not in ("DMY", "MDY"):
            return None  # 01-03-2017: the platform must say which field comes first
        day_first = first > 12 if settled else order == "DMY"
        month, day = (second, first) if day_first else (first, second)
        return (year, month, day), m.span()
    for regex, fields in ((_Y_MON_D, "YMD"), (_D_MON_Y, "DMY"), (_MON_D_Y, "MDY")):
        if (m := regex.search(text)) and (month := _month(m.group(fields.index("M") + 1))):
            year = int(m.group(fields.index("Y") + 1))
            return (year, month, int(m.group(fields.index("D") + 1))), m.span()
    return None


def parse_local(text: str | None, *, order: str | None = None) -> datetime | None:
    """A naive local datetime from a shown date ("11-04-2010 09:30 AM", "2023 Mar 31 9:29 PM").

    ``order`` ("MDY"/"DMY") settles numeric dates like 01-03-2017; without it a field above 12
    decides, else the date is unknown: each platform gives its own order (there is no default
    here). Returns None for relative, ambiguous or unknown texts.
    """
    text = clean_text(text)
    found = _date_part(text, order) if text else None
    if found is None:
        return None
    (year, month, day), (start, end) = found
    hour = minute = second = 0
    if m := _TIME.search(text[:start] + " " + text[end:]):
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if m.group(4):
            hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def parse_instant(text: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 with an offset or "Z" (naive values give None)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else None


def infer_offset(shown: datetime, instant: datetime) -> timedelta | None:
    """The UTC offset that makes the shown local time (minute precision) match ``instant``.

    Offsets are whole quarter hours within +-14 h; a shown time more than two minutes off any
    such offset gives None (it is not the same moment).
    """
    diff = (shown - instant.astimezone(UTC).replace(tzinfo=None)).total_seconds()
    offset = round(diff / _QUARTER_HOUR) * _QUARTER_HOUR
    if abs(diff - offset) > 120 or abs(offset) > 14 * 3600:
        return None
    return timedelta(seconds=offset)


_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def fixed_offset(name: str) -> timedelta | None:
    """The offset of "+01:00", "-0530", "UTC+1", "GMT-06:00"; None for anything else."""
    m = _FIXED.match(name.strip())
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    value = timedelta(hours=hours, minutes=minutes)
    return -value if m.group(1) == "-" else value


@lru_cache(maxsize=256)
def zone(name: str | None) -> tzinfo | None:
    """The IANA time zone or fixed offset ``name``, or None when absent or unknown (cached: a
    failed lookup searches the disk each time, and pages print non-names like "Europa/Berlin")."""
    if not name:
        return None
    if (offset := fixed_offset(name)) is not None:
        return timezone(offset, format_offset(offset))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or tz.tzname(None) or str(tz)


def zone_offset(tz: tzinfo, local: datetime) -> timedelta | None:
    return local.replace(tzinfo=tz).utcoffset()


def to_iso(
    local: datetime | None, *, offset: timedelta | None = None, tz: tzinfo | None = None
) -> str | None:
    """ISO 8601 text: in UTC when the zone is known (``tz`` first, else ``offset``), else naive."""
    if local is None:
        return None
    if tz is not None:
        return local.replace(tzinfo=tz).astimezone(UTC).isoformat()
    if offset is not None:
        return (local - offset).replace(tzinfo=UTC).isoformat()
    return local.isoformat()


def format_offset(offset: timedelta) -> str:
    """"+01:00" / "-04:30" for an offset."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class Clock:
    """Turns one page's shown local times into ISO text, with the page's zone once settled.

    A configured IANA zone gives every time its offset, following DST from date to date. A
    shown time the page anchors (matched with an instant) gets that instant's offset and is
    kept in ``anchors`` for learning the site's zone; other times stay local (naive) unless a
    configured zone is given. A configured zone that disagrees with an anchor yields to the
    page's offset for the whole page. ``warnings`` says what is uncertain.
    """

    def __init__(self, *, order: str | None = None, tz: str | None = None) -> None:
        self.order = order
        self.offset: timedelta | None = None
        self.tz = zone(tz)
        self.warnings: list[str] = []
        self.anchors: list[TimeAnchor] = []
        self._anchored: dict[datetime, timedelta] = {}
        self._naive = False
        if tz and self.tz is None:
            self.warnings.append(f"unknown time zone {tz!r} ignored")

    def infer(self, shown: datetime | None, instant: datetime | None) -> None:
        """Record that the shown time ``shown`` is ``instant`` (an anchor of the page)."""
        if shown is None or instant is None:
            return
        offset = infer_offset(shown, instant)
        if offset is None:
            return
        self.anchors.append(TimeAnchor(shown.isoformat(), instant.isoformat()))
        self._anchored[shown] = offset
        if self.tz is not None and zone_offset(self.tz, shown) != offset:
            self.warnings.append(
                f"configured time zone {zone_name(self.tz)} disagrees with the page's offset "
                f"{format_offset(offset)}; using the page's offset"
            )
            self.tz = None
            self.offset = offset

    def parse(self, text: str | None) -> datetime | None:
        """The local time shown by ``text``; a text that gives none is reported once."""
        value = parse_local(text, order=self.order)
        if value is None and text:
            why = "relative date without its exact time" if is_relative(text) else "unreadable date"
            if (warning := f"{why}: {text!r}") not in self.warnings:
                self.warnings.append(warning)
        return value

    def iso(self, local: datetime | None) -> str | None:
        if local is None:
            return None
        if self.tz is None and self.offset is None and local in self._anchored:
            return to_iso(local, offset=self._anchored[local])
        self._naive = self._naive or (self.tz is None and self.offset is None)
        return to_iso(local, offset=self.offset, tz=self.tz)

    def finish(self, used: bool = True) -> list[str]:
        """The warnings, plus one about the unknown zone when local times were given out."""
        if used and self._naive:
            return [*self.warnings, "time zone unknown: dates are local times without offset"]
        return list(self.warnings)
