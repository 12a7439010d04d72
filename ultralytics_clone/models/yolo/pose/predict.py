"""PosePredictor: DetectionPredictor plus keypoints scaled back to each original image."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.results import Results
from ultralytics_clone.models.yolo.detect.predict import DetectionPredictor
from ultralytics_clone.utils.ops import scale_boxes, scale_coords


class PosePredictor(DetectionPredictor):
    """`PosePredictor(overrides=dict(model="yolo11n-pose.pt", source=img))()` -> Results with boxes + keypoints."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, overrides, _callbacks)
        self.args.task = "pose"

    def _nms(self, preds: Any, **kwargs: Any) -> list[torch.Tensor]:
        return super()._nms(preds, nc=len(self.model.names), **kwargs)

    def construct_result(self, pred: torch.Tensor, img: torch.Tensor, orig_img: np.ndarray, img_path: str) -> Results:
        """Boxes and keypoints (N, K, 2|3: x, y[, confidence]) in original-image pixels."""
        shape = getattr(self.model, "kpt_shape", None) or [(pred.shape[1] - 6) // 3, 3]
        kpts = pred[:, 6:].reshape(len(pred), *[int(k) for k in shape])
        kpts = scale_coords(img.shape[2:], kpts, orig_img.shape)
        pred[:, :4] = scale_boxes(img.shape[2:], pred[:, :4], orig_img.shape)
        return Results(orig_img, path=img_path, names=self.model.names, boxes=pred[:, :6], keypoints=kpts)


__all__ = ["PosePredictor"]
