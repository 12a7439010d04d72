"""Shared constants and the package logger; imports neither torch, cv2 nor numpy."""

from __future__ import annotations

import os
from pathlib import Path

from ultralytics_clone.utils.log import LOGGER, colorstr, set_verbosity, warn_once

RANK = int(os.getenv("RANK", -1))
LOCAL_RANK = int(os.getenv("LOCAL_RANK", -1))
WORLD_SIZE = int(os.getenv("WORLD_SIZE", 1))

FILE = Path(__file__).resolve()
ROOT = FILE.parents[1]  # the ultralytics_clone package folder
ASSETS = ROOT / "assets"
DEFAULT_CFG_PATH = ROOT / "cfg" / "default.yaml"
NUM_THREADS = min(8, max(1, os.cpu_count() or 1))


def __getattr__(name: str):
    """Lazy attributes: `SETTINGS`/`settings` (the SettingsManager) and DEFAULT_CFG without import-time cost."""
    if name in {"SETTINGS", "settings"}:
        from ultralytics_clone.utils.settings import SETTINGS

        return SETTINGS
    if name in {"DEFAULT_CFG", "DEFAULT_CFG_DICT"}:
        from ultralytics_clone import cfg

        return getattr(cfg, name)
    raise AttributeError(f"module 'ultralytics_clone.utils' has no attribute '{name}'")


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
