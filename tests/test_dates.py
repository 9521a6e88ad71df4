"""Date texts as forums show them, turned into ISO 8601 with the page's zone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scraper.dates import (
    Clock,
    infer_offset,
    infer_order,
    is_relative,
    parse_instant,
    parse_local,
    pattern_order,
    to_iso,
    zone,
)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("\u200e11-04-2010  09:30 AM", "MDY", datetime(2010, 11, 4, 9, 30)),
        ("\u200e11-04-2010  09:30 AM", None, None),  # ambiguous: no platform default here
        ("01-03-2017 01:05 AM", "MDY", datetime(2017, 1, 3, 1, 5)),
        ("13-03-2017 01:05 AM", None, datetime(2017, 3, 13, 1, 5)),  # a field above 12 decides
        ("01-03-2017 01:05 AM", "DMY", datetime(2017, 3, 1, 1, 5)),
        ("28-02-2017 11:56 PM", "MDY", datetime(2017, 2, 28, 23, 56)),  # 28 cannot be a month
        ("14.03.2021 17:05", None, datetime(2021, 3, 14, 17, 5)),
        ("2023 Mar 31 9:29 PM", None, datetime(2023, 3, 31, 21, 29)),
        ("2023 Mar 26 12:05 PM", None, datetime(2023, 3, 26, 12, 5)),
        ("2024-06-03", None, datetime(2024, 6, 3)),
        ("2024-06-03 07:15:42", None, datetime(2024, 6, 3, 7, 15, 42)),
        ("4 March 2021, 12:00 AM", None, datetime(2021, 3, 4, 0, 0)),
        ("Mar 4, 2021 5:05 pm", None, datetime(2021, 3, 4, 17, 5)),
        ("7 hours ago", None, None),
        ("Wednesday", None, None),
        ("02-30-2021", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_local(text: str | None, order: str | None, expected: datetime | None) -> None:
    assert parse_local(text, order=order) == expected


def test_orders() -> None:
    assert pattern_order("MM-dd-yyyy") == "MDY"
    assert pattern_order("dd-MM-yyyy") == "DMY"
    assert pattern_order("yyyy MMM dd") == "YMD"
    assert pattern_order("HH:mm") is None
    assert pattern_order(None) is None
    assert infer_order(["01-03-2017 01:05 AM", "28-02-2017 11:56 PM"]) == "DMY"
    assert infer_order(["11-21-2026 03:51 PM"]) == "MDY"
    assert infer_order(["01-03-2017", "03-06-2024"]) is None
    assert infer_order(["13-01-2020", "01-13-2020"]) is None  # contradictory


def test_relative_texts() -> None:
    assert is_relative("7 hours ago")
    assert is_relative("29 minutes ago")
    assert is_relative("Yesterday")
    assert is_relative("\u200eWednesday")
    assert not is_relative("11-18-2026 10:12 AM")


def test_offset_inference_rounds_to_quarter_hours() -> None:
    instant = parse_instant("2010-11-04T13:30:53.000Z")
    assert infer_offset(datetime(2010, 11, 4, 9, 30), instant) == timedelta(hours=-4)
    kolkata = parse_instant("2021-01-01T04:00:10+00:00")
    assert infer_offset(datetime(2021, 1, 1, 9, 30), kolkata) == timedelta(hours=5, minutes=30)
    assert infer_offset(datetime(2010, 11, 4, 9, 37), instant) is None  # not the same moment
    assert parse_instant("2021-01-01T04:00:00") is None  # no offset: no instant
    assert parse_instant("garbage") is None


def test_to_iso() -> None:
    local = datetime(2023, 3, 26, 11, 30)
    assert to_iso(local) == "2023-03-26T11:30:00"
    assert to_iso(local, offset=timedelta(hours=2)) == "2023-03-26T09:30:00+00:00"
    assert to_iso(local, tz=zone("Europe/Berlin")) == "2023-03-26T09:30:00+00:00"
    assert to_iso(datetime(2023, 3, 25, 8, 55), tz=zone("Europe/Berlin")) == (
        "2023-03-25T07:55:00+00:00"
    )
    assert to_iso(None) is None
    assert zone("Not/AZone") is None


def test_clock_prefers_an_agreeing_zone_for_daylight_saving() -> None:
    instant = parse_instant("2026-11-04T03:45:00.000Z")
    clock = Clock(order="MDY", tz="America/Los_Angeles")
    clock.infer(clock.parse("11-03-2026 07:45 PM"), instant)
    assert clock.tz is not None and clock.offset is None
    assert clock.iso(clock.parse("10-28-2026 11:40 PM")) == "2026-10-29T06:40:00+00:00"  # PDT
    assert clock.finish(True) == []


def test_clock_without_zone_gives_the_anchored_time_its_offset_only() -> None:
    clock = Clock(order="MDY")
    clock.infer(datetime(2026, 11, 3, 19, 45), parse_instant("2026-11-04T03:45:00Z"))
    assert clock.iso(datetime(2026, 11, 3, 19, 45)) == "2026-11-04T03:45:00+00:00"
    assert clock.finish(True) == []
    assert clock.iso(datetime(2026, 11, 5, 23, 58)) == "2026-11-05T23:58:00"
    assert clock.finish(True) == ["time zone unknown: dates are local times without offset"]
    assert [(a.local, a.instant) for a in clock.anchors] == [
        ("2026-11-03T19:45:00", "2026-11-04T03:45:00+00:00")
    ]


def test_clock_warnings() -> None:
    unknown = Clock()
    assert unknown.iso(datetime(2024, 1, 2, 3, 4)) == "2024-01-02T03:04:00"
    assert unknown.finish(True) == ["time zone unknown: dates are local times without offset"]
    assert unknown.finish(False) == []
    misnamed = Clock(tz="Mars/Olympus")
    assert misnamed.finish(False) == ["unknown time zone 'Mars/Olympus' ignored"]


def test_clock_reports_dates_it_cannot_read() -> None:
    clock = Clock(tz="UTC")
    assert clock.parse("7 hours ago") is None
    assert clock.parse("7 hours ago") is None
    assert clock.parse("soon-ish") is None
    assert clock.parse(None) is None
    assert clock.finish(False) == [
        "relative date without its exact time: '7 hours ago'",
        "unreadable date: 'soon-ish'",
    ]
