"""Focal-style classification losses: FocalLoss (hard examples weighted up) and VarifocalLoss (IoU-aware targets)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FocalLoss(nn.Module):
    """BCE-with-logits scaled by (1 - p_t)**gamma and, when alpha > 0, by alpha (positives) / 1 - alpha (negatives);
    summed over classes, averaged over the rest."""

    def __init__(self, gamma: float = 1.5, alpha: float = 0.25) -> None:
        super().__init__()
        self.gamma, self.alpha = gamma, alpha

    def forward(self, pred: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """pred: logits; label: targets in [0, 1], same shape."""
        loss = F.binary_cross_entropy_with_logits(pred, label, reduction="none")
        p = pred.sigmoid()
        p_t = label * p + (1 - label) * (1 - p)
        loss = loss * (1.0 - p_t) ** self.gamma
        if self.alpha > 0:
            loss = loss * (label * self.alpha + (1 - label) * (1 - self.alpha))
        return loss.mean(1).sum() if loss.dim() > 1 else loss.mean()


class VarifocalLoss(nn.Module):
    """Varifocal loss: positives weighted by their IoU-aware target score, negatives by alpha * p**gamma."""

    def __init__(self, gamma: float = 2.0, alpha: float = 0.75) -> None:
        super().__init__()
        self.gamma, self.alpha = gamma, alpha

    def forward(self, pred_score: torch.Tensor, gt_score: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """pred_score: logits; gt_score: soft targets (IoU); label: 1 for positives, 0 for negatives."""
        weight = self.alpha * pred_score.sigmoid().pow(self.gamma) * (1 - label) + gt_score * label
        with torch.autocast(device_type=pred_score.device.type, enabled=False):
            loss = F.binary_cross_entropy_with_logits(pred_score.float(), gt_score.float(), reduction="none") * weight
        return loss.mean(1).sum() if loss.dim() > 1 else loss.mean()


__all__ = ["FocalLoss", "VarifocalLoss"]
