"""Data pipeline: datasets, dataloaders, dataset checks and built-in offline data sets (loaded on first use)."""

from __future__ import annotations

from ultralytics_clone.utils.lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _EXPORTS)  # submodules load on first use: `import ...data` stays light


__all__ = list(_EXPORTS)
