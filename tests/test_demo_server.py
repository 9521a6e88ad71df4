"""The demo community: deterministic content, real HTTP on 127.0.0.1, mutations, conditional
requests, faults, and pages that parse back to exactly the generated content."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from scraper.demo import DEFAULT_ROBOTS, DemoServer, Faults, build_community, render
from scraper.demo.content import Community, Quote, Thread
from scraper.models import BlockedPage, ListingPage, ParseError, ThreadPage
from scraper.platforms import parse

TZ = "America/Chicago"


@pytest.fixture(scope="module")
def srv() -> Iterator[DemoServer]:
    """A read-only server shared by the tests that do not mutate or break it."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def _summary(c: Community) -> dict[str, object]:
    posts = [p for t in c.threads() for p in t.posts]

    def depth(q: Quote) -> int:
        return 1 + max((depth(i) for i in q.inner), default=0)

    return {
        "categories": [(cat.id, [b.id for b in cat.boards], [s.id for s in cat.categories])
                       for cat in c.all_categories()],
        "threads": [len(b.threads) for b in c.all_boards()],
        "posts": len(posts),
        "pages": sum(render.thread_page_count(t) for t in c.threads()),
        "solved": sum(1 for t in c.threads() if t.accepted_uid),
        "anonymous": sum(1 for p in posts if p.author.anonymous),
        "long_names": sum(1 for p in posts if len(p.author.login) > 15),
        "kudos_over_1000": sum(1 for p in posts if p.kudos >= 1000),
        "edited": sum(1 for p in posts if p.edited_at),
        "signatures": sum(1 for p in posts if p.signature),
        "quote_depths": sorted(Counter(depth(q) for p in posts for q in p.quotes).items()),
        "first_uid": min(p.uid for p in posts),
        "clock": c.clock.isoformat(),
    }


def _thread(c: Community, n_posts: int) -> Thread:
    return next(t for t in c.threads() if len(t.posts) == n_posts)


def _urls(c: Community, base: str, thread: Thread) -> tuple[str, str]:
    board = c.board(thread.board_id)
    return base + render.board_url(board), base + render.thread_url(board, thread)


def _flat_quotes(quotes: list[Quote], depth: int = 1) -> Iterator[tuple[str, int, str]]:
    for q in quotes:
        yield q.author, depth, q.text
        yield from _flat_quotes(q.inner, depth + 1)


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


# --- content ---------------------------------------------------------------------------------


def test_default_community_is_deterministic_and_has_the_documented_shape() -> None:
    c = build_community()
    assert _summary(c) == _summary(build_community(7))
    assert _summary(c) == {
        "categories": [("devices", ["hubs", "thermostats"], ["labs"]),
                       ("labs", ["sensor-beta"], []),
                       ("account", ["billing", "app"], [])],
        "threads": [10, 8, 5, 9, 8],
        "posts": 680,
        "pages": 87,
        "solved": 12,
        "anonymous": 17,
        "long_names": 84,
        "kudos_over_1000": 17,
        "edited": 30,
        "signatures": 154,
        "quote_depths": [(1, 129), (2, 28), (3, 8)],
        "first_uid": 40211,
        "clock": "2025-12-23T11:50:00-06:00",
    }
    assert _summary(build_community(8)) != _summary(c)


def test_uids_dates_and_numbers_are_consistent() -> None:
    c = build_community()
    posts = sorted((p for t in c.threads() for p in t.posts), key=lambda p: p.uid)
    assert [p.uid for p in posts] == list(range(40211, 40211 + 680))
    assert [p.posted_at for p in posts] == sorted(p.posted_at for p in posts)
    for t in c.threads():
        assert t.uid == t.posts[0].uid
        assert t.accepted_uid in (None, *[p.uid for p in t.posts[1:]])
        for q in (q for p in t.posts for q in p.quotes):
            assert q.post_uid in {p.uid for p in t.posts}
    for board in c.all_boards():
        numbers = sorted(p.board_msg_number for t in board.threads for p in t.posts)
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert {p.posted_at.tzinfo.key for p in posts} == {TZ}
    assert [len(t.posts) for t in c.board("hubs").threads[:6]] == [23, 60, 1, 10, 11, 41]


def test_size_options() -> None:
    small = build_community(threads_per_board=3)
    assert [len(b.threads) for b in small.all_boards()] == [3, 3, 3, 3, 3]
    double = build_community(scale=2)
    assert [len(b.threads) for b in double.all_boards()] == [20, 16, 10, 18, 16]


# --- pages over HTTP -------------------------------------------------------------------------


