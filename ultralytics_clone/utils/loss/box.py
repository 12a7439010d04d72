"""Box regression losses: CIoU / ProbIoU plus Distribution Focal Loss, and the OKS-based keypoint loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ultralytics_clone.utils.metrics.iou import _xywh2xyxy, bbox_iou, probiou
from ultralytics_clone.utils.tal import bbox2dist


class DFLoss(nn.Module):
    """Distribution Focal Loss: cross-entropy towards the two integer bins around each continuous target distance."""

    def __init__(self, reg_max: int = 16) -> None:
        super().__init__()
        self.reg_max = reg_max

    def __call__(self, pred_dist: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """pred_dist (Tensor[n*4, reg_max]) logits, target (Tensor[n, 4]) distances in bins -> Tensor[n, 1]."""
        target = target.clamp(0, self.reg_max - 1 - 0.01)
        left = target.long()
        w_left = (left + 1) - target
        shape = left.shape
        ce_left = F.cross_entropy(pred_dist, left.view(-1), reduction="none").view(shape)
        ce_right = F.cross_entropy(pred_dist, (left + 1).view(-1), reduction="none").view(shape)
        return (ce_left * w_left + ce_right * (1 - w_left)).mean(-1, keepdim=True)


class BboxLoss(nn.Module):
    """CIoU loss plus DFL over foreground anchors, both weighted by the anchors' target scores; reg_max 1: no DFL."""

    def __init__(self, reg_max: int = 16) -> None:
        super().__init__()
        self.dfl_loss = DFLoss(reg_max) if reg_max > 1 else None

    def _iou(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Overlap of paired foreground boxes (xyxy) -> Tensor[n, 1]."""
        return bbox_iou(pred, target, xywh=False, CIoU=True)

    def _dfl_target_boxes(self, target_bboxes: torch.Tensor) -> torch.Tensor:
        """Boxes the DFL targets are measured to (xyxy)."""
        return target_bboxes

    def forward(self, pred_dist, pred_bboxes, anchor_points, target_bboxes, target_scores, target_scores_sum, fg_mask):
        """Return (iou_loss, dfl_loss) scalars.

        pred_dist (Tensor[B, A, 4*reg_max]); pred_bboxes, target_bboxes (Tensor[B, A, 4|5]) in grid units;
        anchor_points (Tensor[A, 2]); target_scores (Tensor[B, A, C]); fg_mask (Tensor[B, A] bool).
        """
        weight = target_scores.sum(-1)[fg_mask].unsqueeze(-1)
        iou = self._iou(pred_bboxes[fg_mask], target_bboxes[fg_mask])
        loss_iou = ((1.0 - iou) * weight).sum() / target_scores_sum
        if self.dfl_loss is None:
            return loss_iou, pred_dist.new_zeros(())
        reg_max = self.dfl_loss.reg_max
        target_ltrb = bbox2dist(anchor_points, self._dfl_target_boxes(target_bboxes), reg_max - 1)
        dfl = self.dfl_loss(pred_dist[fg_mask].view(-1, reg_max), target_ltrb[fg_mask])
        return loss_iou, (dfl * weight).sum() / target_scores_sum


class RotatedBboxLoss(BboxLoss):
    """ProbIoU loss for rotated boxes (xywhr) plus DFL on their axis-aligned extent."""

    def _iou(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """ProbIoU of paired xywhr boxes -> Tensor[n, 1]."""
        return probiou(pred, target)

    def _dfl_target_boxes(self, target_bboxes: torch.Tensor) -> torch.Tensor:
        """The unrotated xyxy box of each xywhr target."""
        return _xywh2xyxy(target_bboxes[..., :4])


class KeypointLoss(nn.Module):
    """1 - OKS per visible keypoint, with COCO-style per-keypoint sigmas, scaled by the share of visible keypoints."""

    def __init__(self, sigmas: torch.Tensor) -> None:
        super().__init__()
        self.sigmas = sigmas

    def forward(self, pred_kpts, gt_kpts, kpt_mask, area):
        """pred_kpts, gt_kpts (Tensor[n, K, 2+]): xy in grid units; kpt_mask (Tensor[n, K]); area (Tensor[n, 1])."""
        d = (pred_kpts[..., 0] - gt_kpts[..., 0]).pow(2) + (pred_kpts[..., 1] - gt_kpts[..., 1]).pow(2)
        kpt_mask = kpt_mask.to(d.dtype)
        factor = kpt_mask.shape[1] / (kpt_mask.sum(1, keepdim=True) + 1e-9)  # upweight sparsely labelled instances
        e = d / ((2 * self.sigmas).pow(2) * (area + 1e-9) * 2)
        return (factor * ((1 - torch.exp(-e)) * kpt_mask)).mean()
