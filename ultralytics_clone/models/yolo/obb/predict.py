"""OBBPredictor: DetectionPredictor with exact rotated NMS (ProbIoU) and rotated boxes in original-image pixels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.results import Results
from ultralytics_clone.models.yolo.detect.predict import DetectionPredictor
from ultralytics_clone.utils.ops import scale_boxes


def regularize_rboxes(rboxes: torch.Tensor) -> torch.Tensor:
    """Rotated boxes (Tensor[N, 5] xywhr) in the reference's canonical form: angle in [0, pi/2), with w and h
    swapped where the angle (mod pi) was in [pi/2, pi)."""
    x, y, w, h, t = rboxes.unbind(-1)
    swap = t % math.pi >= math.pi / 2
    return torch.stack((x, y, torch.where(swap, h, w), torch.where(swap, w, h), t % (math.pi / 2)), -1)


class OBBPredictor(DetectionPredictor):
    """`OBBPredictor(overrides=dict(model="yolo11n-obb.pt", source=img))()` -> list[Results] with `obb`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, overrides, _callbacks)
        self.args.task = "obb"

    def _nms(self, preds: Any, **kwargs: Any) -> list[torch.Tensor]:
        return super()._nms(preds, nc=len(self.model.names), rotated=True, **kwargs)

    def construct_result(self, pred: torch.Tensor, img: torch.Tensor, orig_img: np.ndarray, img_path: str) -> Results:
        """Rows (cx, cy, w, h, angle, conf, cls) in original-image pixels."""
        rboxes = regularize_rboxes(torch.cat((pred[:, :4], pred[:, -1:]), -1))
        rboxes[:, :4] = scale_boxes(img.shape[2:], rboxes[:, :4], orig_img.shape, xywh=True)
        obb = torch.cat((rboxes, pred[:, 4:6]), -1)
        return Results(orig_img, path=img_path, names=self.model.names, obb=obb)


__all__ = ["OBBPredictor"]
