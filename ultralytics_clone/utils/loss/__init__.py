"""Loss package (`utils.loss.X` import paths kept): box terms, then one module per task, re-exported flat here."""

from ultralytics_clone.utils.loss.box import BboxLoss, DFLoss, KeypointLoss, RotatedBboxLoss
from ultralytics_clone.utils.loss.classify import v8ClassificationLoss
from ultralytics_clone.utils.loss.detect import E2ELoss, v8DetectionLoss
from ultralytics_clone.utils.loss.obb import v8OBBLoss
from ultralytics_clone.utils.loss.pose import RLELoss, v8PoseLoss
from ultralytics_clone.utils.loss.segment import v8SegmentationLoss

__all__ = [
    "BboxLoss",
    "DFLoss",
    "E2ELoss",
    "KeypointLoss",
    "RLELoss",
    "RotatedBboxLoss",
    "v8ClassificationLoss",
    "v8DetectionLoss",
    "v8OBBLoss",
    "v8PoseLoss",
    "v8SegmentationLoss",
]