def test_every_page_kind_answers(srv: DemoServer, client: httpx.Client) -> None:
    c = srv.community
    thread = _thread(c, 23)
    board = c.board(thread.board_id)
    html = "text/html;charset=UTF-8"
    for path in ("/", render.category_url(c.category("labs")), render.board_url(board),
                 render.thread_url(board, thread), render.thread_url(board, thread, 3),
                 render.profile_url(thread.posts[0].author)):
        r = client.get(srv.url + path)
        assert (r.status_code, r.headers["content-type"]) == (200, html), path
    reply = thread.posts[14]
    r = client.get(f"{srv.url}/t5/{board.slug}/any-slug/m-p/{reply.uid}")
    assert r.status_code == 301
    assert r.headers["location"] == (
        f"{srv.url}{render.thread_url(board, thread, 2)}#M{reply.board_msg_number}")
    r = client.get(srv.url + "/robots.txt")
    assert (r.status_code, r.text) == (200, DEFAULT_ROBOTS)
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    for path in ("/t5/nowhere", "/t5/x/y/td-p/1", "/t5/x/bd-p/nope", "/t5/x/y/m-p/1"):
        assert client.get(srv.url + path).status_code == 404
    assert client.head(srv.url + "/").status_code == 200


def test_footer_links_point_off_site(srv: DemoServer, client: httpx.Client) -> None:
    page = client.get(srv.url + "/").text
    assert 'href="https://www.example.org/privacy"' in page
    other = srv.url.replace("127.0.0.1", "127.0.0.2")
    assert f'href="{other}/t5/Status/ct-p/status"' in page


def test_thread_and_board_pagination(client: httpx.Client) -> None:
    c = build_community(threads_per_board=45)
    thread = _thread(c, 23)
    with DemoServer(c) as server:
        board_url, thread_url = _urls(c, server.url, thread)
        pages = [parse(client.get(f"{thread_url}/page/{n}" if n > 1 else thread_url).content,
                       thread_url) for n in (1, 2, 3)]
        assert [len(p.posts) for p in pages] == [10, 10, 3]
        assert {(p.page.number, p.page.count) for p in pages} == {(1, 3), (2, 3), (3, 3)}
        assert [p.posts[0].position for p in pages] == [1, 11, 21]
        beyond = parse(client.get(thread_url + "/page/9").content, thread_url)
        assert [p.external_id for p in beyond.posts] == [str(p.uid) for p in thread.posts[20:]]
        listings = [parse(client.get(f"{board_url}/page/{n}" if n > 1 else board_url).content,
                          board_url) for n in (1, 2, 3)]
        assert [len(p.threads) for p in listings] == [20, 20, 5]
        assert [p.page.count for p in listings] == [3, 3, 3]
        assert listings[0].page.next_url == board_url + "/page/2"
        assert listings[2].page.next_url is None


def test_add_reply_changes_listing_and_last_page(client: httpx.Client) -> None:
    c = build_community()
    thread = _thread(c, 10)
    with DemoServer(c) as server:
        board_url, thread_url = _urls(c, server.url, thread)
        before = parse(client.get(board_url).content, board_url)
        assert before.threads[0].external_id != str(thread.uid)
        uid = server.add_reply(thread.uid, "Still broken after the reboot.", "kiki")
        assert uid == 40211 + 680
        after = parse(client.get(board_url).content, board_url, tz=TZ)
        row = after.threads[0]
        assert (row.external_id, row.reply_count) == (str(thread.uid), 10)
        assert datetime.fromisoformat(row.last_post_at) == c.clock
        last = parse(client.get(thread_url + "/page/2").content, thread_url)
        assert [(p.external_id, p.author.name, p.body_text, p.position) for p in last.posts] == [
            (str(uid), "kiki", "Still broken after the reboot.", 11)]
        assert last.page.count == 2


def test_edit_and_delete_shift_positions(client: httpx.Client) -> None:
    c = build_community()
    thread = _thread(c, 11)
    uids = [p.uid for p in thread.posts]
    with DemoServer(c) as server:
        board_url, thread_url = _urls(c, server.url, thread)
        server.edit_post(uids[1], "Edited: fixed by a firmware update.")
        page = parse(client.get(thread_url).content, thread_url, tz=TZ)
        assert page.posts[1].body_text == "Edited: fixed by a firmware update."
        assert datetime.fromisoformat(page.posts[1].edited_at) == c.clock
        server.delete_post(uids[3])
        page = parse(client.get(thread_url).content, thread_url)
        assert [p.external_id for p in page.posts] == [str(u) for u in uids[:3] + uids[4:]]
        assert [p.position for p in page.posts] == list(range(1, 11))
        assert (page.page.count, page.thread.reply_count) == (1, 9)
        assert client.get(thread_url + "/page/2").status_code == 200  # clamped to the last page
        listing = parse(client.get(board_url).content, board_url)
        assert next(t.reply_count for t in listing.threads if t.external_id == str(uids[0])) == 9
        server.delete_post(uids[0])
        assert client.get(thread_url).status_code == 404
        listing = parse(client.get(board_url).content, board_url)
        assert str(uids[0]) not in [t.external_id for t in listing.threads]


