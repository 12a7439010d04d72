"""get_cfg: defaults from the seed tables, precedence, validation errors, the Args namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ultralytics_clone.cfg import DEFAULT_CFG, DEFAULT_CFG_DICT, DEFAULT_CFG_KEYS, Args, get_cfg, get_save_dir
from ultralytics_clone.utils.errors import ConfigError

EXTRA_KEYS = {"tracker", "cfg", "freeze", "time", "fraction", "cache", "rect", "multi_scale", "compile", "cutmix"}
# conf: None means "per mode" (0.25 predict, 0.001 val), as the seed's val table says; source: no bundled assets folder.
SEED_CONFLICTS = {"conf", "source"}


def _seed_tables(seeds_dir: Path) -> dict[str, str]:
    """Argument -> default as written in seed 004's Configuration tables (first occurrence), using each header."""
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    start = text.index("## Configuration")
    section = text[start : text.index("### FAQ", start)]
    found: dict[str, str] = {}
    column = None
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells and cells[0] == "Argument":
            column = cells.index("Default")
        elif cells and column is not None and (m := re.fullmatch(r"`(\w+)`", cells[0])):
            found.setdefault(m.group(1), cells[column].strip("`"))
    return found


@pytest.fixture(scope="module")
def seed_args(facts_dir) -> dict[str, str]:
    return _seed_tables(facts_dir.parents[1] / "seeds")


def test_every_seed_argument_has_its_default(seed_args):
    assert len(seed_args) > 90
    missing = set(seed_args) - DEFAULT_CFG_KEYS
    assert not missing, missing
    assert EXTRA_KEYS <= DEFAULT_CFG_KEYS
    for key, text in seed_args.items():
        if key in SEED_CONFLICTS:
            continue
        value = DEFAULT_CFG_DICT[key]
        expected = {"None": None, "True": True, "False": False}.get(text, text.strip("'\""))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(value) == float(expected), (key, value, text)
        else:
            assert value == expected, (key, value, text)


def test_specific_defaults():
    a = get_cfg()
    assert (a.epochs, a.batch, a.imgsz, a.lr0, a.momentum, a.close_mosaic, a.optimizer) == (100, 16, 640, 0.01, 0.937, 10, "auto")
    assert (a.kobj, a.copy_paste_mode, a.auto_augment, a.crop_fraction, a.workspace) == (2.0, "flip", "randaugment", 1.0, 4.0)
    assert a.tracker == "botsort.yaml" and a.cfg is None and a.freeze is None


def test_precedence_defaults_cfg_file_overrides(tmp_path):
    f = tmp_path / "my args.yaml"  # space in the path
    f.write_text("epochs: 5\nimgsz: 320\nlr0: 0.02\n")
    a = get_cfg(overrides={"cfg": str(f), "imgsz": 256})
    assert (a.epochs, a.imgsz, a.lr0, a.batch) == (5, 256, 0.02, 16)
    b = get_cfg(DEFAULT_CFG, {"epochs": 7})
    assert b.epochs == 7 and DEFAULT_CFG.epochs == 100  # defaults untouched


def test_args_namespace_is_iterable_and_vars_able():
    a = get_cfg(overrides={"epochs": 3})
    assert a.epochs == 3 and vars(a)["epochs"] == 3 and dict(a)["epochs"] == 3
    assert dict(iter(a)) == vars(a) and "epochs" in a and a.get("nope", 1) == 1
    assert isinstance(a, Args) and a.copy() == a and a.copy() is not a
    with pytest.raises(AttributeError, match="no argument 'nope'"):
        a.nope  # noqa: B018


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"epochs": "ten"}, ["'epochs=ten' is not valid", "whole number"]),
        ({"epochs": -1}, ["epochs", "whole number >= 0"]),
        ({"epochs": 2.5}, ["epochs"]),
        ({"fliplr": 2}, ["fliplr", "0.0 and 1.0"]),
        ({"imgsz": -1}, ["imgsz", "positive int"]),
        ({"imgsz": [1, 2, 3]}, ["imgsz", "[height, width]"]),
        ({"batch": 0}, ["batch", "-1 for AutoBatch"]),
        ({"degrees": 200}, ["degrees", "-180.0 and 180.0"]),
        ({"perspective": 0.1}, ["perspective", "0.001"]),
        ({"erasing": 0.95}, ["erasing", "0.9"]),
        ({"save": "maybe"}, ["save", "True or False"]),
        ({"optimizer": "sgdd"}, ["optimizer", "Did you mean 'SGD'"]),
        ({"cache": "gpu"}, ["cache", "'ram', 'disk'"]),
        ({"fraction": 0}, ["fraction"]),
        ({"task": "detection"}, ["task", "detect"]),
        ({"lr": 0.1}, ["unknown argument 'lr'", "did you mean 'lr0'"]),
        ({"img_size": 320}, ["unknown argument 'img_size'", "'imgsz'"]),
        ({"epochz": 1}, ["unknown argument 'epochz'", "'epochs'"]),
    ],
)
def test_bad_values_name_key_and_accepted(overrides, words):
    with pytest.raises(ConfigError) as err:
        get_cfg(overrides=overrides)
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "\n" not in message


def test_coercion_of_strings_and_types():
    a = get_cfg(overrides={"epochs": "3", "lr0": "1e-3", "imgsz": [320, 480], "save": "false", "cache": "RAM",
                           "optimizer": "adamw", "batch": 0.7, "classes": 2, "freeze": [0, "model.1"], "project": 5})  # fmt: skip
    assert (a.epochs, a.lr0, a.imgsz, a.save, a.cache, a.optimizer) == (3, 0.001, [320, 480], False, "ram", "AdamW")
    assert (a.batch, a.classes, a.freeze, a.project) == (0.7, 2, [0, "model.1"], "5")


def test_renamed_keys_still_work():
    a = get_cfg(overrides={"hide_labels": True, "line_thickness": 3, "boxes": False})
    assert (a.show_labels, a.line_width, a.show_boxes) == (False, 3, False)


def test_cfg_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        get_cfg(overrides={"cfg": str(tmp_path / "missing.yaml")})
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochz: 3\n")
    with pytest.raises(ConfigError, match="epochz.*cfg file"):
        get_cfg(overrides={"cfg": str(bad)})


def test_get_save_dir_increments(tmp_path):
    a = get_cfg(overrides={"project": str(tmp_path / "proj ü"), "name": "exp", "mode": "train"})
    first = get_save_dir(a)
    assert first.name == "exp" and not first.exists()  # made by whoever writes the first file
    assert get_save_dir(a) == first
    first.mkdir(parents=True)
    second = get_save_dir(a)
    assert second.name == "exp2" and not second.exists()
    a.exist_ok = True
    assert get_save_dir(a) == first
