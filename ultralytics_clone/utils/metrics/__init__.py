"""Metrics package (`utils.metrics.X` import paths kept): overlap measures in iou.py, re-exported flat here."""

from ultralytics_clone.utils.metrics.iou import (
    OKS_SIGMA,
    _get_covariance_matrix,
    batch_probiou,
    bbox_ioa,
    bbox_iou,
    box_iou,
    kpt_iou,
    mask_iou,
    probiou,
)

__all__ = [
    "OKS_SIGMA",
    "_get_covariance_matrix",
    "batch_probiou",
    "bbox_ioa",
    "bbox_iou",
    "box_iou",
    "kpt_iou",
    "mask_iou",
    "probiou",
]

# --- average precision and task metrics (engine helper) ---
from ultralytics_clone.utils.metrics.ap import ap_per_class, compute_ap, match_pairs, match_predictions, smooth  # noqa: E402
from ultralytics_clone.utils.metrics.confusion import ConfusionMatrix  # noqa: E402
from ultralytics_clone.utils.metrics.task import DataExportMixin, DetMetrics, Metric  # noqa: E402

__all__ += ["ap_per_class", "compute_ap", "match_pairs", "match_predictions", "smooth", "ConfusionMatrix",
            "DataExportMixin", "DetMetrics", "Metric"]
from ultralytics_clone.utils.metrics.multitask import ClassifyMetrics, OBBMetrics, PoseMetrics, SegmentMetrics  # noqa: E402

__all__ += ["ClassifyMetrics", "OBBMetrics", "PoseMetrics", "SegmentMetrics"]



def smooth_bce(eps: float = 0.1) -> tuple[float, float]:
    """Label-smoothed BCE targets (positive, negative) = (1 - eps / 2, eps / 2)."""
    return 1.0 - 0.5 * eps, 0.5 * eps


__all__ += ["smooth_bce"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
