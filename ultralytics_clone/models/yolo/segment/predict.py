"""SegmentationPredictor: DetectionPredictor plus instance masks from the prototypes (retina_masks: at full size)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.results import Results
from ultralytics_clone.models.yolo.detect.predict import DetectionPredictor
from ultralytics_clone.models.yolo.segment.val import prototypes
from ultralytics_clone.utils.ops import scale_boxes


class SegmentationPredictor(DetectionPredictor):
    """`SegmentationPredictor(overrides=dict(model="yolo11n-seg.pt", source=img))()` -> Results with boxes + masks."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, overrides, _callbacks)
        self.args.task = "segment"

    def postprocess(self, preds: Any, img: torch.Tensor, orig_imgs: list[np.ndarray] | torch.Tensor) -> list[Results]:
        """NMS over boxes (mask coefficients ride along), then masks assembled per image."""
        rows = self._nms(preds, nc=len(self.model.names))
        protos = prototypes(preds)
        if isinstance(orig_imgs, torch.Tensor):
            orig_imgs = list((orig_imgs.permute(0, 2, 3, 1).flip(-1) * 255).byte().cpu().numpy())
        return self.construct_results(rows, img, orig_imgs, protos)

    def construct_results(self, preds: list[torch.Tensor], img: torch.Tensor, orig_imgs: list[np.ndarray],
                          protos: torch.Tensor) -> list[Results]:  # fmt: skip
        return [self.construct_result(p, img, im0, path, proto)
                for p, im0, path, proto in zip(preds, orig_imgs, self.batch[0], protos)]  # fmt: skip

    def construct_result(self, pred: torch.Tensor, img: torch.Tensor, orig_img: np.ndarray, img_path: str,
                         proto: torch.Tensor) -> Results:  # fmt: skip
        """Boxes in original-image pixels; masks at input size, or at original size with retina_masks. Detections
        whose mask is empty are dropped."""
        from ultralytics_clone.utils.mask_ops import process_mask_native, process_mask_upsample

        if not len(pred):
            masks = None
        elif self.args.retina_masks:
            pred[:, :4] = scale_boxes(img.shape[2:], pred[:, :4], orig_img.shape)
            masks = process_mask_native(proto, pred[:, 6:], pred[:, :4], orig_img.shape[:2])
        else:
            masks = process_mask_upsample(proto, pred[:, 6:], pred[:, :4], img.shape[2:])
            pred[:, :4] = scale_boxes(img.shape[2:], pred[:, :4], orig_img.shape)
        if masks is not None:
            keep = masks.flatten(1).amax(1) > 0
            pred, masks = pred[keep], masks[keep]
        return Results(orig_img, path=img_path, names=self.model.names, boxes=pred[:, :6], masks=masks)


__all__ = ["SegmentationPredictor"]
