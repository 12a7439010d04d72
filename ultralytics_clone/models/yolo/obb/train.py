"""OBBTrainer: DetectionTrainer with an OBBModel (rotated boxes, ProbIoU loss)."""

from __future__ import annotations

from copy import copy
from typing import Any

from torch import nn

from ultralytics_clone.models.yolo.detect.train import DetectionTrainer
from ultralytics_clone.utils import RANK


class OBBTrainer(DetectionTrainer):
    """`OBBTrainer(overrides=dict(model="yolo11n-obb.yaml", data="shapes-obb.yaml", epochs=1)).train()`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, {**(overrides or {}), "task": "obb"}, _callbacks)

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        """An OBBModel for `cfg` with the data set's classes, loaded from `weights` when given."""
        from ultralytics_clone.nn.tasks import OBBModel

        cfg = cfg if cfg is not None else getattr(weights, "yaml", None)
        model = OBBModel(cfg, nc=self.data["nc"], ch=self.data.get("channels", 3), verbose=verbose and RANK == -1)
        if weights:
            model.load(weights)
        return model

    def get_validator(self) -> Any:
        """An OBBValidator sharing the test loader, run folder and callbacks."""
        from ultralytics_clone.models.yolo.obb.val import OBBValidator

        self.loss_names = ("box_loss", "cls_loss", "dfl_loss")
        return OBBValidator(self.test_loader, save_dir=self.save_dir, args=copy(self.args), _callbacks=self.callbacks)


__all__ = ["OBBTrainer"]
