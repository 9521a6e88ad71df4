"""Decoding page bytes and turning HTML fragments into readable text (platform-neutral helpers)."""

from __future__ import annotations

import re

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
    charset if it decodes cleanly; otherwise windows-1252, which never fails.
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
    return body.decode("cp1252", errors="replace")
