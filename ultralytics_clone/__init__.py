"""ultralytics_clone: the Ultralytics YOLO interface, written clean-room, offline by default.

Importing the package is cheap: `YOLO` and the engines load torch only when first used, and `settings`
(the SettingsManager) is created on first access.
"""

from __future__ import annotations

__version__ = "0.1.0"

# name -> (module, attribute): resolved on first access.
_LAZY = {
    "YOLO": ("ultralytics_clone.models", "YOLO"),
    "SAM": ("ultralytics_clone.models.sam", "SAM"),
    "Explorer": ("ultralytics_clone.data.explorer", "Explorer"),
    "Model": ("ultralytics_clone.engine.model", "Model"),
    "ASSETS": ("ultralytics_clone.utils", "ASSETS"),
    "checks": ("ultralytics_clone.utils.checks", "check_yolo"),  # ultralytics.checks() prints the system report
    "download": ("ultralytics_clone.utils.downloads", "download"),
    "settings": ("ultralytics_clone.utils.settings", "SETTINGS"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["__version__", "settings", "YOLO", "Model", "SAM", "Explorer", "ASSETS", "checks"]
