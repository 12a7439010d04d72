"""SettingsManager: every operation, corrupt and partial files, concurrent writers, no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ultralytics_clone.utils.errors import SettingsError
from ultralytics_clone.utils.settings import SettingsManager

SEED_KEYS = [
    "settings_version", "datasets_dir", "weights_dir", "runs_dir", "uuid", "sync", "api_key", "clearml", "comet",
    "dvc", "hub", "mlflow", "neptune", "raytune", "tensorboard", "wandb", "vscode_msg",
]  # fmt: skip
SEED_TYPES = {"sync": bool, "api_key": str, "clearml": bool, "vscode_msg": bool, "runs_dir": str, "uuid": str}


def test_keys_and_types_match_seed_table(tmp_path):
    s = SettingsManager(tmp_path / "settings.json")
    assert list(s) == SEED_KEYS
    for key, kind in SEED_TYPES.items():
        assert type(s[key]) is kind
    assert json.loads((tmp_path / "settings.json").read_text()) == dict(s)


def test_print_index_update_reset(tmp_path, capsys):
    f = tmp_path / "settings.json"
    s = SettingsManager(f)
    print(s)  # noqa: T201 - the seed's usage
    out = capsys.readouterr().out
    assert str(f) in out and '"runs_dir"' in out
    s.update({"runs_dir": "/path/to/runs"})
    assert s["runs_dir"] == "/path/to/runs"
    s.update({"runs_dir": "/other", "tensorboard": False})
    s.update(wandb=False)
    s["api_key"] = "abc"
    again = SettingsManager(f)  # persisted
    assert (again["runs_dir"], again["tensorboard"], again["wandb"], again["api_key"]) == ("/other", False, False, "abc")
    s.update(runs_dir=tmp_path / "p")  # Path accepted for str settings
    assert s["runs_dir"] == str(tmp_path / "p")
    s.reset()
    assert s["tensorboard"] is True and s["runs_dir"] == str(Path.cwd() / "runs")
    assert SettingsManager(f)["runs_dir"] == str(Path.cwd() / "runs")


@pytest.mark.parametrize(
    "update, words",
    [({"runz_dir": "/x"}, ["runz_dir", "runs_dir"]), ({"sync": "yes"}, ["sync", "bool", "str"]), ({"runs_dir": 3}, ["runs_dir", "str", "int"])],
)
def test_update_rejects_bad_keys_and_types(tmp_path, update, words):
    s = SettingsManager(tmp_path / "settings.json")
    before = (tmp_path / "settings.json").read_text()
    with pytest.raises(SettingsError) as err:
        s.update(update)
    assert all(w in str(err.value) for w in words)
    assert isinstance(err.value, KeyError)
    assert (tmp_path / "settings.json").read_text() == before  # nothing written


@pytest.mark.parametrize(
    "content",
    ['{"runs_dir": ', "\x00\x01binary", "[1, 2]", '{"runs_dir": "/x"}', '{"sync": "true"}'],
    ids=["truncated", "binary", "not-object", "partial", "wrong-type"],
)
def test_corrupt_or_partial_file_is_set_aside(tmp_path, content, caplog):
    f = tmp_path / "settings.json"
    if content == '{"sync": "true"}':  # complete file with one wrongly typed value
        good = dict(SettingsManager(f))
        f.write_text(json.dumps({**good, "sync": "true"}))
    else:
        f.write_text(content)
    s = SettingsManager(f)
    assert s["sync"] is False and list(s) == SEED_KEYS
    aside = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(aside) == 1
    assert json.loads(f.read_text()) == dict(s)


def test_config_dir_env_and_unwriteable_fallback(tmp_path, monkeypatch):
    from ultralytics_clone.utils.files import user_config_dir

    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "cfgdir"))
    assert user_config_dir() == tmp_path / "cfgdir"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(blocker / "sub"))  # cannot be created: parent is a file
    fallback = user_config_dir()
    assert fallback != blocker / "sub" and fallback.is_dir()


WRITER = textwrap.dedent(
    """
    import sys
    from ultralytics_clone.utils.settings import SettingsManager
    s = SettingsManager(sys.argv[1])
    key = sys.argv[2]
    for i in range(40):
        s.update({key: f"/{key}/{i}"})
    """
)


def test_two_processes_updating_at_once(tmp_path):
    f = tmp_path / "settings.json"
    SettingsManager(f)
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(f), key]) for key in ("runs_dir", "datasets_dir")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    data = json.loads(f.read_text())  # whole, valid JSON
    assert data["runs_dir"] == "/runs_dir/39" and data["datasets_dir"] == "/datasets_dir/39"  # neither update lost
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.corrupt-*"))


def test_settings_import_does_not_load_torch(tmp_path):
    code = (
        "import sys; from ultralytics_clone import settings; settings['runs_dir']; "
        "settings.update(sync=True); import ultralytics_clone.utils.settings; assert 'torch' not in sys.modules, 'torch'"
    )
    env = {"YOLO_CONFIG_DIR": str(tmp_path), "PATH": ""}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert json.loads((tmp_path / "settings.json").read_text())["sync"] is True
