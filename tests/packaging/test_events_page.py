"""docs/events.md lists every event the built engine decodes (it is generated from ``_core._schema()``)."""

from __future__ import annotations

import events_page  # tests/packaging/events_page.py

from tiktok_webcast import _core, events


def test_the_events_page_is_current() -> None:
    assert events_page.updated_page(_core) == events_page.PAGE.read_text(encoding="utf-8"), (
        "docs/events.md is out of date: run python tests/packaging/events_page.py"
    )


def test_it_names_every_event_class() -> None:
    page = events_page.PAGE.read_text(encoding="utf-8")
    for cls in events.EVENT_TYPES:
        if cls is not _core.UnknownEvent:
            assert f"\n### {cls.__name__}\n" in page
