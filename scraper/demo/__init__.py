"""The bundled demo community: an invented Khoros forum served over HTTP on 127.0.0.1.

``build_community()`` makes the deterministic content, ``render`` turns it into classic-layout
Khoros pages, and ``DemoServer`` serves them (with mutations and faults for tests).
"""

from scraper.demo.content import Community, build_community
from scraper.demo.server import DEFAULT_ROBOTS, DemoServer, Faults, Request

__all__ = ["DEFAULT_ROBOTS", "Community", "DemoServer", "Faults", "Request", "build_community"]
