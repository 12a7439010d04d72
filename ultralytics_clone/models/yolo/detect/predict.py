"""DetectionPredictor: NMS on the decoded head output, boxes scaled back to each original image, Results."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.predictor import BasePredictor
from ultralytics_clone.engine.results import Results
from ultralytics_clone.utils.ops import scale_boxes


class DetectionPredictor(BasePredictor):
    """`DetectionPredictor(overrides=dict(model="yolo11n.pt", source=img))()` -> list[Results] with `boxes`."""

    def _nms(self, preds: Any, **kwargs: Any) -> list[torch.Tensor]:
        """Per-image rows after NMS (or thresholding only, for NMS-free end-to-end heads)."""
        from ultralytics_clone.utils.nms import non_max_suppression

        return non_max_suppression(preds, self.args.conf, self.args.iou, classes=self.args.classes,
                                   agnostic=self.args.agnostic_nms, max_det=self.args.max_det,
                                   end2end=bool(getattr(self.model, "end2end", False)), in_place=False,
                                   **kwargs)  # fmt: skip

    def postprocess(self, preds: Any, img: torch.Tensor, orig_imgs: list[np.ndarray] | torch.Tensor) -> list[Results]:
        """Results with boxes (x1, y1, x2, y2, conf, cls) in original-image pixels."""
        rows = self._nms(preds)
        if isinstance(orig_imgs, torch.Tensor):  # a preprocessed tensor was given as the source
            orig_imgs = list((orig_imgs.permute(0, 2, 3, 1).flip(-1) * 255).byte().cpu().numpy())
        return [self.construct_result(r, img, im0, path) for r, im0, path in zip(rows, orig_imgs, self.batch[0])]

    def construct_result(self, pred: torch.Tensor, img: torch.Tensor, orig_img: np.ndarray, img_path: str) -> Results:
        """One Results; boxes rescaled from the letterboxed input to orig_img."""
        pred[:, :4] = scale_boxes(img.shape[2:], pred[:, :4], orig_img.shape)
        return Results(orig_img, path=img_path, names=self.model.names, boxes=pred[:, :6])


__all__ = ["DetectionPredictor"]
