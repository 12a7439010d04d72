"""A custom loss: the classification term weighs each class by how rare it is in the training labels.

The loss lives on the model (`init_criterion`), so a model subclass carries it and a trainer subclass builds that
model (`get_model`). The weights are computed from the data set's labels before training starts.

    python examples/custom_loss.py                     # 3 epochs at imgsz 96 on the built-in shapes set
    python examples/custom_loss.py --epochs 1 --imgsz 64
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo.detect import DetectionTrainer
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.loss import v8DetectionLoss


class RareClassLoss(v8DetectionLoss):
    """Detection loss whose classification BCE gives positives of class c the weight `class_weights[c]`."""

    def __init__(self, model: nn.Module, class_weights: torch.Tensor) -> None:
        super().__init__(model)
        self.bce = nn.BCEWithLogitsLoss(pos_weight=class_weights.to(self.device), reduction="none")


class RareClassModel(DetectionModel):
    """A DetectionModel that trains with RareClassLoss; `class_weights` is set by the trainer."""

    class_weights: torch.Tensor | None = None

    def init_criterion(self) -> RareClassLoss:
        weights = self.class_weights if self.class_weights is not None else torch.ones(self.nc)
        return RareClassLoss(self, weights)


def inverse_frequency(counts: np.ndarray) -> torch.Tensor:
    """The most frequent class gets weight 1, a class k times rarer gets k (a class with no labels gets 1)."""
    counts = np.asarray(counts, dtype=float)
    weights = np.where(counts > 0, counts.max() / np.maximum(counts, 1), 1.0)
    return torch.tensor(weights, dtype=torch.float32)


class RareClassTrainer(DetectionTrainer):
    """Builds a RareClassModel whose class weights come from the training labels."""

    def get_model(self, cfg=None, weights=None, verbose: bool = True) -> RareClassModel:
        model = RareClassModel(cfg, nc=self.data["nc"], verbose=False)
        if weights:
            model.load(weights)
        model.class_weights = inverse_frequency(self.count_labels())
        LOGGER.info(f"class weights {dict(zip(self.data['names'].values(), model.class_weights.tolist()))}")
        return model

    def count_labels(self) -> np.ndarray:
        """Instances per class over the training split (the dataset is built once more, without augmentation)."""
        dataset = self.build_dataset(self.data["train"], mode="val", batch=1)
        cls = np.concatenate([lb["cls"].reshape(-1) for lb in dataset.labels]).astype(int)
        return np.bincount(cls, minlength=self.data["nc"])


def main(epochs: int = 3, imgsz: int = 96, batch: int = 8, fraction: float = 1.0) -> dict:
    model = YOLO("yolo11n.yaml")
    model.train(trainer=RareClassTrainer, data="shapes-det.yaml", epochs=epochs, imgsz=imgsz, batch=batch,
                nbs=batch, workers=0, mosaic=0.0, fraction=fraction, plots=False)  # fmt: skip
    criterion = model.trainer.model.criterion
    print(f"criterion {type(criterion).__name__}, positive weights {criterion.bce.pos_weight.tolist()}")
    print(f"mAP50 {model.trainer.metrics.get('metrics/mAP50(B)', 0.0):.3f}")
    return {"model": model, "criterion": criterion, "counts": model.trainer.count_labels()}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--imgsz", type=int, default=96)
    a = p.parse_args()
    main(a.epochs, a.imgsz)
