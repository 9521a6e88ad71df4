"""A session on communities that need one: extra request headers, browser-exported cookies
(Netscape cookies.txt), and which hosts are loopback (never reached through a proxy)."""

from __future__ import annotations

import ipaddress
import re
import time
import urllib.request
from http.cookiejar import CookieJar, LoadError, MozillaCookieJar
from pathlib import Path

import httpx

# Headers the fetcher owns: changing them would break the request or its decoding.
RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "te",
     "upgrade", "keep-alive", "proxy-authorization"}
)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class SessionError(ValueError):
    """A header or cookie file that cannot be used; the message names it."""


def parse_header(text: str) -> tuple[str, str]:
    """``"Name: value"`` as ``(name, value)``, refusing malformed and reserved headers."""
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not _TOKEN.match(name):
        raise SessionError(f"not a header (expected 'Name: value'): {text!r}")
    if name.lower() == "user-agent":
        raise SessionError("give the user agent with --user-agent (robots.txt rules follow it)")
    if name.lower() in RESERVED_HEADERS:
        raise SessionError(f"the {name} header is set by forum-scraper itself")
    if any(ch in value for ch in "\r\n\0"):
        raise SessionError(f"header {name} has a line break or NUL in its value")
    return name, value


def load_cookies(path: Path) -> MozillaCookieJar:
    """The cookies of a Netscape cookies.txt file (as browsers and curl export them); session
    cookies (expiry 0 or empty) included, expired ones left out."""
    jar = MozillaCookieJar(str(path))
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (OSError, LoadError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SessionError(f"cannot read cookies from {path}: {reason}") from None
    now = time.time()
    for cookie in list(jar):
        if not cookie.expires:  # 0 or empty: a session cookie (curl and browsers write 0)
            cookie.expires = None
        elif cookie.expires < now:
            jar.clear(cookie.domain, cookie.path, cookie.name)
    return jar


def cookie_header(jar: CookieJar, url: str) -> str | None:
    """The ``Cookie`` header the jar's cookies give for ``url`` (domain, path, secure flag and
    expiry honoured), or None."""
    request = urllib.request.Request(url)
    jar.add_cookie_header(request)
    return request.get_header("Cookie")


def cookieless_hosts(jar: CookieJar, urls: list[str]) -> list[str]:
    """The hosts of ``urls`` that the jar has no cookie for (a file exported from another
    site, or expired)."""
    return sorted({httpx.URL(url).netloc.decode() for url in urls if not cookie_header(jar, url)})


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = httpx.URL(url).host
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
