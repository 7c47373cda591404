"""A MkDocs hook: the docstrings use a little reStructuredText (``:class:`X```, ``Example::``), which the API
reference renders as Markdown. Drop what Markdown shows literally: the role prefixes (the name stays in code) and
the ``::`` that introduces a literal block."""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj|const):(?=<code>)")
TILDE = re.compile(r"<code>~(?:[\w]+\.)*(\w+)</code>")
LITERAL_MARKER = re.compile(r"(?<=\S):(:</p>)")
LONE_MARKER = re.compile(r"<p>::</p>\s*")


def on_page_content(html: str, **_: Any) -> str:
    html = ROLE.sub("", html)
    html = TILDE.sub(r"<code>\1</code>", html)
    html = LITERAL_MARKER.sub(r"\1", html)
    return LONE_MARKER.sub("", html)
