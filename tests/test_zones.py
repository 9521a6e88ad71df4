"""Times are instants or honestly local: the site's zone is learned from what pages anchor,
stored with the site, applied to every shown time (also later, and on reparse); --tz overrides
and is validated."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import archive, zones
from scraper.cli import cli, zone_lines
from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer
from scraper.demo.content import build_community
from scraper.models import Author, PageInfo, Post, Thread, ThreadPage, TimeAnchor

BASE = "https://forum.example.test"


def obs(local: str, offset_hours: float) -> zones.Observation:
    return zones.Observation(datetime.fromisoformat(local), timedelta(hours=offset_hours))


# -- learning ---------------------------------------------------------------------------------


def test_a_year_of_observations_gives_the_dst_zone() -> None:
    learned = zones.learn([obs("2025-01-10T09:00", -6), obs("2025-07-10T09:00", -5),
                           obs("2025-11-20T18:00", -6)])
    assert learned == zones.Learned("America/Chicago", 3, 3)
    assert learned.source == "learned"


def test_european_summer_and_winter_give_the_preferred_european_zone() -> None:
    learned = zones.learn([obs("2023-03-25T08:55", 1), obs("2023-03-26T11:30", 2)])
    assert learned == zones.Learned("Europe/Berlin", 2, 2)  # the switch on 26 March
    assert zones.learn([obs("2024-03-31T08:00", 1), obs("2024-07-01T08:00", 1)]) == (
        zones.Learned("Europe/London", 2, 2)
    )


def test_one_season_prefers_daylight_saving_and_both_seasons_alike_a_fixed_offset() -> None:
    assert zones.learn([obs("2025-01-10T09:00", -6)]).zone == "America/Chicago"
    steady = zones.learn([obs("2025-01-10T09:00", -6), obs("2025-07-10T09:00", -6)])
    assert steady == zones.Learned("-06:00", 2, 2)
    assert zones.learn([obs("2025-07-10T09:00", 5.5)]).zone == "+05:30"


def test_the_southern_hemisphere_switches_the_other_way() -> None:
    learned = zones.learn([obs("2025-01-10T09:00", 11), obs("2025-07-10T09:00", 10)])
    assert learned.zone == "Australia/Sydney"


def test_contradicting_observations_give_a_best_fit_with_counts() -> None:
    learned = zones.learn([
        obs("2025-01-10T09:00", -6), obs("2025-07-10T09:00", -5), obs("2025-07-11T09:00", 3),
    ])
    assert learned == zones.Learned("America/Chicago", 2, 3)
    assert learned.source == "best fit"
    assert zones.learn([]) is None


def test_a_shown_time_in_the_repeated_autumn_hour_fits_either_side() -> None:
    assert zones.explains("America/Chicago", obs("2025-11-02T01:30", -5))
    assert zones.explains("America/Chicago", obs("2025-11-02T01:30", -6))
    assert not zones.explains("America/Chicago", obs("2025-11-02T03:30", -5))


def test_observation_from_an_anchor() -> None:
    assert zones.observation("2026-11-03T19:45:00", "2026-11-04T03:45:00+00:00") == (
        obs("2026-11-03T19:45", -8)
    )
    assert zones.observation("2026-11-03T19:45:00", "2026-11-04T03:52:00+00:00") is None
    assert zones.observation("yesterday", "2026-11-04T03:45:00+00:00") is None
    assert zones.observation("2026-11-03T19:45:00", "2026-11-04T03:45:00") is None


def test_zone_names_are_normalized_or_refused() -> None:
    assert zones.normalize("Europe/Berlin") == "Europe/Berlin"
    assert zones.normalize("+1") == "+01:00"
    assert zones.normalize("UTC-05:30") == "-05:30"
    assert zones.normalize("UTC") == "UTC"
    assert zones.normalize(" Auto ") == zones.AUTO == "auto"
    for bad in ("Mars/Olympus", "+15:00", "europe/berlin", "", "../../etc/passwd"):
        with pytest.raises(zones.ZoneError, match="unknown time zone"):
            zones.normalize(bad)


def test_apply_turns_local_times_into_utc_instants() -> None:
    assert zones.apply("America/Chicago", "2025-07-10T09:00:00") == "2025-07-10T14:00:00+00:00"
    assert zones.apply("+05:30", "2025-07-10T09:00:00") == "2025-07-10T03:30:00+00:00"
    assert zones.apply(None, "2025-07-10T09:00:00") == "2025-07-10T09:00:00"
    assert zones.apply("UTC", "2025-07-10T09:00:00-05:00") == "2025-07-10T09:00:00-05:00"


# -- the archive ------------------------------------------------------------------------------


def page(number: int, posts: list[tuple[str, str]], anchors: list[TimeAnchor] = ()) -> ThreadPage:
    return ThreadPage(
        platform="testboard", url=f"{BASE}/t/7/page/{number}",
        thread=Thread(external_id="7", title="Clocks"), page=PageInfo(number=number),
        posts=[Post(external_id=eid, position=int(eid), author=Author(name="ann_k"),
                    posted_at=when, edited_at=when if eid == "3" else None, body_text=eid)
               for eid, when in posts],
        time_anchors=list(anchors),
    )


def stored(db) -> list[tuple]:
    return db.execute(
        "SELECT external_id, posted_at, posted_at_local FROM posts ORDER BY external_id"
    ).fetchall()


def test_a_zone_learned_later_is_applied_to_times_stored_before(tmp_path: Path) -> None:
    db = archive.open_archive(tmp_path / "a.db")
    site = archive.ensure_site(db, BASE, "testboard")
    assert zone_lines(tmp_path / "a.db") == []  # no shown time stored yet: nothing to say
    archive.write_thread_page(db, site, page(2, [("3", "2025-07-10T09:00:00")]))
    assert stored(db) == [("3", "2025-07-10T09:00:00", "2025-07-10T09:00:00")]
    unknown = [
        f"{BASE}: times are local (shown without offset): the time zone is not known; give --tz"
        " or crawl a page that shows an exact time (a thread's first page)"
    ]
    assert archive.zone_notes(db) == unknown
    assert zone_lines(tmp_path / "a.db") == unknown  # said once in the crawl summary
    first = page(1, [("1", "2025-01-10T15:00:00+00:00"), ("2", "2025-01-11T10:00:00")],
                 [TimeAnchor("2025-01-10T09:00:00", "2025-01-10T15:00:00+00:00")])
    archive.write_thread_page(db, site, first)
    assert archive.site_zone(db, site) == ("America/Chicago", "learned")
    assert stored(db) == [
        ("1", "2025-01-10T15:00:00+00:00", None),
        ("2", "2025-01-11T16:00:00+00:00", "2025-01-11T10:00:00"),
        ("3", "2025-07-10T14:00:00+00:00", "2025-07-10T09:00:00"),  # summer: -05:00
    ]
    assert db.execute("SELECT p.edited_at, p.edited_at_local, v.edited_at FROM posts p"
                      " JOIN post_versions v ON v.post_id = p.id WHERE p.external_id = '3'"
                      ).fetchall() == [
        ("2025-07-10T14:00:00+00:00", "2025-07-10T09:00:00", "2025-07-10T14:00:00+00:00")
    ]
    assert db.execute("SELECT created_at, last_post_at FROM threads").fetchone() == (
        "2025-01-10T15:00:00+00:00", "2025-07-10T14:00:00+00:00"
    )
    assert archive.zone_notes(db) == [
        f"{BASE}: times in America/Chicago (learned from 1 observed time)"
    ]
    db.close()
    assert zone_lines(tmp_path / "a.db") == []


def test_an_observation_the_zone_does_not_explain_relearns_it(tmp_path: Path) -> None:
    db = archive.open_archive(tmp_path / "a.db")
    site = archive.ensure_site(db, BASE, "testboard")
    archive.write_thread_page(db, site, page(2, [("3", "2025-07-10T09:00:00")],
                                            [TimeAnchor("2025-01-10T09:00:00",
                                                        "2025-01-10T08:00:00+00:00")]))
    assert archive.site_zone(db, site) == ("Europe/Berlin", "learned")
    assert stored(db) == [("3", "2025-07-10T07:00:00+00:00", "2025-07-10T09:00:00")]
    archive.write_thread_page(db, site, page(2, [("3", "2025-07-10T09:00:00")],
                                            [TimeAnchor("2025-07-01T09:00:00",
                                                        "2025-07-01T08:00:00+00:00")]))
    # +01:00 in winter and in summer: no daylight saving, a fixed offset
    assert archive.site_zone(db, site) == ("+01:00", "learned")
    assert stored(db) == [("3", "2025-07-10T08:00:00+00:00", "2025-07-10T09:00:00")]


def test_a_zone_given_as_option_wins_and_a_stated_zone_wins_over_observations(
    tmp_path: Path,
) -> None:
    db = archive.open_archive(tmp_path / "a.db")
    site = archive.ensure_site(db, BASE, "testboard")
    stated = page(2, [("3", "2025-07-10T09:00:00")],
                  [TimeAnchor("2025-01-10T09:00:00", "2025-01-10T15:00:00+00:00")])
    stated.zone_hint = "UTC+02:00"
    archive.write_thread_page(db, site, stated)
    assert archive.site_zone(db, site) == ("+02:00", "page")
    assert stored(db) == [("3", "2025-07-10T07:00:00+00:00", "2025-07-10T09:00:00")]
    archive.set_site_zone(db, site, "Asia/Tokyo", "option")
    archive.write_thread_page(db, site, stated)
    assert archive.site_zone(db, site) == ("Asia/Tokyo", "option")
    assert stored(db) == [("3", "2025-07-10T00:00:00+00:00", "2025-07-10T09:00:00")]


# -- the command line and the demo ------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", [
    ["crawl", "http://127.0.0.1:9/t5/Billing/Refund/td-p/41200"],
    ["reparse"],
    ["parse", "-"],
])
def test_an_unknown_zone_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "forum.db"
    archive.open_archive(db).close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    args = [*command, "--tz", "Mars/Olympus"] + ([] if command[0] == "parse" else ["--db", str(db)])
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: unknown time zone 'Mars/Olympus': give an IANA name such as America/Chicago or"
        " Europe/Berlin, a fixed offset such as +01:00, or auto\n"
    )
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_crawl_options_with_an_unknown_zone_create_no_archive(tmp_path: Path) -> None:
    from scraper.crawl import CrawlError

    with pytest.raises(CrawlError, match="unknown time zone 'Mars/Olympus'"):
        crawl(["http://127.0.0.1:9/t5/B/T/td-p/1"],
              CrawlOptions(db_path=tmp_path / "x.db", tz="Mars/Olympus"))
    assert list(tmp_path.iterdir()) == []


def demo_truth() -> dict[str, datetime]:
    return {str(p.uid): p.posted_at for t in build_community().threads() for p in t.posts}


def right_instants(db: Path, truth: dict[str, datetime]) -> int:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT external_id, posted_at FROM posts").fetchall()
    conn.close()
    return sum(
        1 for eid, value in rows
        if zones.is_local(value) is False and datetime.fromisoformat(value) == truth[eid]
    )


def test_the_demo_crawled_without_tz_stores_every_post_at_its_instant(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    truth = demo_truth()
    with DemoServer() as server:
        report = crawl([f"{server.url}/"], CrawlOptions(db_path=db, delay=0, concurrency=4))
    assert report.status == "complete"
    assert right_instants(db, truth) == len(truth) == 680
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT tz, tz_source FROM sites").fetchall() == [
            ("America/Chicago", "learned")
        ]
        assert conn.execute("SELECT count(*) FROM zone_observations").fetchone() == (40,)
        assert conn.execute(
            "SELECT count(*) FROM posts WHERE posted_at_local IS NULL"
        ).fetchone() == (40,)  # the opening posts: exact from the page itself
    conn.close()
    status = run("status", "--db", str(db))
    assert f"  {server.url}: times in America/Chicago (learned from 40 observed times)\n" in (
        status.stdout
    )

    result = run("reparse", "--db", str(db), "--tz", "UTC", "--quiet")
    assert result.exit_code == 0, result.output
    assert right_instants(db, truth) == 40  # only the anchored opening posts stay exact
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT tz, tz_source FROM sites").fetchall() == [("UTC", "option")]
        local, posted = conn.execute(
            "SELECT posted_at_local, posted_at FROM posts WHERE posted_at_local IS NOT NULL"
            " ORDER BY id LIMIT 1"
        ).fetchone()
    conn.close()
    assert posted == f"{local}+00:00"

    result = run("reparse", "--db", str(db), "--tz", "auto", "--quiet")
    assert result.exit_code == 0, result.output
    assert right_instants(db, truth) == 680
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT tz, tz_source FROM sites").fetchall() == [
            ("America/Chicago", "learned")
        ]
    conn.close()
