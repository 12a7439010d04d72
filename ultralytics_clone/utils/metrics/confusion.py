"""ConfusionMatrix for detection (classes + background) and classification, filled with vectorised matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.helpers import DataExportMixin


class ConfusionMatrix(DataExportMixin):
    """matrix[predicted, true] of shape (nc + 1, nc + 1) for detect (last row/column: background) or (nc, nc)."""

    def __init__(self, names: dict[int, str] | None = None, task: str = "detect", save_matches: bool = False) -> None:
        self.names = dict(names or {})
        self.nc = len(self.names)
        self.task = task
        self.matrix = np.zeros((self.nc + 1, self.nc + 1) if task == "detect" else (self.nc, self.nc))

    def process_cls_preds(self, preds: list[torch.Tensor], targets: list[torch.Tensor]) -> None:
        """Classification: top-1 predicted class against the true class."""
        p = torch.cat(preds)[:, 0].long().cpu().numpy()
        t = torch.cat(targets).long().cpu().numpy()
        np.add.at(self.matrix, (p, t), 1)

    def process_batch(self, detections: dict[str, torch.Tensor], batch: dict[str, torch.Tensor], conf: float = 0.25,
                      iou_thres: float = 0.45) -> None:  # fmt: skip
        """Detections {'bboxes' (N, 4) xyxy, 'conf' (N,), 'cls' (N,)} against labels {'bboxes' (M, 4), 'cls' (M,)}
        of one image, or of a whole batch when both carry 'batch_idx' (boxes of different images never match).

        Pairs above iou_thres are matched greedily by IoU (each detection and ground truth at most once); unmatched
        ground truths count as missed (background row), unmatched detections as false alarms (background column).
        """
        from ultralytics_clone.utils.metrics.iou import box_iou

        bg = self.nc
        keep = detections["conf"] > conf
        gt_cls = batch["cls"].long().view(-1).cpu().numpy()
        det_cls = detections["cls"][keep].long().view(-1).cpu().numpy()
        if len(gt_cls) == 0 or len(det_cls) == 0:
            np.add.at(self.matrix, (det_cls, bg), 1)
            np.add.at(self.matrix, (bg, gt_cls), 1)
            return
        iou = box_iou(batch["bboxes"].float(), detections["bboxes"][keep].float())  # (M, N)
        if "batch_idx" in batch and "batch_idx" in detections:
            iou *= batch["batch_idx"].view(-1, 1) == detections["batch_idx"][keep].view(1, -1)
        iou = iou.cpu().numpy()
        gi, di = np.nonzero(iou > iou_thres)
        order = np.argsort(-iou[gi, di], kind="stable")
        gi, di = gi[order], di[order]
        _, first = np.unique(di, return_index=True)  # best ground truth per detection
        gi, di = gi[first], di[first]
        order = np.argsort(-iou[gi, di], kind="stable")
        gi, di = gi[order], di[order]
        _, first = np.unique(gi, return_index=True)  # then best detection per ground truth
        gi, di = gi[first], di[first]
        np.add.at(self.matrix, (det_cls[di], gt_cls[gi]), 1)
        missed = np.setdiff1d(np.arange(len(gt_cls)), gi)
        extra = np.setdiff1d(np.arange(len(det_cls)), di)
        np.add.at(self.matrix, (bg, gt_cls[missed]), 1)
        np.add.at(self.matrix, (det_cls[extra], bg), 1)

    def tp_fp(self) -> tuple[np.ndarray, np.ndarray]:
        """(true positives, false positives) per class, background excluded for detect."""
        tp = self.matrix.diagonal()
        fp = self.matrix.sum(1) - tp
        return (tp[:-1], fp[:-1]) if self.task == "detect" else (tp, fp)

    def summary(self, normalize: bool = False, decimals: int = 5) -> list[dict[str, Any]]:
        """One dict per predicted row: {'Predicted': name, <true name>: count, ...}."""
        labels = [*self.names.values(), "background"][: len(self.matrix)]
        m = self.matrix / (self.matrix.sum(0, keepdims=True) + 1e-9) if normalize else self.matrix
        return [{"Predicted": labels[i], **{labels[j]: round(float(m[i, j]), decimals) for j in range(len(m))}}
                for i in range(len(m))]  # fmt: skip

    def print(self) -> None:
        for row in self.matrix:
            LOGGER.info(" ".join(f"{v:6.0f}" for v in row))

    def plot(self, normalize: bool = True, save_dir: str | Path = "", on_plot=None) -> None:
        """confusion_matrix[_normalized].png in save_dir (matplotlib Agg)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        m = self.matrix / (self.matrix.sum(0, keepdims=True) + 1e-9) if normalize else self.matrix
        labels = [*self.names.values(), "background"][: len(m)]
        fig, ax = plt.subplots(figsize=(max(4, len(m) * 0.6 + 2),) * 2, tight_layout=True)
        ax.imshow(m, cmap="Blues")
        ax.set(xticks=range(len(m)), yticks=range(len(m)), xlabel="True", ylabel="Predicted",
               title="Confusion Matrix" + (" Normalized" if normalize else ""))  # fmt: skip
        ax.set_xticklabels(labels, rotation=90)
        ax.set_yticklabels(labels)
        f = Path(save_dir) / f"confusion_matrix{'_normalized' if normalize else ''}.png"
        f.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(f, dpi=150)
        plt.close(fig)
        if on_plot:
            on_plot(f)


__all__ = ["ConfusionMatrix"]
