"""PoseTrainer: DetectionTrainer with a PoseModel sized to the data set's kpt_shape and the five pose losses."""

from __future__ import annotations

from copy import copy
from typing import Any

from torch import nn

from ultralytics_clone.models.yolo.detect.train import DetectionTrainer
from ultralytics_clone.utils import RANK


class PoseTrainer(DetectionTrainer):
    """`PoseTrainer(overrides=dict(model="yolo11n-pose.yaml", data="shapes-pose.yaml", epochs=1)).train()`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        super().__init__(cfg, {**(overrides or {}), "task": "pose"}, _callbacks)

    def get_dataset(self) -> dict:
        """The detection data-set dict, which must carry `kpt_shape`."""
        data = super().get_dataset()
        if not data.get("kpt_shape"):
            from ultralytics_clone.utils.errors import DatasetError

            raise DatasetError(f"data='{self.args.data}' has no 'kpt_shape' (e.g. kpt_shape: [17, 3]); pose training "
                               "needs the number of keypoints and their dimensions.")  # fmt: skip
        return data

    def preprocess_batch(self, batch: dict) -> dict:
        """DetectionTrainer's preprocessing plus the keypoints to the device."""
        batch = super().preprocess_batch(batch)
        batch["keypoints"] = batch["keypoints"].to(self.device, non_blocking=True).float()
        return batch

    def set_model_attributes(self) -> None:
        """nc, names, args and the data set's kpt_shape onto the model."""
        super().set_model_attributes()
        self.model.kpt_shape = self.data["kpt_shape"]
        if self.data.get("kpt_names"):
            self.model.kpt_names = self.data["kpt_names"]

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        """A PoseModel for `cfg` with the data set's classes and keypoint shape, loaded from `weights` when given."""
        from ultralytics_clone.nn.tasks import PoseModel

        cfg = cfg if cfg is not None else getattr(weights, "yaml", None)
        model = PoseModel(cfg, nc=self.data["nc"], ch=self.data.get("channels", 3),
                          data_kpt_shape=tuple(self.data["kpt_shape"]), verbose=verbose and RANK == -1)  # fmt: skip
        if weights:
            model.load(weights)
        return model

    def get_validator(self) -> Any:
        """A PoseValidator sharing the test loader, run folder and callbacks."""
        from ultralytics_clone.models.yolo.pose.val import PoseValidator

        self.loss_names = ("box_loss", "pose_loss", "kobj_loss", "cls_loss", "dfl_loss")
        return PoseValidator(self.test_loader, save_dir=self.save_dir, args=copy(self.args), _callbacks=self.callbacks)


__all__ = ["PoseTrainer"]
