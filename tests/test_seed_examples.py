"""The seeds' own examples run as written, with `ultralytics` replaced by `ultralytics_clone`.

`yolo11n.pt` is the reference-trained fixture placed in settings' weights_dir, as a user who downloaded it once
would have it; nothing is fetched.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest


def _blocks(seeds_dir: Path, start: str, end: str) -> list[str]:
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    i = text.index(start)
    section = text[i : text.index(end, i)]
    return [b.replace("ultralytics", "ultralytics_clone") for b in re.findall(r"```python\n(.*?)```", section, re.S)]


@pytest.fixture
def yolo11n_in_weights_dir(fixtures_dir):
    from ultralytics_clone.utils.settings import SETTINGS

    dest = Path(SETTINGS["weights_dir"]) / "yolo11n.pt"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixtures_dir / "yolo11n.pt", dest)
    yield dest
    dest.unlink()


def test_callback_example_returns_frames_with_results(facts_dir, yolo11n_in_weights_dir, tmp_path, monkeypatch):
    (code,) = _blocks(facts_dir.parents[1] / "seeds", "## Callbacks", "### All callbacks")
    code += "\npairs = list(model.predict())\n"
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "<seed 004 callbacks example>", "exec"), scope)
    pairs = scope["pairs"]
    assert len(pairs) == 2  # the two bundled asset images
    for result, frame in pairs:
        assert type(result).__name__ == "Results" and frame.shape == result.orig_img.shape


def test_settings_examples(facts_dir, tmp_path, monkeypatch):
    from ultralytics_clone.utils.settings import SETTINGS

    saved = dict(SETTINGS)
    blocks = _blocks(facts_dir.parents[1] / "seeds", "### Inspecting Settings", "### Understanding Settings")
    assert len(blocks) == 2
    try:
        for code in blocks:
            exec(compile(code, "<seed 004 settings example>", "exec"), {})
        assert SETTINGS["runs_dir"] == str(Path.cwd() / "runs")  # the last example resets
    finally:
        SETTINGS.update(saved)
