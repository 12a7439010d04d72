"""Task metric containers: Metric (one box/mask/keypoint family) and DetMetrics (detection), built to be extended.

A task metrics class lists its families in `families` as (attribute, stats key of its true-positive matrix, key
suffix, summary prefix): DetMetrics has one, ("box", "tp", "B", "Box"); a mask task adds ("seg", "tp_m", "M",
"Mask") and inherits processing, keys, results_dict, fitness, curves, summary and CSV/JSON export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ultralytics_clone.utils.helpers import DataExportMixin  # the one to_df/to_csv/to_json (utils.DataExportMixin)
from ultralytics_clone.utils.metrics.ap import ap_per_class


class Metric:
    """Per-class precision/recall/F1/AP of one family; `all_ap` is (C, 10) over IoU 0.50:0.95, C = evaluated
    classes listed in `ap_class_index`; curves over confidence (`px`, 1000 points) after `update`."""

    def __init__(self) -> None:
        self.p: np.ndarray | list = []
        self.r: np.ndarray | list = []
        self.f1: np.ndarray | list = []
        self.all_ap: np.ndarray | list = []
        self.ap_class_index: np.ndarray | list = []
        self.nc = 0
        self.p_curve: np.ndarray | list = []
        self.r_curve: np.ndarray | list = []
        self.f1_curve: np.ndarray | list = []
        self.px: np.ndarray | list = []
        self.prec_values: np.ndarray | list = []
        self.image_metrics: dict[str, dict[str, float]] = {}

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
        if len(self.ap_class_index):
            maps[np.asarray(self.ap_class_index, dtype=int)] = self.ap
        return maps

    def fitness(self) -> float:
        """Model selection score: mAP50-95 (weights 0, 0, 0, 1 on p, r, mAP50, mAP50-95)."""
        return float(np.dot(np.nan_to_num(np.array(self.mean_results())), [0.0, 0.0, 0.0, 1.0]))

    def update(self, results: tuple) -> None:
        """Take (p, r, f1, all_ap, ap_class_index, p_curve, r_curve, f1_curve, px, prec_values) from ap_per_class."""
        self.p, self.r, self.f1, self.all_ap, self.ap_class_index = results[:5]
        if len(results) >= 10:
            self.p_curve, self.r_curve, self.f1_curve, self.px, self.prec_values = results[5:10]

    @property
    def curves(self) -> list:
        """Curve names; a single family reports none of its own (its task metrics name them)."""
        return []

    @property
    def curves_results(self) -> list[list]:
        """[x, y, xlabel, ylabel] for the PR, F1, P and R curves."""
        return [[self.px, self.prec_values, "Recall", "Precision"], [self.px, self.f1_curve, "Confidence", "F1"],
                [self.px, self.p_curve, "Confidence", "Precision"], [self.px, self.r_curve, "Confidence", "Recall"]]  # fmt: skip

    def update_image_metrics(self, tp: np.ndarray, target_cls: np.ndarray, pred_cls: np.ndarray, im_name: str) -> None:
        """Record one image's precision, recall and F1 at IoU 0.5 (tp: bool (P, 10) or (P,)) under its name."""
        tp50 = np.asarray(tp).reshape(len(pred_cls), -1)[:, 0] if len(pred_cls) else np.zeros(0, bool)
        n_tp, n_pred, n_true = int(tp50.sum()), len(pred_cls), len(target_cls)
        p = n_tp / n_pred if n_pred else 0.0
        r = n_tp / n_true if n_true else 0.0
        self.image_metrics[im_name] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                                       "tp": n_tp, "fp": n_pred - n_tp, "fn": n_true - n_tp}  # fmt: skip

    def clear_image_metrics(self) -> None:
        """Forget the per-image records."""
        self.image_metrics.clear()

    def __repr__(self) -> str:
        return f"Metric(mp={self.mp:.4g}, mr={self.mr:.4g}, map50={self.map50:.4g}, map={self.map:.4g})"


