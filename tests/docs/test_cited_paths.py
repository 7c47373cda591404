"""Every file the documentation cites exists: the links between pages, the repository paths written as code
(`scripts/watch`, `docs/simulator.md`), and any ``NAME.md`` named in prose, in README.md, docs/ and the docstrings
the API reference renders. A page that moved or a file that was never in the repository (PROTOCOL.md lives outside
it) fails here instead of in a reader's browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])
SOURCES = sorted((ROOT / "python" / "tiktok_webcast").rglob("*.py"))
TOP_LEVEL = {path.name for path in ROOT.iterdir() if not path.name.startswith(".")} | {".github", ".ci"}

# The research notes the code cites by name live beside the repository, not in it: docs/sources.md gives each one a
# section saying what it holds and where its facts come from, so such a citation leads a reader to that page.
SOURCES_PAGE = ROOT / "docs" / "sources.md"
RESEARCH_NOTES = set(re.findall(r"^## (\S+\.md)$", SOURCES_PAGE.read_text(encoding="utf-8"), re.M))

LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
MD_NAME = re.compile(r"(?<![\w/.-])([\w][\w./-]*\.md)\b")
FENCE = re.compile(r"^( *)```.*?^\1```", re.M | re.S)


def cited_links(text: str) -> list[str]:
    return [
        target.split("#")[0]
        for target in LINK.findall(text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]


def cited_repo_paths(text: str) -> list[str]:
    """Code spans that name a path inside the repository: their first part is a top-level entry of it."""
    found = []
    for span in CODE.findall(text):
        path = span.rstrip("/").rstrip(".,:;")
        if "/" in path and path.split("/")[0] in TOP_LEVEL and not re.search(r"[<>*{}$]", path):
            found.append(path)
    return found


def resolves(name: str, page: Path) -> bool:
    if Path(name).name in RESEARCH_NOTES:
        return True
    return any((base / name).exists() for base in (page.parent, ROOT, ROOT / "docs"))


def missing_in(page: Path, text: str) -> list[str]:
    prose = FENCE.sub("", text)
    missing = [f"link {t}" for t in cited_links(prose) if t and not (page.parent / t).exists()]
    prose = LINK.sub("]", prose)
    missing += [f"path {p}" for p in cited_repo_paths(prose) if not (ROOT / p).exists()]
    missing += [f"file {n}" for n in MD_NAME.findall(prose) if not resolves(n, page)]
    return missing


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_a_page_cites_only_files_that_exist(page: Path) -> None:
    missing = set(missing_in(page, page.read_text(encoding="utf-8")))
    assert missing == set()


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: str(source.relative_to(ROOT)))
def test_a_docstring_cites_only_files_in_the_repository(source: Path) -> None:
    """The API reference renders these docstrings: a citation must lead somewhere a reader of the site can go."""
    missing = {
        f"file {name}" for name in MD_NAME.findall(source.read_text(encoding="utf-8")) if not resolves(name, source)
    }
    assert missing == set()


def test_the_checks_find_what_is_missing(tmp_path: Path) -> None:
    page = ROOT / "docs" / "cli.md"
    text = (
        "See [the server](serve-nowhere.md), `scripts/no-such-script`, `docs/cli.md`, NOTES.md, and"
        " PROTOCOL.md decision 1 (a research note docs/sources.md describes)."
    )
    assert missing_in(page, text) == ["link serve-nowhere.md", "path scripts/no-such-script", "file NOTES.md"]


def test_no_escaped_pipe_shows_in_a_code_span() -> None:
    """Inside a code span in a table, ``\\|`` is printed with its backslash by the site's Markdown: use ``|``
    outside the span (```NAME`` | ``PATH```) or the word "or"."""
    offenders = [
        f"{page.relative_to(ROOT)}: {span}"
        for page in PAGES
        for span in re.findall(r"`[^`\n]+`", page.read_text(encoding="utf-8"))
        if "\\|" in span
    ]
    assert offenders == []
