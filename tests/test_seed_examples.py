"""The seeds' own examples run as written, with `ultralytics` replaced by `ultralytics_clone`.

`yolo11n.pt` is the reference-trained fixture placed in settings' weights_dir, as a user who downloaded it once
would have it; nothing is fetched.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import textwrap
from pathlib import Path

import pytest


def _blocks(seeds_dir: Path, start: str, end: str) -> list[str]:
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    i = text.index(start)
    section = text[i : text.index(end, i)]
    return [b.replace("ultralytics", "ultralytics_clone") for b in re.findall(r"```python\n(.*?)```", section, re.S)]


@contextlib.contextmanager
def _in_weights_dir(fixtures_dir: Path, name: str):
    """The reference-trained fixture `name` placed in settings' weights_dir, as if the user had downloaded it once."""
    from ultralytics_clone.utils.settings import SETTINGS

    dest = Path(SETTINGS["weights_dir"]) / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixtures_dir / name, dest)
    try:
        yield dest
    finally:
        dest.unlink()


@pytest.fixture
def yolo11n_in_weights_dir(fixtures_dir):
    with _in_weights_dir(fixtures_dir, "yolo11n.pt") as path:
        yield path


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


def _seed003_blocks(seeds_dir: Path) -> list[str]:
    text = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return [textwrap.dedent(b).replace("ultralytics", "ultralytics_clone") for b in blocks]  # some sit in admonitions


def _offline_and_tiny(code: str) -> str:
    """The seed's only online/slow parts: coco8 (download) -> the built-in set; long schedules -> 2 small epochs."""
    code = re.sub(r"epochs=\d+", "epochs=2", code)
    tiny = "imgsz=64, batch=8, workers=0" + ("" if "epochs=" in code else ", epochs=2")  # no epochs= means 100
    code = code.replace('data="coco8.yaml"', f'data="shapes-det.yaml", {tiny}')
    return code.replace("FREEZE_EPOCHS = 5", "FREEZE_EPOCHS = 1")  # so the unfreeze callback fires within 2 epochs


@pytest.fixture
def yolo26n_in_weights_dir(fixtures_dir):
    with _in_weights_dir(fixtures_dir, "yolo26n.pt") as path:
        yield path


SEED003_TRAINERS = {0: "CustomTrainer", 1: "MetricsTrainer", 2: "WeightedTrainer", 4: "CustomSaveTrainer",
                    5: "FreezingTrainer", 6: "PerLayerLRTrainer"}  # fmt: skip


@pytest.mark.parametrize("index", list(SEED003_TRAINERS), ids=list(SEED003_TRAINERS.values()))
def test_seed003_custom_trainers_run(index, facts_dir, yolo26n_in_weights_dir, tmp_path, monkeypatch):
    code = _offline_and_tiny(_seed003_blocks(facts_dir.parents[1] / "seeds")[index])
    monkeypatch.chdir(tmp_path)
    scope: dict = {"__name__": "seed003"}
    exec(compile(code, f"<seed 003 example {index}>", "exec"), scope)
    model = scope["model"]
    assert type(model.trainer).__name__ == SEED003_TRAINERS[index]
    assert Path(model.trainer.last).exists() and model.trainer.epoch == 1
    if index == 5:  # unfrozen after FREEZE_EPOCHS, except the DFL the callback keeps frozen
        assert all(p.requires_grad for n, p in model.trainer.model.named_parameters() if ".dfl" not in n)


def test_seed003_fragments(facts_dir, yolo26n_in_weights_dir, tmp_path, monkeypatch):
    """The inverse-frequency weights and the FAQ fragments, with the names they assume defined."""
    blocks = _seed003_blocks(facts_dir.parents[1] / "seeds")
    scope: dict = {}
    exec(compile(blocks[3], "<seed 003 class weights>", "exec"), scope)
    assert [round(float(w), 2) for w in scope["class_weights"]] == [1.0, 25.0, 1.67]
    monkeypatch.chdir(tmp_path)
    from ultralytics_clone.models.yolo.detect import DetectionTrainer

    scope = {"MyCustomTrainer": DetectionTrainer}
    exec(compile(_offline_and_tiny(blocks[7]), "<seed 003 FAQ>", "exec"), scope)
    exec(compile(_offline_and_tiny(blocks[8]), "<seed 003 gains>", "exec"), scope)
    assert scope["model"].trainer.args.box == 10.0 and scope["model"].trainer.args.dfl == 2.0