def test_conditional_requests(client: httpx.Client) -> None:
    c = build_community()
    thread = _thread(c, 23)
    with DemoServer(c) as server:
        board_url, thread_url = _urls(c, server.url, thread)
        first = client.get(thread_url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert parsedate_to_datetime(modified) == thread.modified_at
        again = client.get(thread_url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        since = client.get(thread_url, headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        assert client.get(board_url, headers={"If-None-Match": etag}).status_code == 200
        server.add_reply(thread.uid, "One more thing.")
        changed = client.get(thread_url, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        assert client.get(thread_url, headers={"If-Modified-Since": modified}).status_code == 200


def test_every_200_answer_carries_validators(client: httpx.Client) -> None:
    c = build_community()
    thread = _thread(c, 23)
    with DemoServer(c) as server:
        board_url, thread_url = _urls(c, server.url, thread)
        server.block_thread(thread.uid, "login")
        for url in (server.url + "/", server.url + "/robots.txt", board_url, thread_url):
            r = client.get(url)
            assert r.status_code == 200, url
            assert re.fullmatch(r'W/"[0-9a-f]{20}"', r.headers["etag"]), url
            assert parsedate_to_datetime(r.headers["last-modified"]) <= c.clock, url
        assert "etag" not in client.get(server.url + "/nope").headers


def test_stop_closes_open_connections(client: httpx.Client) -> None:
    server = DemoServer(build_community(threads_per_board=1)).start()
    assert client.get(server.url + "/").status_code == 200  # leaves a keep-alive connection
    server.stop()
    with pytest.raises(httpx.TransportError):
        client.get(server.url + "/")


def test_gzip_follows_accept_encoding(srv: DemoServer) -> None:
    with httpx.Client(headers={"Accept-Encoding": "gzip"}) as c:
        raw = c.get(srv.url + "/")
    assert raw.headers["content-encoding"] == "gzip"
    with httpx.Client(headers={"Accept-Encoding": "identity"}) as c:
        plain = c.get(srv.url + "/")
    assert "content-encoding" not in plain.headers
    assert raw.content == plain.content
    assert raw.headers["etag"] == plain.headers["etag"]


def test_robots_is_configurable(client: httpx.Client) -> None:
    with DemoServer(build_community(threads_per_board=1), robots="User-agent: *\nDisallow: /\n") \
            as server:
        assert client.get(server.url + "/robots.txt").text == "User-agent: *\nDisallow: /\n"
    with DemoServer(build_community(threads_per_board=1), robots=None) as server:
        assert client.get(server.url + "/robots.txt").status_code == 404


def test_request_log(client: httpx.Client) -> None:
    with DemoServer(build_community(threads_per_board=1)) as server:
        client.get(server.url + "/")
        client.get(server.url + "/robots.txt")
        client.get(server.url + "/nope")
        assert [(r.method, r.path, r.status) for r in server.requests] == [
            ("GET", "/", 200), ("GET", "/robots.txt", 200), ("GET", "/nope", 404)]
        assert server.count("/robots") == 1
        assert server.count(lambda p: p.startswith("/n")) == 1
        server.reset_log()
        assert server.count() == 0


# --- faults ----------------------------------------------------------------------------------


def test_scripted_answers(client: httpx.Client) -> None:
    with DemoServer(build_community(threads_per_board=1)) as server:
        server.script("/", [503, 503, 200])
        assert [client.get(server.url + "/").status_code for _ in range(4)] == [503, 503, 200, 200]
        server.script("/robots.txt", [429, "drop"])
        r = client.get(server.url + "/robots.txt")
        assert (r.status_code, r.headers["retry-after"]) == (429, "0")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(server.url + "/robots.txt")
        assert [r.status for r in server.requests] == [503, 503, 200, 200, 429, 0]


@pytest.mark.parametrize(
    ("faults", "status"),
    [(Faults(error_5xx=1.0), {500, 502, 503, 504}), (Faults(rate_429=1.0, retry_after=7), {429})],
)
def test_status_faults_spare_robots(faults: Faults, status: set[int], client: httpx.Client) -> None:
    with DemoServer(build_community(threads_per_board=1), faults=faults) as server:
        answers = [client.get(server.url + "/") for _ in range(5)]
        assert {r.status_code for r in answers} <= status
        if 429 in status:
            assert {r.headers["retry-after"] for r in answers} == {"7"}
        assert client.get(server.url + "/robots.txt").status_code == 200


def test_retry_after_as_http_date(client: httpx.Client) -> None:
    faults = Faults(rate_429=1.0, retry_after=120, retry_after_date=True)
    with DemoServer(build_community(threads_per_board=1), faults=faults) as server:
        r = client.get(server.url + "/")
    assert r.status_code == 429
    assert parsedate_to_datetime(r.headers["retry-after"]) > parsedate_to_datetime(
        r.headers["date"])


@pytest.mark.parametrize("kind", ["drop", "truncate"])
def test_broken_connections(kind: str, client: httpx.Client) -> None:
    faults = Faults(**{kind: 1.0})
    with DemoServer(build_community(threads_per_board=1), faults=faults) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(server.url + "/")
        assert client.get(server.url + "/robots.txt").text == DEFAULT_ROBOTS


def test_slow_drip_delivers_the_whole_page(client: httpx.Client) -> None:
    c = build_community(threads_per_board=1)
    with DemoServer(c, faults=Faults(slow_drip=1.0, drip_chunk=2048, drip_pause=0.001)) as server:
        dripped = client.get(server.url + "/")
        server.faults = Faults()
        assert dripped.content == client.get(server.url + "/").content


def test_seeded_faults_repeat() -> None:
    a, b = Faults(seed=3, error_5xx=0.3, drop=0.3), Faults(seed=3, error_5xx=0.3, drop=0.3)
    seq = [a.draw() for _ in range(50)]
    assert seq == [b.draw() for _ in range(50)]
    assert set(seq) == {"5xx", "drop", None}


def test_special_fault_paths(client: httpx.Client) -> None:
    faults = Faults(gzip_bomb_path="/bomb", gzip_bomb_size=8 << 20, huge_path="/huge",
                    huge_size=3 << 20, redirect_loop_path="/loop", offsite_redirect_path="/away")
    with DemoServer(build_community(threads_per_board=1), faults=faults) as server:
        with client.stream("GET", server.url + "/bomb") as r:
            assert r.headers["content-encoding"] == "gzip"
            packed = b"".join(r.iter_raw())
            assert len(packed) < 64 << 10
        assert len(gzip.decompress(packed)) == (8 << 20) + len("<html><body>")
        huge = client.get(server.url + "/huge")
        assert len(huge.content) == int(huge.headers["content-length"]) == 3 << 20
        first = client.get(server.url + "/loop")
        second = client.get(first.headers["location"])
        assert (first.status_code, second.headers["location"]) == (302, server.url + "/loop")
        away = client.get(server.url + "/away")
        assert away.headers["location"].startswith("http://127.0.0.2:")


def test_wrong_charset_thread(client: httpx.Client) -> None:
    c = build_community()
    thread = next(t for t in c.threads() if "Привет" in t.posts[0].text)
    with DemoServer(c, faults=Faults(wrong_charset_threads=frozenset({thread.uid}))) as server:
        _, url = _urls(c, server.url, thread)
        r = client.get(url)
    assert r.headers["content-type"] == "text/html;charset=UTF-8"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    assert "Привет" in r.content.decode("cp1251")
    assert "charset=UTF-8" in r.content.decode("cp1251")


@pytest.mark.parametrize("kind", ["login", "challenge"])
def test_blocked_thread_pages(kind: str, client: httpx.Client) -> None:
    c = build_community()
    thread = _thread(c, 23)
    with DemoServer(c) as server:
        _, url = _urls(c, server.url, thread)
        server.block_thread(thread.uid, kind)
        blocked = client.get(url + "/page/2")
        assert blocked.status_code == 200
        assert 'id="challenge-form"' in blocked.text if kind == "challenge" else \
            'name="password"' in blocked.text
        with pytest.raises(BlockedPage if kind == "login" else ParseError):
            parse(blocked.content, url + "/page/2")
        server.unblock_thread(thread.uid)
        assert isinstance(parse(client.get(url).content, url), ThreadPage)


# --- every page parses back to the generated content ----------------------------------------


def test_every_thread_page_parses_to_the_generated_posts(
    srv: DemoServer, client: httpx.Client
) -> None:
    c, base = srv.community, srv.url
    checked = 0
    for thread in c.threads():
        board = c.board(thread.board_id)
        count = render.thread_page_count(thread)
        for n in range(1, count + 1):
            url = base + render.thread_url(board, thread, n)
            page = parse(client.get(url).content, url, tz=TZ)
            assert isinstance(page, ThreadPage)
            expected = thread.posts[(n - 1) * render.POSTS_PER_PAGE:n * render.POSTS_PER_PAGE]
            on_page = {p.uid for p in expected}
            assert page.canonical_url == url
            assert page.thread.url == base + render.thread_url(board, thread)
            assert (page.thread.external_id, page.thread.title) == (str(thread.uid), thread.subject)
            assert (page.thread.board.external_id, page.thread.board.title) == (board.id,
                                                                                board.title)
            assert page.thread.reply_count == len(thread.posts) - 1
            assert (page.page.number, page.page.count) == (n, count)
            assert page.page.next_url == (
                base + render.thread_url(board, thread, n + 1) if n < count else None)
            accepted = [str(thread.accepted_uid)] if thread.accepted_uid in on_page else []
            assert page.thread.accepted_post_ids == accepted
            if thread.accepted_uid and n == 1:
                assert page.thread.solved is True
            assert page.warnings == []
            got = [
                (p.external_id, p.position, p.author.name, p.author.external_id, p.author.rank,
                 p.score, p.signature, p.is_solution, [(q.author_name, q.depth, q.text)
                                                       for q in p.quotes],
                 datetime.fromisoformat(p.posted_at),
                 p.edited_at and datetime.fromisoformat(p.edited_at), p.url)
                for p in page.posts
            ]
            want = [
                (str(p.uid), thread.posts.index(p) + 1, p.author.login,
                 None if p.author.anonymous else str(p.author.id), p.author.rank or None,
                 p.kudos, p.signature, p.uid == thread.accepted_uid,
                 list(_flat_quotes(p.quotes)), p.posted_at, p.edited_at,
                 base + render.message_url(board, thread, p))
                for p in expected
            ]
            assert got == want, url
            for p, e in zip(page.posts, expected, strict=True):
                assert _squash(p.body_text).endswith(_squash(e.text))
                assert "View solution" not in p.body_text
            checked += 1
    assert checked == 87


def test_every_listing_page_parses_to_the_generated_nodes(
    srv: DemoServer, client: httpx.Client
) -> None:
    c, base = srv.community, srv.url
    home = parse(client.get(base + "/").content, base + "/")
    assert isinstance(home, ListingPage) and home.kind == "community"
    # The node list first, in its order; then every other node the page links to (its menu).
    assert [(n.external_id, n.url) for n in home.categories][: len(c.categories)] == [
        (cat.id, base + render.category_url(cat)) for cat in c.categories]
    assert {n.external_id for n in home.categories} == {cat.id for cat in c.all_categories()}
    assert {n.external_id for n in home.boards} == {b.id for b in c.all_boards()}
    assert home.threads == []
    for cat in c.all_categories():
        url = base + render.category_url(cat)
        page = parse(client.get(url).content, url)
        assert page.kind == "category"
        assert [(n.external_id, n.title, n.url) for n in page.boards][: len(cat.boards)] == [
            (b.id, b.title, base + render.board_url(b)) for b in cat.boards]
        assert [(n.external_id, n.title) for n in page.categories][: len(cat.categories)] == [
            (s.id, s.title) for s in cat.categories]
        assert {n.url for n in page.categories} == {
            base + render.category_url(x) for x in c.all_categories() if x is not cat}
        latest = [render.message_url(b, b.sorted_threads()[0], b.sorted_threads()[0].last_post)
                  for b in cat.boards if b.threads]
        assert [t.url for t in page.threads] == [base + u.split("#")[0] for u in latest]
    for board in c.all_boards():
        url = base + render.board_url(board)
        page = parse(client.get(url).content, url, tz=TZ)
        assert page.kind == "board" and page.board.external_id == board.id
        assert page.page.count == 1 and page.warnings == []
        threads = board.sorted_threads()
        assert [(t.external_id, t.title, t.reply_count, t.score, t.views, t.solved,
                 t.author.name, datetime.fromisoformat(t.last_post_at)) for t in page.threads] == [
            (str(t.uid), t.subject, len(t.posts) - 1, t.posts[0].kudos, t.views,
             True if t.accepted_uid else None, t.posts[0].author.login, t.last_post.posted_at)
            for t in threads]
        for row in page.threads:
            thread_page = parse(client.get(row.url).content, row.url)
            assert thread_page.canonical_url == row.url
