"""Classification loss: mean cross-entropy of the logits against integer class labels."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class v8ClassificationLoss:
    """Items: loss (Tensor[1]). Accepts logits Tensor[B, nc] or an eval tuple whose second element holds them.
    `label_smoothing` comes from the model's run args (`model.args`, 0.0 without a model)."""

    def __init__(self, model: nn.Module | None = None, *args: Any, **kwargs: Any) -> None:
        self.model = None
        run_args = getattr(model, "args", None)
        value = run_args.get("label_smoothing") if isinstance(run_args, dict) else getattr(run_args, "label_smoothing", 0)
        self.label_smoothing = float(value or 0.0)

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (mean CE * batch size as Tensor[1], detached Tensor[1])."""
        logits = preds[1] if isinstance(preds, (list, tuple)) else preds
        target = batch["cls"].view(-1).long().to(logits.device)
        loss = F.cross_entropy(logits, target, reduction="mean", label_smoothing=self.label_smoothing).view(1)
        return loss * logits.shape[0], loss.detach()
