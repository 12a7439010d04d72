"""Loss package (`utils.loss.X` import paths kept): box terms, then one module per task, re-exported flat here."""

from ultralytics_clone.utils.loss.box import BboxLoss, DFLoss, KeypointLoss, RotatedBboxLoss
from ultralytics_clone.utils.loss.classify import v8ClassificationLoss
from ultralytics_clone.utils.loss.detect import E2ELoss, v8DetectionLoss
from ultralytics_clone.utils.loss.focal import FocalLoss, VarifocalLoss
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



class E2EDetectLoss(E2ELoss):
    """E2ELoss with v8DetectionLoss for both branches (Ultralytics' name for the YOLO26 detect loss)."""

    def __init__(self, model) -> None:
        super().__init__(model, v8DetectionLoss)


class PoseLoss26(v8PoseLoss):
    """YOLO26 pose loss: v8PoseLoss, which adds the RLE term when the head provides sigma and a flow model."""


class SegmentLoss26(v8SegmentationLoss):
    """YOLO26 segment loss: v8SegmentationLoss, which also trains Segment26's semantic branch when present."""


__all__ += ["FocalLoss", "VarifocalLoss", "E2EDetectLoss", "PoseLoss26", "SegmentLoss26"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference losses left out: clear error)

__getattr__ = module_getattr(__name__)
