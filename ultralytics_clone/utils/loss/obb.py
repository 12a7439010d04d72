"""Oriented-box loss: rotated task-aligned assignment, ProbIoU + DFL box terms, BCE classes."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils.loss.box import RotatedBboxLoss
from ultralytics_clone.utils.loss.detect import pad_targets, raw_output, v8DetectionLoss
from ultralytics_clone.utils.tal import RotatedTaskAlignedAssigner, dist2rbox


class v8OBBLoss(v8DetectionLoss):
    """Items: box, cls, dfl. Targets: batch["bboxes"] (Tensor[N, 5]) xywhr with xywh normalised, r in radians;
    predictions decode as in the head: distances rotated by the predicted angle about the anchor (xywhr)."""

    def __init__(self, model: nn.Module, tal_topk: int = 10, tal_topk2: int | None = None) -> None:
        super().__init__(model, tal_topk, tal_topk2)
        self.assigner = RotatedTaskAlignedAssigner(
            topk=tal_topk, num_classes=self.nc, alpha=0.5, beta=6.0, topk2=tal_topk2
        )
        self.bbox_loss = RotatedBboxLoss(self.reg_max).to(self.device)

    def build_targets(self, batch: dict, bs: int, imgsz: torch.Tensor):
        """Batch labels -> (gt_labels Tensor[B, M, 1], gt_bboxes Tensor[B, M, 5] xywhr pixels, mask_gt, gt_index)."""
        device = imgsz.device
        values = torch.cat((batch["cls"].view(-1, 1), batch["bboxes"].view(-1, 5)), 1).to(device, imgsz.dtype)
        padded, mask_gt, gt_index = pad_targets(batch["batch_idx"].to(device), values, bs)
        gt_labels, gt_bboxes = padded.split((1, 5), 2)
        if gt_bboxes.shape[1]:
            gt_bboxes = torch.cat((gt_bboxes[..., :4] * imgsz[[1, 0, 1, 0]], gt_bboxes[..., 4:]), -1)
        return gt_labels, gt_bboxes, mask_gt, gt_index

    def decode_boxes(self, anchor_points: torch.Tensor, pred_distri: torch.Tensor, extra: Any = None) -> torch.Tensor:
        """Distances (decoded like the head) + angles (Tensor[B, A, 1]) -> xywhr (Tensor[B, A, 5]), grid units."""
        if self.use_dfl:
            b, a, c = pred_distri.shape
            pred_distri = pred_distri.view(b, a, 4, c // 4).softmax(3) @ self.proj.to(pred_distri.dtype)
        return torch.cat((dist2rbox(pred_distri, extra, anchor_points), extra), -1)

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (gained losses * batch size, detached Tensor[3]: box, cls, dfl)."""
        preds = raw_output(preds)
        if isinstance(preds, dict):
            return self.end2end(preds, batch)
        feats, pred_angle = preds[:2]
        loss, _ = self.detection_terms(feats, batch, extra=pred_angle.permute(0, 2, 1))
        loss = loss * torch.tensor([self.hyp.box, self.hyp.cls, self.hyp.dfl], device=loss.device)
        return loss * feats[0].shape[0], loss.detach()
