"""Every ```python block in docs/ runs as written; a block marked ```python notest must say why just above it, in an
HTML comment starting "<!-- not runnable"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)
PAGES = sorted(DOCS.rglob("*.md"))
CASES = [
    pytest.param(code, id=f"{md.relative_to(DOCS).with_suffix('').as_posix()}-{i}")
    for md in PAGES
    for i, code in enumerate(BLOCK.findall(md.read_text(encoding="utf-8")))
]
NOTEST = re.compile(r"(?:(<!--(?:(?!-->).)*-->)\n)?^```python notest\n", flags=re.S | re.M)


def test_docs_have_runnable_blocks():
    assert len(CASES) >= 4


def test_every_notest_block_says_why():
    unexplained = [
        f"{md.relative_to(DOCS)} block {i}"
        for md in PAGES
        for i, m in enumerate(NOTEST.finditer(md.read_text(encoding="utf-8")))
        if not (m.group(1) or "").startswith("<!-- not runnable")
    ]
    assert not unexplained, f"```python notest blocks without a '<!-- not runnable ... -->' reason above: {unexplained}"


@pytest.fixture
def restore_settings():
    """Doc blocks may reset settings; put the test session's folders back afterwards."""
    from ultralytics_clone.utils.settings import SETTINGS

    saved = dict(SETTINGS)
    yield
    SETTINGS.update(saved)


@pytest.mark.parametrize("code", CASES)
def test_doc_block_runs(code, tmp_path, monkeypatch, restore_settings):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__doc_block__"})
