"""SegmentationTrainer: DetectionTrainer with a SegmentationModel, mask batches and the four segmentation losses."""

from __future__ import annotations

from copy import copy
from typing import Any

from torch import nn

from ultralytics_clone.models.yolo.detect.train import DetectionTrainer
from ultralytics_clone.utils import RANK


class SegmentationTrainer(DetectionTrainer):
    """`SegmentationTrainer(overrides=dict(model="yolo11n-seg.yaml", data="shapes-seg.yaml", epochs=1)).train()`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, {**(overrides or {}), "task": "segment"}, _callbacks)

    def preprocess_batch(self, batch: dict) -> dict:
        """DetectionTrainer's preprocessing plus the masks to the device."""
        batch = super().preprocess_batch(batch)
        batch["masks"] = batch["masks"].to(self.device, non_blocking=True)
        return batch

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        """A SegmentationModel for `cfg` with the data set's classes, loaded from `weights` when given."""
        from ultralytics_clone.nn.tasks import SegmentationModel

        cfg = cfg if cfg is not None else getattr(weights, "yaml", None)
        model = SegmentationModel(cfg, nc=self.data["nc"], ch=self.data.get("channels", 3),
                                  verbose=verbose and RANK == -1)  # fmt: skip
        if weights:
            model.load(weights)
        return model

    def get_validator(self) -> Any:
        """A SegmentationValidator sharing the test loader, run folder and callbacks."""
        from ultralytics_clone.models.yolo.segment.val import SegmentationValidator

        self.loss_names = ("box_loss", "seg_loss", "cls_loss", "dfl_loss")
        return SegmentationValidator(self.test_loader, save_dir=self.save_dir, args=copy(self.args),
                                     _callbacks=self.callbacks)  # fmt: skip


__all__ = ["SegmentationTrainer"]
