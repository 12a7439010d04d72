"""ClassificationTrainer: image-folder data, a ClassificationModel and cross-entropy on top of BaseTrainer."""

from __future__ import annotations

from copy import copy
from typing import Any

from torch import nn

from ultralytics_clone.engine.trainer import BaseTrainer
from ultralytics_clone.utils import RANK


class ClassificationTrainer(BaseTrainer):
    """`ClassificationTrainer(overrides=dict(model="yolo11n-cls.yaml", data="shapes-cls", epochs=1)).train()`."""

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        overrides = {**(overrides or {}), "task": "classify"}
        if overrides.get("imgsz") is None:
            overrides["imgsz"] = 224
        super().__init__(cfg, overrides, _callbacks)

    def get_dataset(self) -> dict:
        """The classification data-set dict (train/val folders, names, nc) for args.data."""
        from ultralytics_clone.data.checks import check_cls_dataset

        return check_cls_dataset(self.args.data)

    def set_model_attributes(self) -> None:
        """Class names and the run's args onto the model."""
        self.model.names = self.data["names"]
        self.model.args = self.args

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        """A ClassificationModel for `cfg` with the data set's classes, loaded from `weights` when given."""
        from ultralytics_clone.nn.tasks import ClassificationModel

        cfg = cfg if cfg is not None else getattr(weights, "yaml", None)
        model = ClassificationModel(cfg, nc=self.data["nc"], ch=self.data.get("channels", 3),
                                    verbose=verbose and RANK == -1)  # fmt: skip
        if weights:
            model.load(weights)
            if getattr(model.model[-1], "linear", None) is not None and model.model[-1].linear.out_features != self.data["nc"]:
                ClassificationModel.reshape_outputs(model, self.data["nc"])
        for m in model.modules():
            if isinstance(m, nn.Dropout) and self.args.dropout:
                m.p = self.args.dropout
        return model

    def build_dataset(self, img_path: str, mode: str = "train", batch: int | None = None) -> Any:
        """ClassificationDataset over `img_path` (augmented for 'train')."""
        from ultralytics_clone.data.dataset import ClassificationDataset

        return ClassificationDataset(root=img_path, args=self.args, augment=mode == "train", prefix=f"{mode}: ")

    def get_dataloader(self, dataset_path: str, batch_size: int = 16, rank: int = 0, mode: str = "train") -> Any:
        """Loader over build_dataset(); shuffled for training."""
        from ultralytics_clone.data.build import build_dataloader

        dataset = self.build_dataset(dataset_path, mode, batch_size)
        workers = self.args.workers if mode == "train" else self.args.workers * 2
        return build_dataloader(dataset, batch_size, workers, shuffle=mode == "train", rank=rank)

    def preprocess_batch(self, batch: dict) -> dict:
        """Images (already float, normalised by the transforms) and class indices to the device."""
        batch["img"] = batch["img"].to(self.device, non_blocking=True)
        batch["cls"] = batch["cls"].to(self.device, non_blocking=True)
        return batch

    def get_validator(self) -> Any:
        """A ClassificationValidator sharing the test loader, run folder and callbacks."""
        from ultralytics_clone.models.yolo.classify.val import ClassificationValidator

        self.loss_names = ["loss"]
        return ClassificationValidator(self.test_loader, save_dir=self.save_dir, args=copy(self.args),
                                       _callbacks=self.callbacks)  # fmt: skip


__all__ = ["ClassificationTrainer"]
