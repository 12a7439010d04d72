"""Shared constants and the package logger; imports neither torch, cv2 nor numpy.

Ultralytics' `utils` names live here too; the ones that read settings or package versions (SETTINGS, DATASETS_DIR,
WEIGHTS_DIR, RUNS_DIR, TORCH_VERSION, ONLINE...) are computed on first access, so importing stays cheap.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ultralytics_clone.utils.environment import (
    ARM64,
    DEVICE_MODEL,
    ENVIRONMENT,
    IS_COLAB,
    IS_DEBIAN,
    IS_DEBIAN_BOOKWORM,
    IS_DEBIAN_TRIXIE,
    IS_DOCKER,
    IS_JETSON,
    IS_JUPYTER,
    IS_KAGGLE,
    IS_PIP_PACKAGE,
    IS_RASPBERRYPI,
    IS_UBUNTU,
    IS_VSCODE,
    LINUX,
    MACOS,
    MACOS_VERSION,
    NOT_MACOS14,
    PYTHON_VERSION,
    TESTS_RUNNING,
    WINDOWS,
    env_bool,
    get_ubuntu_version,
    is_colab,
    is_debian,
    is_dgx,
    is_docker,
    is_github_action_running,
    is_jetson,
    is_jupyter,
    is_kaggle,
    is_pip_package,
    is_pytest_running,
    is_raspberrypi,
    is_runpod,
    is_ubuntu,
    read_device_model,
)
from ultralytics_clone.utils.helpers import (
    YAML,
    DataExportMixin,
    JSONDict,
    Retry,
    SimpleClass,
    ThreadingLocked,
    TryExcept,
    clean_url,
    deprecation_warn,
    emojis,
    get_default_args,
    plt_settings,
    remove_colorstr,
    threaded,
    url2file,
    vscode_msg,
)
from ultralytics_clone.utils.log import LOGGER, colorstr, set_logging, set_verbosity, warn_once

RANK = int(os.getenv("RANK", -1))
LOCAL_RANK = int(os.getenv("LOCAL_RANK", -1))
WORLD_SIZE = int(os.getenv("WORLD_SIZE", 1))

ARGV = sys.argv or ["", ""]
FILE = Path(__file__).resolve()
ROOT = FILE.parents[1]  # the ultralytics_clone package folder
ASSETS = ROOT / "assets"
ASSETS_URL = "https://github.com/ultralytics/assets/releases/download/v0.0.0"
DEFAULT_CFG_PATH = ROOT / "cfg" / "default.yaml"
NUM_THREADS = min(8, max(1, os.cpu_count() or 1))
AUTOINSTALL = False  # this package never installs packages for you (Ultralytics: YOLO_AUTOINSTALL, default on)
VERBOSE = env_bool("YOLO_VERBOSE", True)
LOGGING_NAME = "ultralytics_clone"
PREFIX = "ultralytics_clone: "
SAFE_LOAD = True  # checkpoints always go through the restricted loader in nn/weights.py
FLOAT_OR_INT = (float, int)
STR_OR_PATH = (str, Path)
HELP_MSG = """Examples (see docs/ for more):

    from ultralytics_clone import YOLO

    model = YOLO("yolo11n.yaml")                  # build a new model from a YAML
    model.train(data="coco8.yaml", epochs=3)      # train
    metrics = model.val()                         # validate
    results = model("path/to/image.jpg")          # predict
    model.export(format="onnx")                   # export

CLI: yolo TASK MODE ARGS, e.g. 'yolo detect train data=coco8.yaml epochs=3'; 'yolo help' lists the commands."""


def get_user_config_dir(sub_dir: str = "Ultralytics") -> Path:
    """Writable per-user config folder (YOLO_CONFIG_DIR overrides). The default names this package's own folder."""
    from ultralytics_clone.utils.files import user_config_dir

    return user_config_dir() if sub_dir == "Ultralytics" else user_config_dir(sub_dir)


def is_dir_writeable(dir_path: str | Path) -> bool:
    """True when a file can be written inside `dir_path` (created when missing)."""
    from ultralytics_clone.utils.files import is_dir_writeable as writeable

    return writeable(dir_path)


def is_online() -> bool:
    """True when a public DNS server answers a TCP connection within 2 s; always False with YOLO_OFFLINE set."""
    if env_bool("YOLO_OFFLINE"):
        return False
    import socket

    for host in ("1.1.1.1", "8.8.8.8"):
        try:
            with socket.create_connection((host, 53), timeout=2):
                return True
        except OSError:
            continue
    return False


def _version(dist: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def __getattr__(name: str):
    """Lazy names: settings-derived folders, package versions, DEFAULT_CFG*, ONLINE (a network probe)."""
    if name in {"SETTINGS", "settings"}:
        from ultralytics_clone.utils.settings import SETTINGS

        return SETTINGS
    if name == "SettingsManager":
        from ultralytics_clone.utils.settings import SettingsManager

        return SettingsManager
    if name in {"DATASETS_DIR", "WEIGHTS_DIR", "RUNS_DIR"}:
        from ultralytics_clone.utils.settings import SETTINGS

        return Path(SETTINGS[name.lower()])
    if name in {"SETTINGS_FILE", "USER_CONFIG_DIR"}:
        from ultralytics_clone.utils.settings import SETTINGS

        return SETTINGS.file if name == "SETTINGS_FILE" else SETTINGS.file.parent
    if name in {"DEFAULT_CFG", "DEFAULT_CFG_DICT", "DEFAULT_CFG_KEYS"}:
        from ultralytics_clone import cfg

        return getattr(cfg, name)
    if name == "IterableSimpleNamespace":
        from ultralytics_clone.cfg.args import IterableSimpleNamespace

        return IterableSimpleNamespace
    if name in {"TORCH_VERSION", "TORCHVISION_VERSION"}:
        return _version("torch" if name == "TORCH_VERSION" else "torchvision")
    if name == "ONLINE":
        return is_online()
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


__all__ = [
    "LOGGER",
    "RANK",
    "LOCAL_RANK",
    "WORLD_SIZE",
    "ROOT",
    "ASSETS",
    "DEFAULT_CFG_PATH",
    "NUM_THREADS",
    "colorstr",
    "set_verbosity",
    "warn_once",
]
