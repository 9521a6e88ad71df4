"""robots.txt rules for one host, read with ``urllib.robotparser``."""

from __future__ import annotations

import math
import re
from urllib.robotparser import RobotFileParser

_FRACTIONAL_DELAY = re.compile(r"^(\s*crawl-delay\s*:\s*)(\d*\.\d+)", re.IGNORECASE)


class RobotsRules:
    """What one host's robots.txt allows our user agent.

    ``text=None`` means "no usable robots.txt": everything is allowed. ``note`` says why when
    that was not a plain "there is none" (e.g. the file answered 503).
    """

    def __init__(self, text: str | None, user_agent: str, note: str | None = None) -> None:
        self.user_agent = user_agent
        self.note = note
        self._parser: RobotFileParser | None = None
        if text is not None:
            self._parser = RobotFileParser()
            self._parser.parse(_round_up_delays(text.splitlines()))

    def can_fetch(self, url: str) -> bool:
        return self._parser is None or self._parser.can_fetch(self.user_agent, url)

    @property
    def crawl_delay(self) -> float | None:
        """The ``Crawl-delay`` of the group that applies to us, in seconds."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(self.user_agent)
        return None if delay is None else float(delay)


def _round_up_delays(lines: list[str]) -> list[str]:
    """robotparser only reads whole seconds: round a fractional ``Crawl-delay`` up."""
    return [
        _FRACTIONAL_DELAY.sub(lambda m: f"{m[1]}{math.ceil(float(m[2]))}", line) for line in lines
    ]
