"""Khoros API mode: LiQL queries and rows (unit tests), and crawls over real HTTP against the
demo community, whose Community API serves the same messages as its HTML pages."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dbquery import query as rows_of

from scraper import liql
from scraper.crawl import CrawlOptions, crawl
from scraper.demo import DemoServer, build_community, render
from scraper.demo.server import Response
from scraper.fetch import FetchResult
from scraper.reparse import reparse

CORPUS = Path(__file__).resolve().parents[1] / "../shared/corpus/khoros"
POSTS = (
    "select t.external_id, p.external_id, p.position, u.name, u.external_id, u.url, u.rank,"
    " p.posted_at, p.edited_at, p.title, p.url, p.body_html, p.body_text, p.score,"
    " p.is_solution, p.deleted_at is not null from posts p join threads t on t.id = p.thread_id"
    " left join users u on u.id = p.author_id order by p.external_id"
)
THREADS = (
    "select t.external_id, t.title, t.url, t.reply_count, t.post_count, t.solved,"
    " t.accepted_post_external_id, t.status, b.external_id, t.created_at, t.last_post_at"
    " from threads t left join boards b on b.id = t.board_id order by t.external_id"
)
QUOTES = (
    "select p.external_id, q.position, q.depth, q.quoted_name, q.quoted_post_external_id,"
    " q.quoted_post_id is not null, q.text from quotes q join posts p on p.id = q.post_id"
    " order by 1, 2"
)


def options(db: Path, **kw) -> CrawlOptions:
    return CrawlOptions(db_path=db, delay=0, backoff=0.01, max_attempts=2, **kw)


def queries(srv: DemoServer) -> list[str]:
    """The LiQL queries the server was asked, in order."""
    return [parse_qs(urlsplit(r.path).query)["q"][0] for r in srv.requests
            if r.path.startswith(liql.SEARCH_PATH)]


def html_requests(srv: DemoServer) -> list[str]:
    return [r.path for r in srv.requests if r.path.startswith("/t5/")]


def item(**fields) -> dict:
    row: dict = {"type": "message"}
    for name, value in fields.items():
        node = row
        keys = name.replace("__", ".").split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return row


# --- queries and rows --------------------------------------------------------------------------


def test_query_text_from_the_declared_fields():
    text = liql.query("messages", ["id", "kudos.sum(weight)"], ["board.id = 'x'"],
                      order="post_time ASC", cursor="YWJj")
    assert text == ("SELECT id, kudos.sum(weight) FROM messages WHERE board.id = 'x'"
                    " ORDER BY post_time ASC LIMIT 1000 CURSOR 'YWJj'")
    assert liql.literal("it's") == "'it\\'s'"
    assert liql.query_of(liql.search_url("http://h", text)) == (text.removesuffix(
        " CURSOR 'YWJj'"), True)
    assert liql.MESSAGE_FIELDS[: len(liql.REQUIRED_FIELDS)] == liql.REQUIRED_FIELDS


@pytest.mark.parametrize(("body", "error"), [
    (b'{"status": "error", "message": "Invalid query syntax"}',
     "the API answered Invalid query syntax"),
    (b'{"status": "success", "data": {}}', "not a LiQL answer: no data.items list"),
    (b"<html>", "not a LiQL answer: invalid JSON: Expecting value: line 1 column 1 (char 0)"),
])
def test_an_answer_that_is_not_rows_is_refused(body, error):
    with pytest.raises(liql.QueryFailed) as exc:
        liql.envelope(body)
    assert str(exc.value) == error


def test_a_message_row_maps_like_a_page_message():
    row = item(
        id="902", topic__id="900", board__id="ideas", depth=1, subject="Re: Porch lights",
        post_time="2024-03-07T09:12:34.120-08:00", last_edit_time="2024-03-08T10:00:00.000-08:00",
        view_href="https://h/t5/Ideas/Porch-lights/m-p/902#M7", parent__id="901",
        author__id="55", author__login="lamp_fixer", author__view_href="https://h/u/55",
        author__rank__name="Super User", **{"kudos.sum.weight": 3}, is_solution=True,
        body='<BLOCKQUOTE><HR /><A href="https://h/t5/Ideas/Porch-lights/m-p/901#M6">ana</A>'
             " wrote:<BR />Use a timer.<HR /></BLOCKQUOTE>\n<P>Timers <B>work</B>.</P>",
    )
    post = liql.message(row)
    assert (post.external_id, post.title, post.reply_to, post.score, post.is_solution) == (
        "902", "Re: Porch lights", "901", 3, True)
    assert (post.posted_at, post.edited_at, post.posted_at_raw) == (
        "2024-03-07T17:12:34.120+00:00", "2024-03-08T18:00:00+00:00",
        "2024-03-07T09:12:34.120-08:00")
    assert (post.author.name, post.author.external_id, post.author.url, post.author.rank) == (
        "lamp_fixer", "55", "https://h/u/55", "Super User")
    assert post.body_text == "ana wrote:\nUse a timer.\nTimers work."
    assert [(q.author_name, q.post_external_id, q.text) for q in post.quotes] == [
        ("ana", "901", "Use a timer.")]
    assert post.body_html.endswith("<p>Timers <b>work</b>.</p>")


def test_rows_group_into_whole_topics_in_time_order():
    rows = [
        item(id="3", topic__id="1", post_time="2024-01-01T10:02:00.000+00:00", body="c",
             is_solution=True, conversation__messages_count=3, board__id="b"),
        item(id="1", topic__id="1", post_time="2024-01-01T10:00:00.000+00:00", body="a",
             subject="Hello", view_href="https://h/t5/B/Hello/m-p/1#M1", board__id="b",
             conversation__messages_count=3, conversation__solved=True),
        item(id="7", topic__id="7", post_time="2024-01-01T09:00:00.000+00:00", body="x"),
        item(id="2", topic__id="1", post_time="2024-01-01T10:01:00.000+00:00", body="b",
             author__id="-1", author__login="Anonymous"),
    ]
    pages = liql.thread_pages(rows)
    assert [p.thread.external_id for p in pages] == ["1", "7"]
    first = pages[0]
    assert [(p.external_id, p.position) for p in first.posts] == [("1", 1), ("2", 2), ("3", 3)]
    assert (first.thread.url, first.thread.title, first.thread.reply_count) == (
        "https://h/t5/B/Hello/td-p/1", "Hello", 2)
    assert (first.thread.solved, first.thread.accepted_post_ids) == (True, ["3"])
    assert first.posts[1].author.external_id is None and first.posts[1].author.name == "Anonymous"
    assert pages[1].warnings == []


def test_the_rejected_field_is_found_by_bisection():
    bad = "author.rank.name"
    asked: list[list[str]] = []

    async def fetch(url: str) -> FetchResult:
        text = parse_qs(urlsplit(url).query)["q"][0]
        fields = text.split("SELECT ")[1].split(" FROM")[0].split(", ")
        asked.append(fields)
        status = 400 if bad in fields else 200
        body = b'{"status": "success", "data": {"items": []}}'
        return FetchResult(url, url, status, {}, body, f"HTTP {status}" if status != 200 else
                           None, 1)

    client = liql.Client("http://h", fetch)
    assert asyncio.run(client.messages(["board.id = 'b'"])) == []
    assert client.dropped == [bad] and bad not in client.fields
    assert len(asked) <= 2 + 2 * 5  # the query, about log2(19) probes by halves, the query again
    assert asked[-1] == [f for f in liql.MESSAGE_FIELDS if f != bad]


def test_a_cursor_that_comes_back_ends_the_query():
    async def fetch(url: str) -> FetchResult:
        body = b'{"status": "success", "data": {"items": [{"id": "1"}], "next_cursor": "c"}}'
        return FetchResult(url, url, 200, {}, body, None, 1)

    with pytest.raises(liql.QueryFailed) as exc:
        asyncio.run(liql.Client("http://h", fetch).rows("boards", ["id"]))
    assert str(exc.value) == "the API repeats the cursor 'c' of a query"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not available")
def test_conformance_real_rows_read_by_declared_field_names():
    rows = json.loads((CORPUS / "api_liql_messages_items_sap_community_2024.json").read_bytes())
    assert rows and all(liql.text(r, "author.login") for r in rows)
    authors = [liql.author(r) for r in rows]
    assert all(a.external_id and a.external_id.isdigit() for a in authors)
    assert all(liql.text(r, "board.id") for r in rows)


# --- the demo's API ----------------------------------------------------------------------------


def test_the_demo_speaks_the_documented_liql_subset():
    with DemoServer(api="open") as srv:
        def ask(text: str) -> httpx.Response:
            return httpx.get(liql.search_url(srv.url, text))

        default = ask("SELECT id FROM messages").json()
        assert default["status"] == "success" and len(default["data"]["items"]) == 25
        big = ask("SELECT id FROM messages LIMIT 5000").json()["data"]
        assert len(big["items"]) == 680 and "next_cursor" not in big
        newest = ask("SELECT id, post_time FROM messages ORDER BY post_time DESC LIMIT 2"
                     ).json()["data"]
        assert [i["id"] for i in newest["items"]] == ["40890", "40889"]
        first = ask("SELECT id FROM messages ORDER BY post_time ASC LIMIT 400").json()["data"]
        rest = ask("SELECT id FROM messages ORDER BY post_time ASC LIMIT 400 CURSOR"
                   f" '{first['next_cursor']}'").json()["data"]
        assert len(rest["items"]) == 280 and "next_cursor" not in rest
        assert [i["id"] for i in first["items"] + rest["items"]] == sorted(
            (i["id"] for i in big["items"]), key=int)  # the demo numbers messages in time order
        chosen = ask("SELECT id FROM boards WHERE id IN ('hubs', 'app')").json()["data"]
        assert [i["id"] for i in chosen["items"]] == ["hubs", "app"]
        wrong = ask("SELECT id, no_such_field FROM messages")
        assert (wrong.status_code, wrong.json()["message"]) == (
            400, "Invalid query syntax for SELECT id, no_such_field FROM messages")
        srv.api = "closed"
        assert ask("SELECT id FROM messages").status_code == 403


# --- crawls ------------------------------------------------------------------------------------


def test_api_and_html_archive_the_same_community(tmp_path):
    """Row by row: the same posts, authors, dates, kudos, solutions, quotes and threads."""
    with DemoServer(build_community(), api="open") as srv:
        html = crawl([srv.url + "/"], options(tmp_path / "h.db", via="html"))
        srv.reset_log()
        api = crawl([srv.url + "/"], options(tmp_path / "a.db"))
        paths = [r.path for r in srv.requests]
        boards = len(srv.community.all_boards())
        posts = srv.community.post_count
    assert (html.status, api.status, api.stats.messages) == ("complete", "complete", [])
    assert html_requests(srv) == [] and len(paths) == 3 + boards  # robots, home page, boards
    assert api.stats.posts_new == html.stats.posts_new == posts
    for sql in (POSTS, THREADS, QUOTES, "select tz, tz_source from sites"):
        assert rows_of(tmp_path / "a.db", sql) == rows_of(tmp_path / "h.db", sql)
    assert rows_of(tmp_path / "a.db", "select count(*) from quotes")[0][0] > 100
    assert rows_of(tmp_path / "a.db", "select count(distinct page_kind) from pages"
                   " where page_kind = 'liql'") == [(1,)]


def test_a_thread_url_reads_its_topic(tmp_path):
    with DemoServer(api="open") as srv:
        thread = next(t for t in srv.community.threads() if len(t.posts) == 60)
        board = srv.community.board(thread.board_id)
        report = crawl([srv.url + render.thread_url(board, thread)], options(tmp_path / "a.db"))
        asked = queries(srv)
    assert report.status == "complete"
    assert asked[0].startswith("SELECT id, title, view_href, parent_category.id FROM boards")
    assert asked[1] == liql.query("messages", liql.MESSAGE_FIELDS,
                                  [f"topic.id = '{thread.uid}'"], order="post_time ASC")
    assert len(asked) == 2
    assert rows_of(tmp_path / "a.db", "select count(*), min(position), max(position) from posts"
                   ) == [(60, 1, 60)]


def test_a_category_url_reads_the_boards_under_it(tmp_path):
    with DemoServer(api="open") as srv:
        cat = srv.community.category("devices")
        report = crawl([srv.url + render.category_url(cat)], options(tmp_path / "a.db"))
        asked = queries(srv)
    assert report.status == "complete" and report.stats.posts_new == cat.post_count
    assert asked[1] == "SELECT id, title, parent_category.id FROM categories LIMIT 1000"
    assert [q.split("board.id = ")[1].split(" ")[0] for q in asked[2:]] == [
        "'hubs'", "'thermostats'", "'sensor-beta'"]  # sensor-beta: in the sub-category labs


def test_a_message_permalink_reads_its_whole_topic(tmp_path):
    with DemoServer(api="open") as srv:
        thread = next(t for t in srv.community.threads() if len(t.posts) == 23)
        reply = thread.posts[7]
        path = render.message_url(srv.community.board(thread.board_id), thread, reply)
        report = crawl([srv.url + path], options(tmp_path / "a.db"))
        asked = queries(srv)
    assert report.status == "complete" and report.stats.posts_new == 23
    assert asked[1] == f"SELECT topic.id FROM messages WHERE id = '{reply.uid}' LIMIT 1000"
    assert asked[2].startswith("SELECT id, topic.id") and len(asked) == 3
    assert rows_of(tmp_path / "a.db", "select external_id from threads") == [(str(thread.uid),)]


def test_html_and_api_reads_of_one_thread_mix_without_false_deletions(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(api="open") as srv:
        thread = next(t for t in srv.community.threads() if len(t.posts) == 60)
        url = srv.url + render.thread_url(srv.community.board(thread.board_id), thread)
        crawl([url], options(db, via="html"))
        srv.delete_post(thread.posts[35].uid)  # a post of page 4
        api = crawl([url], options(db))
        html = crawl([url], options(db, via="html", full=True))
    assert (api.stats.posts_deleted, api.stats.posts_new, api.stats.posts_changed) == (1, 0, 0)
    assert (html.stats.posts_deleted, html.stats.posts_new, html.stats.posts_changed) == (0, 0, 0)
    assert rows_of(db, "select count(*), sum(deleted_at is not null) from posts") == [(60, 1)]
    assert rows_of(db, "select distinct page_number from posts where deleted_at is null"
                   " order by 1") == [(n,) for n in range(1, 7)]


def test_a_thread_walled_in_html_is_archived_through_the_api(tmp_path):
    with DemoServer(api="open") as srv:
        thread = next(t for t in srv.community.threads() if len(t.posts) == 23)
        srv.block_thread(thread.uid, "login")
        board = srv.community.board(thread.board_id)
        url = srv.url + render.thread_url(board, thread)
        walled = crawl([url], options(tmp_path / "h.db", via="html"))
        report = crawl([url], options(tmp_path / "a.db"))
    assert walled.stats.blocked == 1
    assert report.status == "complete" and report.stats.posts_new == 23
    assert rows_of(tmp_path / "a.db", "select status, post_count from threads") == [
        ("complete", 23)]


def test_a_closed_api_means_html_pages(tmp_path):
    with DemoServer(api="closed") as srv:
        board = srv.community.board("hubs")
        url = srv.url + render.board_url(board)
        auto = crawl([url], options(tmp_path / "h.db"))
        assert len(queries(srv)) == 1 and html_requests(srv)
        srv.reset_log()
        forced = crawl([url], options(tmp_path / "a.db", via="api"))
        assert html_requests(srv) == []
    assert (auto.status, auto.stats.messages) == ("complete", [])
    assert auto.stats.posts_new == board.post_count
    assert forced.status == "incomplete" and forced.stats.posts_new == 0
    assert forced.stats.messages == [
        f"{srv.url}: the Community API (/api/2.0/search) answered HTTP 403; nothing read"]


def test_a_rejected_field_is_named_and_left_out(tmp_path):
    with DemoServer(api="open") as srv:
        srv.api_rejected = frozenset({"author.rank.name"})
        board = srv.community.board("hubs")
        report = crawl([srv.url + render.board_url(board)], options(tmp_path / "a.db"))
    assert report.status == "complete" and report.stats.posts_new == board.post_count
    assert report.stats.messages == [
        f"{srv.url}: the Community API rejects the field author.rank.name (Invalid query"
        " syntax); read without it"]
    assert rows_of(tmp_path / "a.db", "select count(*), count(rank), count(name) from users")[0][
        1:] == (0, rows_of(tmp_path / "a.db", "select count(*) from users")[0][0])


def test_a_board_whose_queries_fail_is_read_as_html(tmp_path):
    with DemoServer(api="open") as srv:
        srv.api_rejected = frozenset({"body"})  # required: no message query can work
        board = srv.community.board("hubs")
        url = srv.url + render.board_url(board)
        report = crawl([url], options(tmp_path / "a.db"))
        assert html_requests(srv)[0] == render.board_url(board)
    assert report.status == "complete" and report.stats.posts_new == board.post_count
    assert report.stats.messages == [
        f"{url}: Community API query failed: the API rejects the query (field body): HTTP 400;"
        " reading it as HTML"]


def test_429_with_retry_after_zero_is_waited_and_retried(tmp_path):
    with DemoServer(api="open") as srv:
        srv.script(liql.SEARCH_PATH, [
            Response(429, b"{}", "application/json", headers={"Retry-After": "0"})])
        board = srv.community.board("hubs")
        report = crawl([srv.url + render.board_url(board)], options(tmp_path / "a.db"))
        statuses = [r.status for r in srv.requests if r.path.startswith(liql.SEARCH_PATH)]
    assert statuses == [429, 200, 200]
    assert report.status == "complete" and report.stats.posts_new == board.post_count


def test_scheduled_runs_ask_for_changes_and_full_finds_deletions(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(api="open") as srv:
        board = srv.community.board("hubs")
        url = srv.url + render.board_url(board)
        crawl([url], options(db))
        replied, edited, other, lost = [t for t in board.threads if len(t.posts) > 2][:4]
        new_uid = srv.add_reply(replied.uid, "A reply after the first run.")
        srv.edit_post(edited.posts[-1].uid, "Edited after the first run.")
        srv.reset_log()
        report = crawl([url], options(db))
        asked = queries(srv)
        assert "conversation.last_post_time > '" in asked[1]
        assert "last_edit_time > '" in asked[2]
        assert asked[3].endswith(f"topic.id IN ('{edited.uid}') ORDER BY post_time ASC LIMIT"
                                 " 1000")
        assert (report.stats.posts_new, report.stats.posts_changed) == (1, 1)
        srv.delete_post(other.posts[-1].uid)
        srv.delete_post(lost.uid)  # the opening post: the whole topic goes
        quiet = crawl([url], options(db))
        full = crawl([url], options(db, full=True))
    assert quiet.stats.posts_deleted == 0 and full.stats.posts_deleted == 1
    assert rows_of(db, "select external_id, status_reason from threads where status = 'gone'"
                   ) == [(str(lost.uid), "no longer returned by the Community API")]
    assert rows_of(db, "select body_text from posts where external_id = ?", (str(new_uid),)) == [
        ("A reply after the first run.",)]
    assert rows_of(db, "select count(*) from post_versions v join posts p on p.id = v.post_id"
                   " where p.external_id = ?", (str(edited.posts[-1].uid),)) == [(2,)]


def test_a_limited_run_stops_between_boards_and_the_next_one_reads_the_rest(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(api="open") as srv:
        boards = len(srv.community.all_boards())
        limited = crawl([srv.url + "/"], options(db, max_pages=2))  # the boards, one board
        rest = crawl([srv.url + "/"], options(db))
        posts = srv.community.post_count
    assert (limited.status, limited.exit_code) == ("stopped", 1)
    assert limited.stats.messages == [
        f"{srv.url}/: {boards - 1} of {boards} boards left for the next run (limit reached)"]
    assert rest.status == "complete" and rest.stats.messages == []
    assert limited.stats.posts_new + rest.stats.posts_new == posts
    assert rows_of(db, "select count(*) from posts") == [(posts,)]


def test_a_site_refusing_time_conditions_is_read_in_whole_boards(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(api="open") as srv:
        board = srv.community.board("hubs")
        url = srv.url + render.board_url(board)
        crawl([url], options(db))
        srv.api_rejected = frozenset({"conversation.last_post_time"})  # in WHERE, as in SELECT
        srv.add_reply(board.threads[0].uid, "Late reply.")
        srv.reset_log()
        report = crawl([url], options(db))
        asked = queries(srv)
    assert report.status == "complete" and report.stats.posts_new == 1
    assert report.stats.messages == [
        f"{srv.url}: the Community API refuses the queries of what changed (the API rejects the"
        " query: HTTP 400); reading whole boards",
        f"{srv.url}: the Community API rejects the field conversation.last_post_time (Invalid"
        " query syntax); read without it",
    ]
    assert asked[-1] == liql.query("messages", [f for f in liql.MESSAGE_FIELDS
                                                if f != "conversation.last_post_time"],
                                   ["board.id = 'hubs'"], order="post_time ASC")


def test_reparse_rebuilds_api_answers_offline(tmp_path):
    db = tmp_path / "a.db"
    with DemoServer(api="open") as srv:
        board = srv.community.board("hubs")
        url = srv.url + render.board_url(board)
        crawl([url], options(db))
        srv.delete_post(board.threads[0].posts[-1].uid)
        crawl([url], options(db, full=True))
    before = rows_of(db, POSTS), rows_of(db, QUOTES), rows_of(db, THREADS)
    copy = tmp_path / "b.db"
    shutil.copy(db, copy)
    stats = reparse(copy)
    assert (stats.failed, stats.posts_new, stats.posts_deleted, stats.posts_new_versions) == (
        0, 0, 0, 0)
    assert stats.thread_pages == len(board.threads)
    assert (rows_of(copy, POSTS), rows_of(copy, QUOTES), rows_of(copy, THREADS)) == before
    assert rows_of(copy, "select count(*) from posts where deleted_at is not null") == [(1,)]
