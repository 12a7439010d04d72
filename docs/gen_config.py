"""Build the Configuration table (every default.yaml key: type, default, accepted values, meaning) from the YAML and
cfg/schema.py, so the docs cannot drift from the code.

    python docs/gen_config.py            # print the Markdown table
It also runs as a MkDocs hook (mkdocs.yml `hooks:`), filling the `<!-- CONFIG_TABLE -->` marker of a page.
"""

from __future__ import annotations

import re
from pathlib import Path

MARKER = "<!-- CONFIG_TABLE -->"
DIFF_MARKER = "<!-- README_DIFFERENCES -->"  # the README's differences table, kept in one place
BENCH_MARKER = "<!-- README_BENCHMARKS -->"  # the README's benchmark commands and latest figures, kept in one place
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_YAML = ROOT / "ultralytics_clone" / "cfg" / "default.yaml"
LINE = re.compile(r"^(?P<key>[A-Za-z_]\w*):\s*(?P<value>[^#]*?)\s*(?:#\s*\((?P<type>[^)]*)\)\s*(?P<meaning>.*))?$")


def _accepted(key: str) -> str:
    """What cfg/schema.py accepts for `key`, in words ('' when it takes free values)."""
    from ultralytics_clone.cfg import schema as s

    if key in s.CHOICES:
        return "one of " + ", ".join(f"`{c}`" for c in s.CHOICES[key])
    if key in s.FRACTIONS:
        return "0.0 - 1.0"
    if key in s.RANGES:
        lo, hi = s.RANGES[key]
        return f"{lo} - {hi}"
    if key in s.NONNEG_FLOATS:
        return ">= 0"
    if key in s.INTS:
        return f"int >= {s.INTS[key]}"
    if key in s.OPTIONAL_POS_INTS:
        return "int >= 1 or empty"
    if key in s.BOOLS:
        return "True / False"
    if key == "fraction":
        return "0.0 < x <= 1.0"
    if key in {"time", "workspace"}:
        return "> 0 or empty"
    return ""


def config_rows() -> list[tuple[str, str, str, str, str]]:
    """(key, type, default, accepted, meaning) for every key of default.yaml, in file order."""
    rows = []
    for line in DEFAULT_YAML.read_text(encoding="utf-8").splitlines():
        m = LINE.match(line)
        if not m:
            continue
        value = m["value"].strip() or "None"
        rows.append((m["key"], (m["type"] or "").strip(), value, _accepted(m["key"]), (m["meaning"] or "").strip()))
    return rows


def config_table() -> str:
    """The Markdown table of every default.yaml argument."""
    esc = lambda t: t.replace("|", "\\|")  # noqa: E731
    head = "| Argument | Type | Default | Accepted | Meaning |\n|---|---|---|---|---|\n"
    body = "".join(f"| `{k}` | {esc(t)} | `{esc(d)}` | {esc(a)} | {esc(mn)} |\n" for k, t, d, a, mn in config_rows())
    return head + body


def readme_section(title: str) -> str:
    """The body of README.md's '## <title>' section, with links made relative to docs/."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    if not m:
        raise RuntimeError(f"README.md has no '## {title}' section followed by another section")
    return m[1].replace("](docs/", "](")


def readme_differences() -> str:
    """The body of README.md's 'Differences from Ultralytics' section, with links made relative to docs/."""
    return readme_section("Differences from Ultralytics")


def on_page_markdown(markdown: str, **kwargs) -> str:
    """MkDocs hook: replace the markers with the generated table and the README's differences and benchmarks."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, config_table())
    if DIFF_MARKER in markdown:
        markdown = markdown.replace(DIFF_MARKER, readme_differences())
    if BENCH_MARKER in markdown:
        markdown = markdown.replace(BENCH_MARKER, readme_section("Benchmarks"))
    return markdown


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    sys.stdout.write(config_table())
