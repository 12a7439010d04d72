"""Metrics of the other tasks beside DetMetrics: SegmentMetrics (B + M), PoseMetrics (B + P), OBBMetrics, ClassifyMetrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.utils.metrics.ap import ap_per_class
from ultralytics_clone.utils.metrics.task import DetMetrics, Metric


class _TwoFamilyMetrics(DetMetrics):
    """Box metrics plus a second family (masks 'M' or keypoints 'P') matched from stats key `tp_<x>`."""

    family, attr, label = "M", "seg", "Mask"

    def __init__(self, names: dict[int, str] | None = None) -> None:
        super().__init__(names)
        setattr(self, self.attr, Metric())
        self.stats[f"tp_{self.family.lower()}"] = []

    @property
    def second(self) -> Metric:
        return getattr(self, self.attr)

    def process(self, save_dir: Path = Path("."), plot: bool = False, on_plot=None) -> dict[str, np.ndarray]:
        """Box AP into `box`, the second family's AP (same predictions, its own true positives) into seg/pose."""
        stats = super().process(save_dir=save_dir, plot=plot, on_plot=on_plot)
        self.second.nc = len(self.names)
        if len(stats["conf"]):
            results = ap_per_class(stats[f"tp_{self.family.lower()}"], stats["conf"], stats["pred_cls"],
                                   stats["target_cls"], plot=plot, save_dir=save_dir, names=self.names,
                                   on_plot=on_plot, prefix=self.label)  # fmt: skip
            self.second.update(results[2:])
        return stats

    @property
    def keys(self) -> list[str]:
        f = self.family
        return super().keys + [f"metrics/precision({f})", f"metrics/recall({f})", f"metrics/mAP50({f})",
                               f"metrics/mAP50-95({f})"]  # fmt: skip

    def mean_results(self) -> list[float]:
        return self.box.mean_results() + self.second.mean_results()

    def class_result(self, i: int) -> tuple[float, ...]:
        return self.box.class_result(i) + self.second.class_result(i)

    @property
    def maps(self) -> np.ndarray:
        return self.box.maps + self.second.maps

    @property
    def fitness(self) -> float:
        """Box mAP50-95 plus the second family's mAP50-95."""
        return self.box.fitness() + self.second.fitness()

    @property
    def curves(self) -> list[str]:
        f = self.family
        return super().curves + [f"Precision-Recall({f})", f"F1-Confidence({f})", f"Precision-Confidence({f})",
                                 f"Recall-Confidence({f})"]  # fmt: skip

    def summary(self, normalize: bool = True, decimals: int = 5) -> list[dict[str, Any]]:
        """DetMetrics rows plus <Mask|Pose>-P, -R, -F1, mAP50, mAP50-95 per class."""
        rows = super().summary(normalize, decimals)
        for i, row in enumerate(rows):
            p, r, ap50, ap = self.second.class_result(i)
            row.update({f"{self.label}-P": round(p, decimals), f"{self.label}-R": round(r, decimals),
                        f"{self.label}-F1": round(float(self.second.f1[i]), decimals),
                        f"{self.label}-mAP50": round(ap50, decimals), f"{self.label}-mAP50-95": round(ap, decimals)})
        return rows


class SegmentMetrics(_TwoFamilyMetrics):
    """Box ('(B)' keys) and mask ('(M)' keys) precision, recall, mAP50, mAP50-95; fitness is their mAP50-95 sum."""

    family, attr, label = "M", "seg", "Mask"

    def __init__(self, names: dict[int, str] | None = None) -> None:
        super().__init__(names)
        self.task = "segment"


class PoseMetrics(_TwoFamilyMetrics):
    """Box ('(B)' keys) and keypoint OKS ('(P)' keys) precision, recall, mAP50, mAP50-95; fitness is the sum."""

    family, attr, label = "P", "pose", "Pose"

    def __init__(self, names: dict[int, str] | None = None) -> None:
        super().__init__(names)
        self.task = "pose"


class OBBMetrics(DetMetrics):
    """Rotated-box metrics ('(B)' keys): DetMetrics over ProbIoU matches."""

    def __init__(self, names: dict[int, str] | None = None) -> None:
        super().__init__(names)
        self.task = "obb"


class ClassifyMetrics:
    """Top-1 / top-5 accuracy over every validated image; fitness is their mean."""

    def __init__(self) -> None:
        self.top1 = 0.0
        self.top5 = 0.0
        self.speed = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.task = "classify"

    def process(self, targets: torch.Tensor | list, pred: torch.Tensor | list) -> None:
        """targets (Tensor[N]) true classes; pred (Tensor[N, >=1]) classes ranked best first (top-5 or fewer)."""
        targets = torch.cat(targets) if isinstance(targets, list) else targets
        pred = torch.cat(pred) if isinstance(pred, list) else pred
        if not len(targets):
            self.top1 = self.top5 = 0.0
            return
        hit = (targets.view(-1, 1) == pred).float()
        self.top1 = float(hit[:, 0].mean())
        self.top5 = float(hit[:, :5].max(1).values.mean())

    @property
    def fitness(self) -> float:
        return (self.top1 + self.top5) / 2

    @property
    def keys(self) -> list[str]:
        return ["metrics/accuracy_top1", "metrics/accuracy_top5"]

    @property
    def results_dict(self) -> dict[str, float]:
        """{'metrics/accuracy_top1', 'metrics/accuracy_top5', 'fitness'}."""
        return {**dict(zip(self.keys, [self.top1, self.top5])), "fitness": self.fitness}

    @property
    def curves(self) -> list:
        return []

    @property
    def curves_results(self) -> list:
        return []

    def summary(self, normalize: bool = True, decimals: int = 5) -> list[dict[str, float]]:
        """One row: top1_acc, top5_acc."""
        return [{"top1_acc": round(self.top1, decimals), "top5_acc": round(self.top5, decimals)}]

    def __repr__(self) -> str:
        return f"ClassifyMetrics({self.results_dict})"


__all__ = ["SegmentMetrics", "PoseMetrics", "OBBMetrics", "ClassifyMetrics"]
