"""Every ```python block in docs/*.md runs as written (blocks marked ```python notest are examples with placeholders)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)
CASES = [
    pytest.param(code, id=f"{md.stem}-{i}")
    for md in sorted(DOCS.glob("*.md"))
    for i, code in enumerate(BLOCK.findall(md.read_text(encoding="utf-8")))
]


def test_docs_have_runnable_blocks():
    assert len(CASES) >= 4


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
