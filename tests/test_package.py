"""Package surface: cheap imports without torch, lazy YOLO, version, the deprecated yolo.v8 alias."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

NO_TORCH_MODULES = [
    "ultralytics_clone",
    "ultralytics_clone.utils",
    "ultralytics_clone.utils.log",
    "ultralytics_clone.utils.files",
    "ultralytics_clone.utils.errors",
    "ultralytics_clone.utils.settings",
    "ultralytics_clone.utils.callbacks",
    "ultralytics_clone.utils.checks",
    "ultralytics_clone.utils.downloads",
    "ultralytics_clone.utils.lazy",
    "ultralytics_clone.cfg",
    "ultralytics_clone.cfg.args",
    "ultralytics_clone.cfg.schema",
    "ultralytics_clone.cfg.cli",
]

PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
from ultralytics_clone.cfg.cli import entrypoint
for cmd in ("help", "cfg", "version", "settings"):
    try:
        entrypoint(cmd)
    except SystemExit as e:
        assert not e.code, (cmd, e.code)
from ultralytics_clone import settings
settings["runs_dir"]
heavy = [m for m in ("torch", "cv2", "numpy", "torchvision") if m in sys.modules]
assert not heavy, heavy
"""


def test_light_modules_and_commands_do_not_import_torch(tmp_path):
    code = PROBE.format(modules=NO_TORCH_MODULES)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"YOLO_CONFIG_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr


def test_version_and_lazy_attributes():
    import ultralytics_clone

    assert ultralytics_clone.__version__.count(".") == 2
    assert "YOLO" in dir(ultralytics_clone) and "settings" in dir(ultralytics_clone)
    from ultralytics_clone import YOLO
    from ultralytics_clone.models import YOLO as YOLO2

    assert YOLO is YOLO2
    with pytest.raises(AttributeError):
        ultralytics_clone.not_a_thing  # noqa: B018


def test_deprecated_v8_path_aliases_new_one():
    for name in [m for m in sys.modules if m.startswith("ultralytics_clone.yolo.v8.detect")]:
        del sys.modules[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import ultralytics_clone.yolo.v8.detect as old
    assert any(issubclass(w.category, DeprecationWarning) and "models.yolo.detect" in str(w.message) for w in caught)
    import ultralytics_clone.models.yolo.detect as new

    public = [n for n in vars(new) if not n.startswith("_")]
    assert all(getattr(old, n) is getattr(new, n) for n in public)
    assert hasattr(old, "DetectionTrainer"), "seed 000: from ultralytics_clone.yolo.v8.detect import DetectionTrainer"


def test_logger_verbosity_env_and_no_root_logger_setup():
    code = (
        "import logging; from ultralytics_clone.utils import LOGGER, RANK, LOCAL_RANK, WORLD_SIZE, set_verbosity, warn_once\n"
        "assert isinstance(LOGGER, logging.Logger) and (RANK, LOCAL_RANK, WORLD_SIZE) == (-1, -1, 1)\n"
        "LOGGER.info('info-line'); LOGGER.warning('warn-line'); warn_once('once'); warn_once('once')\n"
        "set_verbosity(True); LOGGER.info('after-verbose')\n"
        "assert not logging.getLogger().handlers, 'root logger touched'\n"
    )
    for env_value, expect_info in (("false", False), ("true", True)):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"YOLO_VERBOSE": env_value})
        assert r.returncode == 0, r.stderr
        assert ("info-line" in r.stdout) is expect_info
        assert "warn-line" in r.stdout and r.stdout.count("once") == 1 and "after-verbose" in r.stdout


def test_library_code_never_calls_print():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "ultralytics_clone"
    offenders = []
    for file in root.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{file.relative_to(root)}:{node.lineno}")
    assert not offenders, f"library code must log through LOGGER, not print: {offenders}"
