"""Task metric containers: Metric (one box/mask/keypoint family) and DetMetrics (detection results_dict, fitness)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ultralytics_clone.utils.metrics.ap import ap_per_class


class Metric:
    """Per-class precision/recall/F1/AP of one family; `all_ap` is (C, 10) over IoU 0.50:0.95."""

    def __init__(self) -> None:
        self.p: np.ndarray | list = []
        self.r: np.ndarray | list = []
        self.f1: np.ndarray | list = []
        self.all_ap: np.ndarray | list = []
        self.ap_class_index: np.ndarray | list = []
        self.nc = 0

    @property
    def ap50(self) -> np.ndarray | list:
        """AP at IoU 0.5 per class, (C,)."""
        return self.all_ap[:, 0] if len(self.all_ap) else []

    @property
    def ap(self) -> np.ndarray | list:
        """AP averaged over IoU 0.50:0.95 per class, (C,)."""
        return self.all_ap.mean(1) if len(self.all_ap) else []

    @property
    def mp(self) -> float:
        """Mean precision over classes."""
        return float(np.mean(self.p)) if len(self.p) else 0.0

    @property
    def mr(self) -> float:
        """Mean recall over classes."""
        return float(np.mean(self.r)) if len(self.r) else 0.0

    @property
    def map50(self) -> float:
        """mAP at IoU 0.5."""
        return float(self.all_ap[:, 0].mean()) if len(self.all_ap) else 0.0

    @property
    def map75(self) -> float:
        """mAP at IoU 0.75."""
        return float(self.all_ap[:, 5].mean()) if len(self.all_ap) else 0.0

    @property
    def map(self) -> float:
        """mAP over IoU 0.50:0.95."""
        return float(self.all_ap.mean()) if len(self.all_ap) else 0.0

    def mean_results(self) -> list[float]:
        """[mp, mr, map50, map]."""
        return [self.mp, self.mr, self.map50, self.map]

    def class_result(self, i: int) -> tuple[float, float, float, float]:
        """(p, r, ap50, ap) of the i-th evaluated class (index into ap_class_index)."""
        return float(self.p[i]), float(self.r[i]), float(self.ap50[i]), float(self.ap[i])

    @property
    def maps(self) -> np.ndarray:
        """mAP50-95 per class id (nc,), the overall map where a class had no labels."""
        maps = np.zeros(self.nc) + self.map
        for i, c in enumerate(self.ap_class_index):
            maps[c] = self.ap[i]
        return maps

    def fitness(self) -> float:
        """Model selection score: mAP50-95 (weights 0, 0, 0, 1 on p, r, mAP50, mAP50-95)."""
        return float(np.dot(np.nan_to_num(np.array(self.mean_results())), [0.0, 0.0, 0.0, 1.0]))

    def update(self, results: tuple) -> None:
        """Take (p, r, f1, all_ap, ap_class_index, ...) from ap_per_class (curves ignored here)."""
        self.p, self.r, self.f1, self.all_ap, self.ap_class_index = results[:5]


class DetMetrics:
    """Detection metrics: accumulate per-image stats with update_stats, then process() computes `box` (a Metric)."""

    def __init__(self, names: dict[int, str] | None = None) -> None:
        self.names = dict(names or {})
        self.box = Metric()
        self.speed = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.task = "detect"
        self.stats: dict[str, list] = {"tp": [], "conf": [], "pred_cls": [], "target_cls": [], "target_img": []}
        self.curves_results: list = []

    def update_stats(self, stat: dict[str, np.ndarray]) -> None:
        """Append one image's arrays: tp (P, 10), conf (P,), pred_cls (P,), target_cls (G,), target_img (unique G)."""
        for k in self.stats:
            self.stats[k].append(stat[k])

    def process(self, save_dir: Path = Path("."), plot: bool = False, on_plot=None) -> dict[str, np.ndarray]:
        """Concatenate the stats and compute per-class AP into `box`; returns the concatenated stats."""
        stats = {k: np.concatenate(v, 0) if len(v) else np.zeros(0) for k, v in self.stats.items()}
        if not len(stats["conf"]):
            self.box.nc = len(self.names)
            return stats
        results = ap_per_class(stats["tp"], stats["conf"], stats["pred_cls"], stats["target_cls"], plot=plot,
                               save_dir=save_dir, names=self.names, on_plot=on_plot)  # fmt: skip
        self.box.nc = len(self.names)
        self.box.update(results[2:])
        self.curves_results = [[results[10], results[11], "Recall", "Precision"],
                               [results[10], results[9], "Confidence", "F1"],
                               [results[10], results[7], "Confidence", "Precision"],
                               [results[10], results[8], "Confidence", "Recall"]]  # fmt: skip
        return stats

    def clear_stats(self) -> None:
        """Empty the accumulated per-image stats."""
        for v in self.stats.values():
            v.clear()

    @property
    def keys(self) -> list[str]:
        return ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]

    def mean_results(self) -> list[float]:
        return self.box.mean_results()

    def class_result(self, i: int) -> tuple[float, float, float, float]:
        return self.box.class_result(i)

    @property
    def maps(self) -> np.ndarray:
        return self.box.maps

    @property
    def fitness(self) -> float:
        return self.box.fitness()

    @property
    def ap_class_index(self) -> np.ndarray | list:
        return self.box.ap_class_index

    @property
    def results_dict(self) -> dict[str, float]:
        """{'metrics/precision(B)', 'metrics/recall(B)', 'metrics/mAP50(B)', 'metrics/mAP50-95(B)', 'fitness'}."""
        return {**dict(zip(self.keys, self.mean_results())), "fitness": self.fitness}

    @property
    def curves(self) -> list[str]:
        return ["Precision-Recall(B)", "F1-Confidence(B)", "Precision-Confidence(B)", "Recall-Confidence(B)"]

    def summary(self, normalize: bool = True, decimals: int = 5) -> list[dict[str, Any]]:
        """One dict per evaluated class: Class, Images, Instances, Box-P, Box-R, Box-F1, mAP50, mAP50-95."""
        rows = []
        target_cls = np.concatenate(self.stats["target_cls"]) if self.stats["target_cls"] else np.zeros(0)
        counts = np.bincount(target_cls.astype(int), minlength=len(self.names)) if len(target_cls) else []
        for i, c in enumerate(self.ap_class_index):
            p, r, ap50, ap = self.class_result(i)
            rows.append({"Class": self.names.get(int(c), str(c)), "Instances": int(counts[c]) if len(counts) else 0,
                         "Box-P": round(p, decimals), "Box-R": round(r, decimals),
                         "Box-F1": round(float(self.box.f1[i]), decimals), "mAP50": round(ap50, decimals),
                         "mAP50-95": round(ap, decimals)})  # fmt: skip
        return rows

    def __repr__(self) -> str:
        return f"DetMetrics({self.results_dict})"


__all__ = ["Metric", "DetMetrics"]
