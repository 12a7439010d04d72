"""ultralytics_clone: the Ultralytics YOLO interface, written clean-room, offline by default.

Importing the package is cheap: `YOLO` and the engines load torch only when first used, and `settings`
(the SettingsManager) is created on first access.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "YOLO": "ultralytics_clone.models",
    "Model": "ultralytics_clone.engine.model",
    "SAM": "ultralytics_clone.models.sam",
    "Explorer": "ultralytics_clone.data.explorer",
}


def __getattr__(name: str):
    if name == "settings":
        from ultralytics_clone.utils.settings import SETTINGS

        return SETTINGS
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "checks":
        from ultralytics_clone.utils import checks

        return checks
    raise AttributeError(f"module 'ultralytics_clone' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), "settings", *_LAZY, "checks"])


__all__ = ["__version__", "settings", "YOLO", "Model", "SAM", "Explorer", "checks"]
