"""OBBValidator: rotated-box mAP with probabilistic IoU (ProbIoU) matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ultralytics_clone.models.yolo.detect.val import DetectionValidator
from ultralytics_clone.utils.metrics.ap import match_predictions
from ultralytics_clone.utils.metrics.iou import batch_probiou
from ultralytics_clone.utils.metrics.multitask import OBBMetrics
from ultralytics_clone.utils.ops import scale_boxes, xywhr2xyxyxyxy


def _bounds(rboxes: torch.Tensor) -> torch.Tensor:
    """Axis-aligned xyxy bounds (Tensor[N, 4]) of rotated boxes (Tensor[N, 5] xywhr)."""
    pts = xywhr2xyxyxyxy(rboxes)
    return torch.cat((pts.amin(1), pts.amax(1)), -1)


class OBBValidator(DetectionValidator):
    """`OBBValidator(args=dict(model="yolo11n-obb.pt", data="shapes-obb.yaml"))()` -> results_dict ('(B)' keys)."""

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        super().__init__(dataloader, save_dir, args, _callbacks)
        self.args.task = "obb"
        self.metrics = OBBMetrics()

    def init_metrics(self, model: torch.nn.Module) -> None:
        super().init_metrics(model)
        self.metrics = OBBMetrics(names=self.names)

    def postprocess(self, preds: Any) -> list[torch.Tensor]:
        """Per-image Tensor[n, 7] (cx, cy, w, h, conf, cls, angle) after rotated NMS."""
        from ultralytics_clone.utils.nms import non_max_suppression

        return non_max_suppression(preds, self.args.conf, self.args.iou, multi_label=True,
                                   agnostic=self.args.single_cls or self.args.agnostic_nms, max_det=self.args.max_det,
                                   nc=self.nc, rotated=True, end2end=self.end2end)  # fmt: skip

    def _prepare_batch(self, si: int, batch: dict) -> dict:
        """Image si's labels: cls (G,), bboxes (G, 5) xywhr in original-image pixels, shapes."""
        idx = batch["batch_idx"] == si
        cls, bbox = batch["cls"][idx].squeeze(-1), batch["bboxes"][idx].clone()
        ori_shape, imgsz, ratio_pad = batch["ori_shape"][si], batch["img"].shape[2:], batch["ratio_pad"][si]
        if len(cls):
            bbox[:, :4] *= torch.tensor(imgsz, device=self.device)[[1, 0, 1, 0]]
            bbox = scale_boxes(imgsz, bbox, ori_shape, ratio_pad=ratio_pad, xywh=True)
        return {"cls": cls, "bboxes": bbox, "ori_shape": ori_shape, "imgsz": imgsz, "ratio_pad": ratio_pad}

    def _prepare_pred(self, pred: torch.Tensor, pbatch: dict) -> torch.Tensor:
        """Rows (cx, cy, w, h, conf, cls, angle) scaled to original-image pixels (a copy)."""
        predn = pred.clone()
        if self.args.single_cls:
            predn[:, 5] = 0
        predn[:, :4] = scale_boxes(pbatch["imgsz"], predn[:, :4], pbatch["ori_shape"], ratio_pad=pbatch["ratio_pad"],
                                   xywh=True)  # fmt: skip
        return predn

    def _process_batch(self, detections: torch.Tensor, gt_bboxes: torch.Tensor, gt_cls: torch.Tensor) -> torch.Tensor:
        """Bool Tensor[n, 10]: rotated detection is a true positive at each ProbIoU threshold."""
        if len(detections) == 0 or len(gt_cls) == 0:
            return torch.zeros((len(detections), self.niou), dtype=torch.bool)
        rboxes = torch.cat((detections[:, :4], detections[:, -1:]), -1)
        iou = batch_probiou(gt_bboxes.float(), rboxes.float())
        return match_predictions(detections[:, 5], gt_cls, iou, self.iouv)

    def update_metrics(self, preds: list[torch.Tensor], batch: dict) -> None:
        """Match each image's rotated predictions to its labels; confusion matrix on their axis-aligned bounds."""
        plots, self.args.plots = self.args.plots, False  # DetectionValidator's own matrix call would take xywh as xyxy
        save_json, self.args.save_json = self.args.save_json, False
        try:
            super().update_metrics(preds, batch)
        finally:
            self.args.plots, self.args.save_json = plots, save_json
        if not (plots or save_json):
            return
        for si, pred in enumerate(preds):
            pbatch = self._prepare_batch(si, batch)
            predn = self._prepare_pred(pred, pbatch)
            if plots:  # the confusion matrix matches axis-aligned bounds of the rotated boxes
                self.confusion_matrix.process_batch(
                    {"bboxes": _bounds(torch.cat((predn[:, :4], predn[:, -1:]), -1)), "conf": predn[:, 4],
                     "cls": predn[:, 5]}, {"bboxes": _bounds(pbatch["bboxes"]), "cls": pbatch["cls"]})  # fmt: skip
            if save_json:
                self._rboxes_to_json(predn, batch["im_file"][si])

    def _rboxes_to_json(self, predn: torch.Tensor, filename: str) -> None:
        """DOTA-style rows: image_id, category_id, rbox (cx, cy, w, h, angle), poly (8 corner coordinates), score."""
        stem = Path(filename).stem
        image_id = int(stem) if stem.isnumeric() else stem
        rbox = torch.cat((predn[:, :4], predn[:, -1:]), -1)
        poly = xywhr2xyxyxyxy(rbox).view(-1, 8)
        for r, p, s, c in zip(rbox.tolist(), poly.tolist(), predn[:, 4].tolist(), predn[:, 5].tolist()):
            self.jdict.append({"image_id": image_id, "category_id": int(c), "score": round(s, 5),
                               "rbox": [round(x, 3) for x in r], "poly": [round(x, 3) for x in p]})  # fmt: skip


__all__ = ["OBBValidator"]
