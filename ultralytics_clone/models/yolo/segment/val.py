"""SegmentationValidator: box mAP plus mask mAP (mask IoU of prototype masks against the label masks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ultralytics_clone.models.yolo.detect.val import DetectionValidator
from ultralytics_clone.utils.metrics.ap import match_predictions
from ultralytics_clone.utils.metrics.iou import mask_iou
from ultralytics_clone.utils.metrics.multitask import SegmentMetrics


def prototypes(preds: Any) -> torch.Tensor:
    """Prototypes Tensor[B, nm, h, w] from a segment model's output: (y, raw) of a PyTorch model (raw a tuple, or a
    {"one2many", "one2one"} dict for YOLO26) or (y, proto) from an exported model."""
    second = preds[1]
    if isinstance(second, dict):
        second = second["one2many"]
    if isinstance(second, torch.Tensor):
        return second
    return second[2] if isinstance(second[0], (list, tuple)) else second[-1]


class SegmentationValidator(DetectionValidator):
    """`SegmentationValidator(args=dict(model="yolo11n-seg.pt", data="shapes-seg.yaml"))()` -> results_dict with
    '(B)' and '(M)' keys."""

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        super().__init__(dataloader, save_dir, args, _callbacks)
        self.args.task = "segment"
        self.metrics = SegmentMetrics()
        self.process = None

    def preprocess(self, batch: dict) -> dict:
        """DetectionValidator's preprocessing plus the masks to the device."""
        batch = super().preprocess(batch)
        batch["masks"] = batch["masks"].to(self.device).float()
        return batch

    def init_metrics(self, model: torch.nn.Module) -> None:
        super().init_metrics(model)
        self.metrics = SegmentMetrics(names=self.names)
        from ultralytics_clone.utils.mask_ops import process_mask, process_mask_native

        self.process = process_mask_native if self.args.save_json else process_mask

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 10) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)", "Mask(P",
                                         "R", "mAP50", "mAP50-95)")  # fmt: skip

    def postprocess(self, preds: Any) -> list[dict]:
        """Per image {'rows': Tensor[n, 6 + nm] after NMS, 'proto': Tensor[nm, h, w]}."""
        from ultralytics_clone.utils.nms import non_max_suppression

        proto = prototypes(preds)
        rows = non_max_suppression(preds, self.args.conf, self.args.iou, multi_label=True,
                                   agnostic=self.args.single_cls or self.args.agnostic_nms, max_det=self.args.max_det,
                                   nc=self.nc, end2end=self.end2end)  # fmt: skip
        return [{"rows": r, "proto": p} for r, p in zip(rows, proto)]

    def _gt_masks(self, si: int, batch: dict, n: int) -> torch.Tensor:
        """Image si's label masks Tensor[n, h, w] (overlap index maps expanded to one mask per instance)."""
        masks = batch["masks"]
        if self.args.overlap_mask:
            return (masks[si][None] == torch.arange(1, n + 1, device=masks.device).view(-1, 1, 1)).float()
        return masks[batch["batch_idx"] == si]

    def update_metrics(self, preds: list[dict], batch: dict) -> None:
        """Box and mask true positives per image, appended to the metric stats."""
        for si, p in enumerate(preds):
            self.seen += 1
            pred = p["rows"]
            pbatch = self._prepare_batch(si, batch)
            cls = pbatch["cls"]
            predn = self._prepare_pred(pred, pbatch)
            gt_masks = self._gt_masks(si, batch, len(cls))
            pred_masks = self._pred_masks(pred, p["proto"], pbatch["imgsz"])
            tp = self._process_batch(predn, pbatch["bboxes"], cls)
            tp_m = self._mask_tp(pred_masks, gt_masks, predn[:, 5], cls)
            if self.args.plots:
                self.confusion_matrix.process_batch({"bboxes": predn[:, :4], "conf": predn[:, 4], "cls": predn[:, 5]},
                                                    {"bboxes": pbatch["bboxes"], "cls": cls})  # fmt: skip
            self.metrics.update_stats({
                "tp": tp.cpu().numpy(), "tp_m": tp_m.cpu().numpy(), "conf": predn[:, 4].float().cpu().numpy(),
                "pred_cls": predn[:, 5].float().cpu().numpy(), "target_cls": cls.float().cpu().numpy(),
                "target_img": np.unique(cls.cpu().numpy()),
            })  # fmt: skip
            if self.args.save_json:
                self._masks_to_json(predn, pred, p["proto"], pbatch, batch["im_file"][si])

    def _pred_masks(self, pred: torch.Tensor, proto: torch.Tensor, imgsz) -> torch.Tensor:
        """Binary masks Tensor[n, h, w] at prototype resolution, cropped to each box (input-image pixels)."""
        from ultralytics_clone.utils.mask_ops import process_mask

        if not len(pred):
            return torch.zeros((0, *proto.shape[1:]), device=proto.device)
        return process_mask(proto, pred[:, 6:], pred[:, :4], tuple(imgsz))

    def _mask_tp(self, pred_masks, gt_masks, pred_cls, gt_cls) -> torch.Tensor:
        """Bool Tensor[n, 10]: mask IoU matches at IoU 0.50:0.95 (label masks resized to the prediction's size)."""
        if len(pred_masks) == 0 or len(gt_cls) == 0:
            return torch.zeros((len(pred_masks), self.niou), dtype=torch.bool)
        if gt_masks.shape[1:] != pred_masks.shape[1:]:
            gt_masks = F.interpolate(gt_masks[None], pred_masks.shape[1:], mode="bilinear", align_corners=False)[0]
            gt_masks = gt_masks.gt_(0.5)
        iou = mask_iou(gt_masks.flatten(1), pred_masks.flatten(1).float())
        return match_predictions(pred_cls, gt_cls, iou, self.iouv)

    def _masks_to_json(self, predn, pred, proto, pbatch, filename: str) -> None:
        """COCO rows with 'segmentation' as RLE of the masks at original-image size (pycocotools needed)."""
        from pycocotools import mask as mask_utils

        rles = []
        if len(pred):
            masks = self.process(proto, pred[:, 6:], predn[:, :4], tuple(int(x) for x in pbatch["ori_shape"]))
            rles = [mask_utils.encode(np.asfortranarray(m, dtype=np.uint8)) for m in masks.cpu().numpy()]
            for rle in rles:
                rle["counts"] = rle["counts"].decode("utf-8")
        self._pred_to_json_with(predn, filename, "segmentation", rles)

    @property
    def metric_keys(self) -> list[str]:
        return self.metrics.keys


__all__ = ["SegmentationValidator"]
