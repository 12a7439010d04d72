"""DetectionTrainer: YOLO detection data, model, loss names and validator on top of BaseTrainer."""

from __future__ import annotations

import math
import random
from copy import copy
from typing import Any

from torch import nn

from ultralytics_clone.engine.trainer import BaseTrainer
from ultralytics_clone.utils import LOGGER, RANK
from ultralytics_clone.utils.torch_utils import unwrap_model


class DetectionTrainer(BaseTrainer):
    """`DetectionTrainer(overrides=dict(model="yolo11n.yaml", data="shapes-det.yaml", epochs=1)).train()`."""

    def build_dataset(self, img_path: str, mode: str = "train", batch: int | None = None) -> Any:
        """YOLODataset for `img_path`: augmented for 'train', rectangular letterbox for 'val'."""
        from ultralytics_clone.data.build import build_yolo_dataset

        model = unwrap_model(self.model) if isinstance(self.model, nn.Module) else None
        gs = max(int(model.stride.max()) if model is not None and hasattr(model, "stride") else 0, 32)
        return build_yolo_dataset(self.args, img_path, batch, self.data, mode=mode, rect=mode == "val", stride=gs)

    def get_dataloader(self, dataset_path: str, batch_size: int = 16, rank: int = 0, mode: str = "train") -> Any:
        """Loader over build_dataset(); shuffled for training (rect training disables shuffling)."""
        from ultralytics_clone.data.build import build_dataloader

        if mode not in {"train", "val"}:
            from ultralytics_clone.utils.errors import ConfigError

            raise ConfigError(f"get_dataloader(mode='{mode}'): mode must be 'train' or 'val'.")
        dataset = self.build_dataset(dataset_path, mode, batch_size)
        shuffle = mode == "train"
        if getattr(dataset, "rect", False) and shuffle:
            LOGGER.warning("rect=True is incompatible with shuffling the training loader; setting shuffle=False.")
            shuffle = False
        workers = self.args.workers if mode == "train" else self.args.workers * 2
        return build_dataloader(dataset, batch_size, workers, shuffle, rank)

    def preprocess_batch(self, batch: dict) -> dict:
        """Images to the device as float 0-1; label tensors to the device."""
        batch["img"] = batch["img"].to(self.device, non_blocking=True).float() / 255
        for k in ("batch_idx", "cls", "bboxes"):
            if k in batch:
                batch[k] = batch[k].to(self.device, non_blocking=True)
        if self.args.multi_scale:  # a random size in [0.5, 1.5] x imgsz, a multiple of the stride, per batch
            imgs, gs = batch["img"], self.stride
            size = random.randrange(int(self.args.imgsz * 0.5), int(self.args.imgsz * 1.5) + gs) // gs * gs
            scale = size / max(imgs.shape[2:])
            if scale != 1:
                shape = [math.ceil(x * scale / gs) * gs for x in imgs.shape[2:]]
                batch["img"] = nn.functional.interpolate(imgs, size=shape, mode="bilinear", align_corners=False)
        return batch

    def set_model_attributes(self) -> None:
        """nc, names and the run's args onto the model (the loss reads its gains from model.args)."""
        self.model.nc = self.data["nc"]
        self.model.names = self.data["names"]
        self.model.args = self.args

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        """A DetectionModel for `cfg` with the data set's class count, loaded from `weights` when given."""
        from ultralytics_clone.nn.tasks import DetectionModel

        if cfg is None and weights is None:
            from ultralytics_clone.utils.errors import ConfigError

            raise ConfigError("model= is required to train, e.g. model='yolo11n.yaml' (from scratch, offline) or "
                              "model='path/to/last.pt'; or override get_model() to build your own network.")  # fmt: skip
        cfg = cfg if cfg is not None else getattr(weights, "yaml", None)
        model = DetectionModel(cfg, nc=self.data["nc"], ch=self.data.get("channels", 3), verbose=verbose and RANK == -1)
        if weights:
            model.load(weights)
        return model

    def get_validator(self) -> Any:
        """A DetectionValidator sharing the test loader, run folder and callbacks."""
        from ultralytics_clone.models.yolo.detect.val import DetectionValidator

        self.loss_names = ("box_loss", "cls_loss", "dfl_loss")
        return DetectionValidator(self.test_loader, save_dir=self.save_dir, args=copy(self.args),
                                  _callbacks=self.callbacks)  # fmt: skip


__all__ = ["DetectionTrainer"]
