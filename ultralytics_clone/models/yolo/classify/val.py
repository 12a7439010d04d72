"""ClassificationValidator: top-1 / top-5 accuracy and a class confusion matrix over an image-folder split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ultralytics_clone.engine.validator import BaseValidator
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.metrics.confusion import ConfusionMatrix
from ultralytics_clone.utils.metrics.multitask import ClassifyMetrics


class ClassificationValidator(BaseValidator):
    """`ClassificationValidator(args=dict(model="yolo11n-cls.pt", data="shapes-cls"))()` -> results_dict with
    'metrics/accuracy_top1', 'metrics/accuracy_top5', 'fitness'."""

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        super().__init__(dataloader, save_dir, args, _callbacks)
        self.args.task = "classify"
        self.targets: list[torch.Tensor] = []
        self.pred: list[torch.Tensor] = []
        self.metrics = ClassifyMetrics()

    def get_data(self) -> dict:
        from ultralytics_clone.data.checks import check_cls_dataset

        return check_cls_dataset(self.args.data, split=self.args.split)

    def build_dataset(self, img_path: str, mode: str = "val", batch: int | None = None) -> Any:
        """ClassificationDataset over `img_path` with the evaluation transforms."""
        from ultralytics_clone.data.dataset import ClassificationDataset

        return ClassificationDataset(root=img_path, args=self.args, augment=False, prefix=f"{self.args.split}: ")

    def get_dataloader(self, dataset_path: str, batch_size: int) -> Any:
        """Unshuffled loader over `dataset_path`."""
        from ultralytics_clone.data.build import build_dataloader

        return build_dataloader(self.build_dataset(dataset_path), batch_size, self.args.workers, shuffle=False, rank=-1)

    def preprocess(self, batch: dict) -> dict:
        """Images to the device (half under args.half), class indices too."""
        batch["img"] = batch["img"].to(self.device, non_blocking=True)
        batch["img"] = batch["img"].half() if self.args.half else batch["img"].float()
        batch["cls"] = batch["cls"].to(self.device)
        return batch

    def init_metrics(self, model: torch.nn.Module) -> None:
        """Reset predictions and targets; names from the model (or data)."""
        names = getattr(model, "names", None) or (self.data or {}).get("names") or {}
        self.names = dict(names) if not isinstance(names, list) else dict(enumerate(names))
        self.nc = len(self.names)
        self.confusion_matrix = ConfusionMatrix(names=self.names, task="classify")
        self.metrics = ClassifyMetrics()
        self.pred, self.targets = [], []
        self.seen = 0

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 2) % ("classes", "top1_acc", "top5_acc")

    def postprocess(self, preds: Any) -> torch.Tensor:
        """Class probabilities Tensor[B, nc] (the first element of an eval tuple)."""
        return preds[0] if isinstance(preds, (list, tuple)) else preds

    def update_metrics(self, preds: torch.Tensor, batch: dict) -> None:
        """Keep each image's top-5 (or fewer) classes, best first, and its true class."""
        k = min(len(self.names) or preds.shape[1], 5)
        self.pred.append(preds.argsort(1, descending=True)[:, :k].type(torch.int32).cpu())
        self.targets.append(batch["cls"].type(torch.int32).cpu())
        self.seen += len(preds)

    def finalize_metrics(self) -> None:
        """Confusion matrix of top-1 predictions; speed onto the metrics."""
        if self.pred:
            self.confusion_matrix.process_cls_preds(self.pred, self.targets)
        if self.do_plots:  # a trainer asks for plots on the final epoch only
            for normalize in (True, False):
                self.confusion_matrix.plot(normalize=normalize, save_dir=self.save_dir, on_plot=self.on_plot)
        self.metrics.speed = self.speed
        self.metrics.confusion_matrix = self.confusion_matrix

    def get_stats(self) -> dict[str, float]:
        """Top-1 / top-5 accuracy over everything seen; returns results_dict."""
        self.metrics.process(self.targets, self.pred)
        return self.metrics.results_dict

    def print_results(self) -> None:
        LOGGER.info(("%22s" + "%11.3g" * 2) % ("all", self.metrics.top1, self.metrics.top5))

    @property
    def metric_keys(self) -> list[str]:
        return self.metrics.keys


__all__ = ["ClassificationValidator"]
