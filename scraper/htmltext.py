"""Decoding page bytes and turning HTML fragments into readable text (platform-neutral helpers)."""

from __future__ import annotations

import codecs
import re
from html import unescape

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset named by the Content-Type header, else by a <meta> tag near the top."""
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        return m.group(1).lower()
    if m := _META_CHARSET.search(body[:4096]):
        return m.group(1).decode("ascii").lower()
    return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode page bytes from their own evidence, not only the declaration.

    Valid UTF-8 wins (pages often declare one charset and hold UTF-8); otherwise the declared
    charset if it is not UTF-8 and decodes cleanly; otherwise (no declaration, or a false one)
    windows-1251 or windows-1252, whichever the bytes read as: Cyrillic text in windows-1251
    makes whole words of letters from 0xC0-0xFF, while the accented letters of Western text
    sit inside Latin words ("café") that, read as windows-1251, would mix Cyrillic and Latin
    letters in one word ("cafй").
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(body, content_type)
    if declared and declared.replace("-", "").replace("_", "") not in ("utf8",):
        try:
            return body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    cyrillic = body.decode("cp1251", errors="replace")
    pure = mixed = 0
    for word in _non_ascii_words(cyrillic):
        if _ASCII_LETTER.search(word):
            mixed += 1
        elif len(word) > 1:
            pure += 1
    return cyrillic if pure > mixed else body.decode("cp1252", errors="replace")


_WORD = re.compile(r"[^\W\d_]+")
_ASCII_LETTER = re.compile("[A-Za-z]")


def _non_ascii_words(text: str) -> list[str]:
    """The words (runs of letters) of ``text`` holding a non-ASCII letter, in order. Whitespace
    never sits inside a word, so only the few non-ASCII whitespace-separated tokens are searched:
    far cheaper than finding every word of a page."""
    return [word for token in text.split() if not token.isascii()
            for word in _WORD.findall(token) if not word.isascii()]


_UTF8_CHUNK = 1 << 16


def utf8_body(body: bytes) -> bytes | None:
    """``body`` without a byte-order mark if it is valid UTF-8 (what ``decode_html`` then reads
    it as), else None: a parser given these bytes reads the same text without the cost of
    decoding them here."""
    body = body.removeprefix(b"\xef\xbb\xbf")
    if body.isascii():  # much cheaper than a decode
        return body
    # Decoding chunk by chunk checks the same as decoding the whole, without building the text
    # of a whole page: that large allocation can cost more than the decoding itself.
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with memoryview(body) as view:
            for start in range(0, len(view), _UTF8_CHUNK):
                decoder.decode(view[start : start + _UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return body


# --- readable text -------------------------------------------------------------------------------

# Invisible marks: zero-width spaces and joiners, direction marks (U+200E...), BOM, soft hyphen.
_INVISIBLE_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_COUNT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*([KkMm])(?![A-Za-z])"  # 1.2K
    r"|\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?!\d)"  # 2,673
    r"|\d+"
)
_MULTIPLIERS = {"k": 1_000, "m": 1_000_000}
_NON_DIGIT = re.compile(r"\D")

# Markers used while turning HTML into text: a block boundary (a line break unless the line is
# empty), a hard line break (<br>), a no-break space (content: keeps a line), and the newlines and
# spaces of <pre> text, which survive whitespace collapsing.
_BLOCK, _BREAK, _NBSP, _PRE_NL, _PRE_SP = "\x00", "\x02", "\x01", "\x04", "\x03"
_QUOTE_START, _QUOTE_END = "\x05", "\x06"  # where a <blockquote> starts and ends
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul",
})
# A tag, split out with its name ("p", "/p"); quoted attribute values may hold ">". Possessive
# quantifiers (no backtracking could match differently here) make the split faster.
_TAG_SPLIT = re.compile(
    r"<(/?[A-Za-z][A-Za-z0-9:-]*+)[^>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^>\"']*+)*+>"
)
_COMMENT = re.compile(r"<!--.*?-->|<![^>]*>", re.S)
_HIDDEN_TAGS = ("script", "style", "template", "noscript", "iframe", "title", "head")
_HIDDEN = re.compile(rf"<({'|'.join(_HIDDEN_TAGS)})\b.*?</\1\s*>", re.S | re.I)
_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.S | re.I)
_PRE_MAP = {0x0A: _PRE_NL, 0x20: _PRE_SP, 0x09: _PRE_SP, 0x0D: None}
_BLOCK_RUN = re.compile(f"{_BLOCK}[ {_BLOCK}]*")
_BLOCK_AFTER_BREAK = re.compile(f"{_BREAK} *{_BLOCK}")
_SPACE_RUN = re.compile("  +")
_BLANK_LINES = re.compile("\n\n\n+")


def clean_text(text: str | None) -> str:
    """Remove invisible marks (U+200E...) and collapse all whitespace (NBSP too) to one space."""
    if not text:
        return ""
    if not text.isascii():
        text = _INVISIBLE_CHARS.sub("", text)
    return " ".join(text.split())


def parse_count(text: str | None) -> int | None:
    """The first count in ``text`` as an int: "2,673" -> 2673, "9 REPLIES" -> 9, "1.2K" -> 1200."""
    if not text:
        return None
    if (stripped := text.strip()).isdecimal() and stripped.isascii():
        return int(stripped)
    m = _COUNT.search(text)
    if m is None:
        return None
    if m.group(2):
        return round(float(m.group(1).replace(",", ".")) * _MULTIPLIERS[m.group(2).lower()])
    return int(_NON_DIGIT.sub("", m.group(0)))


def _marks(quotes: bool) -> dict[str, str]:
    """What each tag name (and its end tag) becomes in marked text."""
    marks = dict.fromkeys(BLOCK_TAGS, _BLOCK) | {"br": _BREAK, "td": " ", "th": " "}
    marks |= {f"/{name}": mark for name, mark in marks.items()}
    marks |= dict.fromkeys(_HIDDEN_TAGS, "")  # their content is cut out before splitting
    if quotes:
        marks |= {"blockquote": _BLOCK + _QUOTE_START + _BLOCK,
                  "/blockquote": _BLOCK + _QUOTE_END + _BLOCK}
    return marks | {name.upper(): mark for name, mark in marks.items()}


_TEXT_MARKS = _marks(quotes=False)
_QUOTE_MARKS = _marks(quotes=True)
_SPECIAL = frozenset(_HIDDEN_TAGS) | {name.upper() for name in _HIDDEN_TAGS} | {"pre", "PRE"}


def _protect_pre(m: re.Match[str]) -> str:
    return m.group(0).translate(_PRE_MAP)


def _marked_text(html: str, marks: dict[str, str]) -> str:
    """Text with markers for line structure: tags replaced, entities decoded, spaces collapsed."""
    if "<" in html:
        if "<!" in html:
            html = _COMMENT.sub("", html)
        parts = _TAG_SPLIT.split(html)
        names = parts[1::2]
        if not _SPECIAL.isdisjoint(names):  # hidden content, or <pre> whitespace to keep
            parts = _TAG_SPLIT.split(_PRE.sub(_protect_pre, _HIDDEN.sub("", html)))
            names = parts[1::2]
        get = marks.get
        parts[1::2] = [get(name, "") for name in names]
        html = "".join(parts)
    if "&" in html:
        if "&nbsp;" in html:  # Lexbor writes every U+00A0 so: cheaper here than in unescape()
            html = html.replace("&nbsp;", "\xa0")
        html = unescape(html)
    if "\xa0" in html:
        html = html.replace("\xa0", _NBSP)
    text = " ".join(html.split())
    if not text.isascii() and _INVISIBLE_CHARS.search(text):
        text = _INVISIBLE_CHARS.sub("", text)
    return text


def _lines(text: str) -> str:
    """Marked text to lines: a block boundary breaks the line unless it is still empty."""
    if _BLOCK in text:
        text = _BLOCK_AFTER_BREAK.sub(_BREAK, _BLOCK_RUN.sub(_BLOCK, _BREAK + text))
        text = text.replace(_BLOCK, "\n")
    text = text.replace(_BREAK, "\n")
    if _NBSP in text:
        text = text.replace(_NBSP, " ")
        if "  " in text:
            text = _SPACE_RUN.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")  # spaces are single by now
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip()
    if _PRE_SP in text or _PRE_NL in text:
        text = text.replace(_PRE_SP, " ").replace(_PRE_NL, "\n")
    return text


def html_text(html: str | None) -> str:
    """Readable text of an HTML fragment.

    Paragraphs and other blocks start and end lines, ``<br>`` breaks a line, ``<wbr>`` (like any
    inline tag) leaves words whole, entities are decoded, whitespace collapses except in ``<pre>``,
    invisible marks go, lines are trimmed and at most one blank line is kept in a row. A paragraph
    holding only a no-break space is a blank line.
    """
    return _lines(_marked_text(html, _TEXT_MARKS)) if html else ""


def html_text_with_quotes(html: str | None) -> tuple[str, list[tuple[int, str]]]:
    """The text of a fragment (as ``html_text``) and, for every ``<blockquote>`` in document
    order, its depth (1 for an outermost quote) and its own text: nested quotes left out, each
    leaving a line break."""
    if not html:
        return "", []
    whole: list[str] = []
    open_quotes: list[list[str]] = []
    quotes: list[tuple[int, list[str]]] = []
    for started, segment in enumerate(_marked_text(html, _QUOTE_MARKS).split(_QUOTE_START)):
        if started:
            quotes.append((len(open_quotes) + 1, []))
            open_quotes.append(quotes[-1][1])
        for ended, piece in enumerate(segment.split(_QUOTE_END)):
            if ended and open_quotes:
                open_quotes.pop()
            whole.append(piece)
            if open_quotes:
                open_quotes[-1].append(piece)
    return _lines("".join(whole)), [(depth, _lines("".join(own))) for depth, own in quotes]
