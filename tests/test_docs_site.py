"""The documentation site builds with `mkdocs build --strict` and names every argument and callback event."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site_text(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, f"mkdocs build --strict failed:\n{r.stdout}\n{r.stderr}"
    pages = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(pages)))


def test_every_default_yaml_key_is_documented(site_text):
    keys = yaml.safe_load((ROOT / "ultralytics_clone/cfg/default.yaml").read_text(encoding="utf-8"))
    missing = [k for k in keys if not re.search(rf"\b{re.escape(k)}\b", site_text)]
    assert not missing, f"default.yaml keys missing from the site: {missing}"


def test_every_callback_event_is_documented(site_text):
    from ultralytics_clone.utils.callbacks.base import EVENTS

    missing = [e for e in EVENTS if e not in site_text]
    assert not missing, f"callback events missing from the site: {missing}"


def test_config_table_matches_default_yaml():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gen_config
    finally:
        sys.path.pop(0)
    keys = list(yaml.safe_load((ROOT / "ultralytics_clone/cfg/default.yaml").read_text(encoding="utf-8")))
    rows = gen_config.config_rows()
    assert [r[0] for r in rows] == keys
    assert all(r[1] and r[4] for r in rows), "every default.yaml line needs '# (type) meaning'"
    assert dict((r[0], r[2]) for r in rows)["epochs"] == "100"


def test_readme_links_resolve():
    """Every relative link of README.md (the feature table points into docs/) names a file of the repository."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = [m for m in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text) if "://" not in m]
    assert len(links) >= 10
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_readme_sections_are_included(site_text):
    """The differences table and the benchmark figures live in README.md only; the site includes them."""
    assert "README_DIFFERENCES" not in site_text and "README_BENCHMARKS" not in site_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    bench = re.search(r"^## Benchmarks\n(.*?)(?=^## )", readme, flags=re.S | re.M)[1]
    commands = re.findall(r"^\| `(python [^`]+|OMP_NUM_THREADS=1 python [^`]+)` \|", bench, flags=re.M)
    assert len(commands) >= 8 and all(c in site_text for c in commands)