class DetMetrics(DataExportMixin):
    """Detection metrics: update_stats per batch (arrays, see STAT_KEYS), then process() fills `box` (a Metric).

    nt_per_class: labels per class id; nt_per_image: images containing each class id (both (nc,) after process).
    """

    families: tuple[tuple[str, str, str, str], ...] = (("box", "tp", "B", "Box"),)
    task = "detect"

    def __init__(self, names: dict[int, str] | None = None) -> None:
        self.names = dict(names or {})
        for attr, *_ in self.families:
            setattr(self, attr, Metric())
        self.speed = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.stats: dict[str, list] = {k: [] for k in self.stat_keys}
        self.nt_per_class = np.zeros(len(self.names), dtype=int)
        self.nt_per_image = np.zeros(len(self.names), dtype=int)
        self.extra: dict[str, Any] = {}  # values added with validator.log() or by the official COCO evaluator

    @property
    def stat_keys(self) -> list[str]:
        """tp matrices of every family, then conf, pred_cls (per prediction), target_cls (per label) and
        target_img (one class id per image and class present in it)."""
        return [f[1] for f in self.families] + ["conf", "pred_cls", "target_cls", "target_img"]

    def update_stats(self, stat: dict[str, np.ndarray]) -> None:
        """Append one image's or one batch's arrays under stat_keys."""
        for k in self.stats:
            self.stats[k].append(stat[k])

    def process(self, save_dir: Path = Path("."), plot: bool = False, on_plot=None) -> dict[str, np.ndarray]:
        """Concatenate the stats and compute per-class AP for every family; returns the concatenated stats."""
        stats = {k: np.concatenate(v, 0) if len(v) else np.zeros(0) for k, v in self.stats.items()}
        nc = len(self.names)
        self.nt_per_class = np.bincount(stats["target_cls"].astype(int), minlength=nc) if len(stats["target_cls"]) else np.zeros(nc, int)
        self.nt_per_image = np.bincount(stats["target_img"].astype(int), minlength=nc) if len(stats["target_img"]) else np.zeros(nc, int)
        for attr, key, _, prefix in self.families:
            metric = getattr(self, attr)
            metric.nc = nc
            if not len(stats["conf"]):
                continue
            results = ap_per_class(stats[key], stats["conf"], stats["pred_cls"], stats["target_cls"], plot=plot,
                                   save_dir=save_dir, names=self.names, on_plot=on_plot, prefix=prefix)  # fmt: skip
            metric.update(results[2:])
        return stats

    def clear_stats(self) -> None:
        """Empty the accumulated stats."""
        for v in self.stats.values():
            v.clear()

    def clear_image_metrics(self) -> None:
        """Forget every family's per-image records."""
        for attr, *_ in self.families:
            getattr(self, attr).clear_image_metrics()

    @property
    def keys(self) -> list[str]:
        return [f"metrics/{k}({s})" for _, _, s, _ in self.families for k in ("precision", "recall", "mAP50", "mAP50-95")]

    def mean_results(self) -> list[float]:
        return [v for attr, *_ in self.families for v in getattr(self, attr).mean_results()]

    def class_result(self, i: int) -> tuple[float, ...]:
        return tuple(v for attr, *_ in self.families for v in getattr(self, attr).class_result(i))

    @property
    def maps(self) -> np.ndarray:
        """Per class id mAP50-95, summed over families (as the reference does)."""
        return sum(getattr(self, attr).maps for attr, *_ in self.families)

    @property
    def fitness(self) -> float:
        return sum(getattr(self, attr).fitness() for attr, *_ in self.families)

    @property
    def ap_class_index(self) -> np.ndarray | list:
        return getattr(self, self.families[0][0]).ap_class_index

    @property
    def results_dict(self) -> dict[str, float]:
        """{metrics/precision(B), metrics/recall(B), metrics/mAP50(B), metrics/mAP50-95(B), ..., fitness}, then any
        values in `extra`."""
        return {**dict(zip(self.keys, self.mean_results())), "fitness": self.fitness, **self.extra}

    @property
    def curves(self) -> list[str]:
        return [f"{c}({s})" for _, _, s, _ in self.families
                for c in ("Precision-Recall", "F1-Confidence", "Precision-Confidence", "Recall-Confidence")]  # fmt: skip

    @property
    def curves_results(self) -> list[list]:
        return [c for attr, *_ in self.families for c in getattr(self, attr).curves_results]

    def summary(self, normalize: bool = True, decimals: int = 5) -> list[dict[str, Any]]:
        """One dict per evaluated class: Class, Images, Instances, then per family P, R, F1, mAP50, mAP50-95."""
        rows = []
        single = len(self.families) == 1
        for i, c in enumerate(self.ap_class_index):
            c = int(c)
            row: dict[str, Any] = {"Class": self.names.get(c, str(c)),
                                   "Images": int(self.nt_per_image[c]) if c < len(self.nt_per_image) else 0,
                                   "Instances": int(self.nt_per_class[c]) if c < len(self.nt_per_class) else 0}  # fmt: skip
            for attr, _, suffix, prefix in self.families:
                m = getattr(self, attr)
                p, r, ap50, ap = m.class_result(i)
                row.update({f"{prefix}-P": round(p, decimals), f"{prefix}-R": round(r, decimals),
                            f"{prefix}-F1": round(float(m.f1[i]), decimals)})  # fmt: skip
                tag = "" if single else f"({suffix})"
                row.update({f"mAP50{tag}": round(ap50, decimals), f"mAP50-95{tag}": round(ap, decimals)})
            rows.append(row)
        return rows

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.results_dict})"


__all__ = ["DataExportMixin", "Metric", "DetMetrics"]
