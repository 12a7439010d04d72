"""Deprecated: `ultralytics_clone.yolo.v8.<task>` re-exports `ultralytics_clone.models.yolo.<task>` with a warning."""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

TASKS = ("detect", "segment", "classify", "pose", "obb")


def alias(task: str) -> ModuleType:
    """Import models.yolo.<task>, warn once about the old path, and return the new module."""
    warnings.warn(
        f"'ultralytics_clone.yolo.v8.{task}' is deprecated and will be removed; "
        f"import from 'ultralytics_clone.models.yolo.{task}' instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return importlib.import_module(f"ultralytics_clone.models.yolo.{task}")
