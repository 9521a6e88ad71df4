"""Reference: the Khoros post extraction written with BeautifulSoup, against our parser.

The BeautifulSoup version reads what the thread parser reads for each post: uid, author full
name, posted-date text, body text, signature, kudos and quotes (depth, author, quoted post, own
text), with the same rules (classic and current layouts, repeated copies, the accepted-solution
copy, cut-short names, relative dates, signatures inside or beside the body). It runs over the
thread pages of parse_bench (fixtures and ../shared/corpus/khoros when present); both sides get
the page bytes. Our side is the full parse (``scraper.platforms.parse``), which also does dates,
breadcrumbs, pager and thread facts, so the speed-up is a conservative one. The outputs are
compared post by post to show the two extract the same thing.

    python bench/bs4_bench.py [--repeats N] [--parser lxml|html.parser]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from parse_bench import best_of, pages  # noqa: E402

from scraper.htmltext import clean_text, parse_count  # noqa: E402
from scraper.models import ParseError, ThreadPage  # noqa: E402
from scraper.platforms import parse  # noqa: E402

DEFAULT_PARSER = "lxml" if importlib.util.find_spec("lxml") else "html.parser"

_UID_CLASS = re.compile(r"(?:message-uid-|lia-js-data-messageUid-)(\d+)")
_MESSAGE_UID = re.compile(r"/m-p/(\d+)")
_WROTE_WORDS = ("wrote", "said", "a écrit", "schrieb", "escribió", "escreveu")
_WROTE = re.compile(rf"(.+?)\s+(?:{'|'.join(_WROTE_WORDS)})\s*:?", re.I)
_ELLIPSIS = ("…", "...")
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul",
})
_HIDDEN = frozenset({"script", "style", "template", "noscript", "iframe", "title", "head"})
_SPACES = re.compile(r"[ \t\n\r\f]+")
_DATE_PIECES = ["lia-message-edited-on", "local-friendly-date", "local-date", "local-time"]


# --- the BeautifulSoup extraction ----------------------------------------------------------------


def bs4_posts(body: bytes, features: str = DEFAULT_PARSER) -> list[dict]:
    """The posts of one Khoros thread page, read with BeautifulSoup."""
    soup = BeautifulSoup(body, features)
    found: dict[str, tuple[int, dict]] = {}
    for index, element in enumerate(_messages(soup)):
        uid = _uid(element)
        previous = found.get(uid or "")
        if not uid or (previous is not None and previous[1]["full"]):
            continue
        post = _post(element, uid)
        if previous is None or post["full"]:
            found[uid] = (index, post)
    return [post for _, post in sorted(found.values(), key=lambda item: item[0])]


def _messages(soup: BeautifulSoup) -> list[Tag]:
    """Message roots (classic, current, any uid holder) without the accepted-solution copy."""
    for find in (
        lambda: soup.find_all("div", class_="lia-message-view"),
        lambda: soup.find_all("div", class_="lia-message-view-wrapper",
                              attrs={"data-lia-message-uid": True}),
        lambda: soup.find_all("div", attrs={"data-lia-message-uid": True}),
    ):
        if elements := find():
            return [e for e in elements
                    if "lia-message-view-solution-copy" not in e.get("class", ())]
    return []


def _uid(element: Tag) -> str | None:
    uid = (element.get("data-lia-message-uid") or "").strip()
    if uid:
        return uid
    m = _UID_CLASS.search(" ".join(element.get("class", ())))
    return m.group(1) if m else None


def _post(element: Tag, uid: str) -> dict:
    body = element.find("div", class_="lia-message-body-content")
    kudos = element.find("span", class_="MessageKudosCount")
    post = {
        "uid": uid,
        "author": _author(element),
        "date": _posted_date(element),
        "kudos": parse_count(kudos.get("content") or kudos.get_text()) if kudos else None,
        "body": "", "signature": None, "quotes": [], "full": body is not None,
    }
    if body is not None:
        signatures = (body.parent or body).find_all("div", class_="UserSignature")
        post["signature"] = (tree_text(signatures[0]) or None) if signatures else None
        post["body"] = tree_text(body, skip=signatures)
        post["quotes"] = [_quote(q, body) for q in body.find_all("blockquote")
                          if not any(q in s.descendants for s in signatures)]
    return post


def _author(element: Tag) -> str | None:
    link = element.find("a", class_="lia-user-name-link")
    shown = link if link is not None else element.find(class_="UserName")
    name = clean_text(shown.get_text()) if shown is not None else ""
    if name.endswith(_ELLIPSIS):
        stem = name.rstrip("….").rstrip()
        label = (link.get("aria-label") or "") if link is not None else ""
        candidates = [label.removeprefix("View Profile of ")]
        avatar = element.find("img", class_="lia-user-avatar-message")
        if avatar is not None:
            candidates += [avatar.get("title") or "", avatar.get("alt") or ""]
        name = next((c.strip() for c in candidates if c.strip().startswith(stem)), name)
    return name or None


def _posted_date(element: Tag) -> str | None:
    """The posted-date text: the exact date behind a relative one, else date and time."""
    dates = element.find(class_="lia-message-post-date") or element.find(
        class_="lia-message-posted-on")
    if dates is None:
        return None
    if dates.find(class_=["lia-message-edited-on", "local-friendly-date"]) is None:
        return clean_text(dates.get_text()) or None
    shown = []
    for node in dates.find_all(class_=_DATE_PIECES):
        classes = node.get("class", ())
        if "lia-message-edited-on" in classes:
            return " ".join(shown) or None
        if "local-friendly-date" in classes and (title := clean_text(node.get("title"))):
            return title
        if text := clean_text(node.get_text()):
            shown.append(text)
    return " ".join(shown) or clean_text(dates.get_text()) or None


def _quote(quote: Tag, body: Tag) -> dict:
    depth = 1
    for parent in quote.parents:
        if parent is body:
            break
        depth += parent.name == "blockquote"
    text = tree_text(quote, skip=quote.find_all("blockquote"))
    first, _, rest = text.partition("\n")
    header = _WROTE.fullmatch(first) if first.rstrip(" :").lower().endswith(_WROTE_WORDS) \
        else None
    if header is None:
        return {"depth": depth, "author": None, "post": None, "text": text}
    return {"depth": depth, "author": header.group(1).strip(), "post": _quoted_post(quote),
            "text": rest.lstrip()}


def _quoted_post(quote: Tag) -> str | None:
    """The ``m-p/<uid>`` link of the quote header: before its first line break or block end."""
    first_div = None
    for node in quote.descendants:
        if not isinstance(node, Tag):
            continue
        if node.name == "br" or (first_div is not None and first_div not in node.parents):
            return None
        if node.name == "div" and first_div is None:
            first_div = node
        if node.name == "a" and (m := _MESSAGE_UID.search(node.get("href") or "")):
            return m.group(1)
    return None


def tree_text(node: Tag, skip: list[Tag] = ()) -> str:
    """Readable text of an element: blocks and ``<br>`` break lines, whitespace collapses
    (except in ``<pre>``), hidden elements and ``skip`` are left out."""
    pieces: list[str] = []
    _walk(node, pieces, {id(s) for s in skip}, pre=False)
    lines = [clean_text(line) for line in "".join(pieces).split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _walk(node: Tag, pieces: list[str], skip: set[int], *, pre: bool) -> None:
    for child in node.children:
        if isinstance(child, Tag):
            name = child.name
            if name in _HIDDEN or id(child) in skip:
                if name == "blockquote":
                    pieces.append("\n")
                continue
            if name == "br":
                pieces.append("\n")
            elif name in ("td", "th"):
                pieces.append(" ")
            block = name in _BLOCKS
            if block:
                pieces.append("\n")
            _walk(child, pieces, skip, pre=pre or name == "pre")
            if block:
                pieces.append("\n")
        elif type(child) is NavigableString:
            pieces.append(str(child) if pre else _SPACES.sub(" ", child))


# --- our parser's view, the comparison and the timing --------------------------------------------


def our_posts(body: bytes, url: str, tz: str | None) -> list[dict] | None:
    """The same fields from ``scraper.platforms.parse``; None for a page that is no thread."""
    try:
        page = parse(body, url, tz=tz)
    except ParseError:
        return None
    if not isinstance(page, ThreadPage):
        return None
    return [
        {
            "uid": p.external_id, "author": p.author.name, "date": p.posted_at_raw,
            "kudos": p.score, "body": p.body_text, "signature": p.signature,
            "quotes": [{"depth": q.depth, "author": q.author_name, "post": q.post_external_id,
                        "text": q.text} for q in p.quotes],
        }
        for p in page.posts
    ]


def comparable(post: dict) -> dict:
    """A post with whitespace squashed out of its texts (line layout is not compared)."""
    def squash(text: str | None) -> str | None:
        return None if text is None else "".join(text.split())

    return {
        "uid": post["uid"], "author": post["author"], "date": post["date"],
        "kudos": post["kudos"], "body": squash(post["body"]), "signature": squash(
            post["signature"]),
        "quotes": [{**q, "text": squash(q["text"])} for q in post["quotes"]],
    }


@dataclass
class PageResult:
    name: str
    size: int
    posts: int
    agreeing: int
    ours: float  # best seconds
    bs4: float
    mismatches: list[tuple[dict, dict]]


@dataclass
class Bs4Bench:
    parser: str
    pages: list[PageResult]

    @property
    def speedup(self) -> float:
        """Sum of BeautifulSoup times over sum of ours."""
        return sum(p.bs4 for p in self.pages) / sum(p.ours for p in self.pages)

    @property
    def posts(self) -> int:
        return sum(p.posts for p in self.pages)

    @property
    def agreeing(self) -> int:
        return sum(p.agreeing for p in self.pages)


def run(repeats: int = 20, features: str = DEFAULT_PARSER, log=print) -> Bs4Bench:
    results = []
    log(f"BeautifulSoup with {features}; thread pages of parse_bench; best of {repeats}")
    log(f"{'page':50} {'KiB':>5} {'posts':>5} {'ours ms':>8} {'bs4 ms':>8} {'x':>6}  agree")
    for name, body, url, tz in pages():
        ours = our_posts(body, url, tz)
        if ours is None:
            continue
        theirs = bs4_posts(body, features)
        pairs = list(zip(map(comparable, ours), map(comparable, theirs), strict=False))
        agreeing = sum(a == b for a, b in pairs) if len(ours) == len(theirs) else 0
        our_time, bs4_time = best_of(
            repeats,
            lambda body=body, url=url, tz=tz: parse(body, url, tz=tz),
            lambda body=body: bs4_posts(body, features),
        )
        result = PageResult(name, len(body), len(ours), agreeing, our_time, bs4_time,
                            [(a, b) for a, b in pairs if a != b])
        results.append(result)
        log(f"{name[:50]:50} {len(body) / 1024:5.0f} {len(ours):5} {our_time * 1000:8.3f} "
            f"{bs4_time * 1000:8.3f} {bs4_time / our_time:6.1f}  {agreeing}/{len(ours)}"
            + ("" if len(ours) == len(theirs) else f" (bs4 found {len(theirs)} posts)"))
    bench = Bs4Bench(features, results)
    log(f"speed-up of our parser over BeautifulSoup ({features}): {bench.speedup:.1f}x; "
        f"posts extracted identically: {bench.agreeing}/{bench.posts}")
    return bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--parser", default=DEFAULT_PARSER, choices=["lxml", "html.parser"])
    parser.add_argument("--diff", action="store_true", help="print the posts that differ")
    args = parser.parse_args()
    bench = run(args.repeats, args.parser)
    if args.diff:
        for page in bench.pages:
            for ours, theirs in page.mismatches:
                print(f"{page.name}:\n  ours {ours}\n  bs4  {theirs}")
    return 0 if bench.pages else 1


if __name__ == "__main__":
    raise SystemExit(main())
