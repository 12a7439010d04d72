"""ClassificationPredictor: the classify transforms (resize, centre crop) and class probabilities per image."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.predictor import BasePredictor
from ultralytics_clone.engine.results import Results


class ClassificationPredictor(BasePredictor):
    """`ClassificationPredictor(overrides=dict(model="yolo11n-cls.pt", source=img))()` -> list[Results] with `probs`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, overrides, _callbacks)
        self.args.task = "classify"
        self.transforms = None

    def setup_source(self, source: Any) -> None:
        """Open the source and build the classify transforms for the checked image size."""
        from ultralytics_clone.data.augment import classify_transforms

        super().setup_source(source)
        size = self.imgsz[0] if self.imgsz[0] == self.imgsz[1] else tuple(self.imgsz)
        self.transforms = classify_transforms(size, crop_fraction=self.args.crop_fraction)

    def preprocess(self, img: list[np.ndarray] | torch.Tensor) -> torch.Tensor:
        """BGR images -> Tensor[B, 3, H, W] through the classify transforms, on the device (half if args.half)."""
        if not isinstance(img, torch.Tensor):
            from PIL import Image

            img = torch.stack([self.transforms(Image.fromarray(np.ascontiguousarray(im[..., ::-1]))) for im in img])
        img = img.to(self.device)
        return img.half() if self.args.half else img.float()

    def postprocess(self, preds: Any, img: torch.Tensor, orig_imgs: list[np.ndarray] | torch.Tensor) -> list[Results]:
        """One Results per image with `probs` (class probabilities, top-1 / top-5 on Probs)."""
        probs = preds[0] if isinstance(preds, (list, tuple)) else preds
        if isinstance(orig_imgs, torch.Tensor):
            orig_imgs = list((orig_imgs.permute(0, 2, 3, 1).flip(-1) * 255).byte().cpu().numpy())
        return [Results(im0, path=path, names=self.model.names, probs=p)
                for p, im0, path in zip(probs, orig_imgs, self.batch[0])]  # fmt: skip


__all__ = ["ClassificationPredictor"]
