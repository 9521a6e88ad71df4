"""HTML-to-text helpers: readable text, quotes, counts, cleaning, decoding."""

from __future__ import annotations

import pytest

from scraper.htmltext import clean_text, decode_html, html_text, html_text_with_quotes, parse_count


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>one</p><p>two</p>", "one\ntwo"),
        ("a<br>b<br><br>c", "a\nb\n\nc"),
        ("a<br><br><br><br><br>b", "a\n\nb"),  # at most one blank line
        ("<p>Hi</p><p>&nbsp;</p><p>there</p>", "Hi\n\nthere"),  # an NBSP paragraph is a blank line
        ("Netzwerk<wbr>schlüssel<wbr/>aktualisierung", "Netzwerkschlüsselaktualisierung"),
        ("  lots \n of\t space  ", "lots of space"),
        ("<b>bold</b> and <i>it</i>alic", "bold and italic"),
        ("x &amp; y &lt;br/&gt; &#8250; &rsaquo;", "x & y <br/> › ›"),
        ("a&nbsp;b", "a b"),
        ("\u200e11-04-2010 &#8206;<span>09:30</span>", "11-04-2010 09:30"),
        ("<ol><li>first</li><li>second</li></ol>end", "first\nsecond\nend"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<div>  x <pre class='c'>  a\n    b</pre> y</div>", "x\n  a\n    b\ny"),
        ("<p>keep</p><script>var s = '<p>no</p>';</script><style>p{}</style>", "keep"),
        ("<p title='a>b'>t</p><!-- hidden <p>no</p> -->", "t"),
        ("<P>UPPER<BR>CASE</P>", "UPPER\nCASE"),
        ("", ""),
        ("plain", "plain"),
    ],
)
def test_html_text(html: str, text: str) -> None:
    assert html_text(html) == text


def test_html_text_with_nested_quotes() -> None:
    html = (
        "<blockquote><hr>Ann wrote:<br>outer start"
        "<blockquote><hr>Bob wrote:<br>inner<hr></blockquote>"
        "outer end<hr></blockquote><p>my answer</p>"
    )
    whole, quotes = html_text_with_quotes(html)
    assert whole == "Ann wrote:\nouter start\nBob wrote:\ninner\nouter end\nmy answer"
    assert quotes == [(1, "Ann wrote:\nouter start\nouter end"), (2, "Bob wrote:\ninner")]


def test_html_text_with_quotes_in_document_order() -> None:
    html = (
        "<blockquote>one</blockquote>mid"
        "<blockquote>two<blockquote>three</blockquote></blockquote>"
    )
    whole, quotes = html_text_with_quotes(html)
    assert whole == "one\nmid\ntwo\nthree"
    assert quotes == [(1, "one"), (1, "two"), (2, "three")]
    assert html_text_with_quotes("<p>none</p>") == ("none", [])
    assert html_text_with_quotes("") == ("", [])


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("2,673", 2673),
        ("  14\n", 14),
        ("9 REPLIES 9", 9),
        ("(1,958 Views)", 1958),
        ("12.345", 12345),
        ("1 234 567", 1234567),
        ("1.2K", 1200),
        ("3M", 3000000),
        ("no number", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_count(text: str | None, count: int | None) -> None:
    assert parse_count(text) == count


def test_clean_text() -> None:
    assert clean_text("\u200e11-04-2010 \n 09:30\u00a0AM ") == "11-04-2010 09:30 AM"
    assert clean_text("zero\u200bwidth\ufeff") == "zerowidth"
    assert clean_text(None) == ""
    assert clean_text("   ") == ""


def test_decode_html_prefers_the_bytes_evidence() -> None:
    assert decode_html("café".encode()) == "café"
    assert decode_html(b"\xef\xbb\xbf<p>x</p>") == "<p>x</p>"
    cyrillic = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert decode_html(cyrillic) == '<meta charset="windows-1251"><p>Привет</p>'
    assert decode_html(b"caf\xe9") == "café"
