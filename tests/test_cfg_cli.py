"""The `yolo` command: every special form, argument parsing, and bad input exiting non-zero without a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ultralytics_clone.cfg.cli import parse_args, parse_value
from ultralytics_clone.utils.errors import ConfigError


def yolo(*args: str, env: dict, cwd=None) -> subprocess.CompletedProcess:
    exe = shutil.which("yolo")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "ultralytics_clone.cfg.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_console_script_installed():
    assert shutil.which("yolo"), "the 'yolo' console script is not on PATH"


@pytest.mark.parametrize("args, expect", [((), "Usage: yolo"), (("help",), "Usage: yolo"), (("version",), "0.")])
def test_help_and_version(args, expect, subprocess_env):
    r = yolo(*args, env=subprocess_env)
    assert r.returncode == 0 and expect in r.stdout and r.stderr == ""


def test_cfg_and_copy_cfg(subprocess_env, tmp_path):
    r = yolo("cfg", env=subprocess_env)
    assert r.returncode == 0 and "epochs: 100" in r.stdout and "tracker: botsort.yaml" in r.stdout
    r = yolo("copy-cfg", env=subprocess_env, cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "default_copy.yaml").read_text().startswith("# ultralytics_clone")


def test_checks_report(subprocess_env):
    r = yolo("checks", env=subprocess_env)
    assert r.returncode == 0
    for word in ("ultralytics_clone", "Python", "torch", "torchvision ops", "CUDA", "Settings file"):
        assert word in r.stdout


def test_settings_print_update_reset(subprocess_env, tmp_path):
    settings_file = tmp_path / "cli-config" / "settings.json"
    r = yolo("settings", env=subprocess_env)
    assert r.returncode == 0 and '"runs_dir"' in r.stdout and settings_file.exists()
    r = yolo("settings", f"runs_dir={tmp_path / 'my runs'}", "tensorboard=False", env=subprocess_env)
    assert r.returncode == 0, r.stderr
    data = json.loads(settings_file.read_text())
    assert data["runs_dir"] == str(tmp_path / "my runs") and data["tensorboard"] is False
    r = yolo("settings", "api_key=", "weights_dir=123", env=subprocess_env)
    assert r.returncode == 0, r.stderr
    data = json.loads(settings_file.read_text())
    assert data["api_key"] == "" and data["weights_dir"] == "123"
    r = yolo("settings", "reset", env=subprocess_env)
    assert r.returncode == 0 and json.loads(settings_file.read_text())["tensorboard"] is True


@pytest.mark.parametrize(
    "args, words",
    [
        (("trian",), ["'trian'", "Did you mean 'train'"]),
        (("train", "epochs=ten", "model=yolo11n.yaml"), ["'epochs=ten' is not valid"]),
        (("train", "lr=0.1", "model=yolo11n.yaml"), ["'lr'", "lr0"]),
        (("predict",), ["model= is required"]),
        (("detect",), ["MODE is required"]),
        (("settings", "foo=1"), ["unknown setting 'foo'"]),
        (("settings", "sync=maybe"), ["'sync' must be bool"]),
        (("settings", "bogus"), ["not understood"]),
        (("version", "extra=1"), ["takes no arguments"]),
        (("val", "imgsz=-5", "model=x.pt"), ["imgsz"]),
        (("train", "=5"), ["has no key"]),
        (("predict", "classes=[0,", "model=x.pt"), ["classes"]),
        (("val", "imgsz=abc", "model=x.pt"), ["'imgsz=abc' is not valid", "positive int"]),
        (("train", "detect", "resume", "bogus_flag"), ["'bogus_flag' is not a task"]),
    ],
)
def test_bad_input_exits_2_with_one_paragraph(args, words, subprocess_env):
    r = yolo(*args, env=subprocess_env)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    assert all(w in r.stderr for w in words), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_model_file_is_clean_error(subprocess_env, tmp_path):
    r = yolo("predict", f"model={tmp_path / 'nope.pt'}", env=subprocess_env)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "nope.pt" in r.stderr


def test_parse_value_and_equals_merging():
    assert [parse_value(v) for v in ("None", "true", "False", "3", "0.5", "1e-3", "[1, 2]", "0,1", "abc")] == [
        None, True, False, 3, 0.5, 0.001, [1, 2], "0,1", "abc"
    ]  # fmt: skip
    task, mode, over, words = parse_args(["detect", "train", "imgsz", "=", "320", "epochs=", "3", "device=0,1"])
    assert (task, mode, words) == ("detect", "train", []) and over == {"imgsz": 320, "epochs": 3, "device": "0,1"}
    with pytest.raises(ConfigError):
        parse_args(["detect", "segment", "train"])


def test_train_val_predict_from_the_command_line(subprocess_env, tmp_path):
    project = tmp_path / "runs here"  # a space in the path
    common = ["imgsz=64", "batch=8", "workers=0", f"project={project}"]
    r = yolo("train", "model=yolo11n.yaml", "data=shapes-det.yaml", "epochs=1", "fraction=0.5", "name=t", *common,
             env=subprocess_env)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    best = project / "t" / "weights" / "best.pt"
    assert best.exists() and (project / "t" / "results.csv").exists()
    r = yolo("detect", "val", f"model={best}", "data=shapes-det.yaml", "name=v", *common, env=subprocess_env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "mAP50" in r.stdout + r.stderr
    from ultralytics_clone.data.checks import check_det_dataset

    source = Path(check_det_dataset("shapes-det.yaml")["val"])
    r = yolo("predict", f"model={best}", f"source={source}", "name=p", "max_det=5", *common, env=subprocess_env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list((project / "p").glob("*.jpg"))) == len(list(source.glob("*.jpg")))  # the CLI saves by default


def test_model_and_data_may_come_from_a_cfg_file(subprocess_env, tmp_path):
    cfg = tmp_path / "my args.yaml"
    cfg.write_text("model: yolo11n.yaml\ndata: missing-set.yaml\nimgsz: 64\n")
    r = yolo("val", f"cfg={cfg}", env=subprocess_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "missing-set.yaml" in r.stderr  # the file's model was built and its data used, not the built-in default


def test_reference_cli_forms():
    """Mode before task, bare switches (key=True), and None where Ultralytics accepts it."""
    from ultralytics_clone.cfg import get_cfg

    assert parse_args(["train", "detect", "resume", "model=runs/last.pt"]) == (
        "detect", "train", {"resume": True, "model": "runs/last.pt"}, [])  # fmt: skip
    _, mode, over, _ = parse_args(["predict", "show", "save", "agnostic_nms", "agnostic-nms", "model=x.pt"])
    assert mode == "predict" and over == {"show": True, "save": True, "agnostic_nms": True, "model": "x.pt"}
    assert parse_args(["train", "val", "model=x.pt"])[1:3] == ("train", {"val": True, "model": "x.pt"})
    args = get_cfg(overrides={"nms": None, "degrees": None, "conf": None, "device": None, "save": None})
    assert (args.nms, args.degrees, args.conf, args.device, args.save) == (False, 0.0, None, None, False)
    with pytest.raises(ConfigError, match="'imgsz=abc' is not valid"):
        get_cfg(overrides={"imgsz": "abc"})
    with pytest.raises(ConfigError, match="'optimizer=sgdd' is not valid"):
        get_cfg(overrides={"optimizer": "sgdd"})
