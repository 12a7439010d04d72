"""Classification loss: mean cross-entropy of the logits against integer class labels."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class v8ClassificationLoss:
    """Items: loss (Tensor[1]). Accepts logits Tensor[B, nc] or an eval tuple whose second element holds them."""

    def __init__(self, model: nn.Module | None = None, *args: Any, **kwargs: Any) -> None:
        self.model = None  # nothing to read from the model; the argument keeps the LossClass(model) signature

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (mean CE * batch size as Tensor[1], detached Tensor[1])."""
        logits = preds[1] if isinstance(preds, (list, tuple)) else preds
        target = batch["cls"].view(-1).long().to(logits.device)
        loss = F.cross_entropy(logits, target, reduction="mean").view(1)
        return loss * logits.shape[0], loss.detach()
