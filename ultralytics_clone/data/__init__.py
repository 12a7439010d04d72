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
    "YOLOConcatDataset": "ultralytics_clone.data.dataset",
}
_lazy = lazy_getattr(__name__, _EXPORTS)


def __getattr__(name: str):
    """Submodules load on first use (`import ...data` stays light); out-of-scope names raise NotInScopeError."""
    if name in _EXPORTS:
        return _lazy(name)
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


__all__ = list(_EXPORTS)
