"""Data pipeline: datasets, dataloaders, dataset checks and built-in offline data sets (loaded on first use)."""

from __future__ import annotations

import importlib

_EXPORTS = {
    "BaseDataset": "ultralytics_clone.data.base",
    "YOLODataset": "ultralytics_clone.data.dataset",
    "ClassificationDataset": "ultralytics_clone.data.dataset",
    "build_yolo_dataset": "ultralytics_clone.data.build",
    "build_dataloader": "ultralytics_clone.data.build",
    "load_inference_source": "ultralytics_clone.data.build",
    "check_det_dataset": "ultralytics_clone.data.checks",
    "check_cls_dataset": "ultralytics_clone.data.checks",
    "build_synthetic": "ultralytics_clone.data.synthetic",
}


def __getattr__(name: str):
    """Import the submodule that defines `name` only when it is first used (keeps `import ...data` light)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ultralytics_clone.data' has no attribute '{name}'")


__all__ = list(_EXPORTS)
