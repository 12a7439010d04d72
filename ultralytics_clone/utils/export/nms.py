"""NMSModel: a detection network followed by NMS, traceable into ONNX (NonZero + NonMaxSuppression + ScatterND)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class NMSModel(nn.Module):
    """Wraps a detect model so its output is Tensor[B, max_det, 6]: x1, y1, x2, y2, score, class (pixels), best first.

    Rows past an image's detections are zeros. Thresholds come from `args` (conf, default 0.25; iou; max_det;
    agnostic_nms), exactly as predict applies them, so exported results equal predict's.
    """

    def __init__(self, model: nn.Module, args: Any):
        super().__init__()
        self.model = model
        self.args = args
        self.obb = False
        self.is_tf = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import torchvision

        y = self.model(x)
        y = y[0] if isinstance(y, (list, tuple)) else y  # Tensor[B, 4 + nc, A]
        b, c, a = y.shape
        nc = c - 4
        conf = float(self.args.conf if self.args.conf is not None else 0.25)
        max_det = int(self.args.max_det)
        pred = y.transpose(1, 2).reshape(b * a, c)
        score, cls = pred[:, 4:].max(1)
        img = torch.arange(b, device=x.device).repeat_interleave(a)
        idx = torch.nonzero(score > conf).squeeze(1)
        xy, wh = pred[idx, :2], pred[idx, 2:4]
        boxes = torch.cat((xy - wh / 2, xy + wh / 2), 1)
        score, cls, img = score[idx], cls[idx], img[idx]
        groups = img if self.args.agnostic_nms else img * nc + cls
        keep = torchvision.ops.batched_nms(boxes, score, groups, float(self.args.iou))  # best first
        img = img[keep]
        one_hot = (img[:, None] == torch.arange(b, device=x.device)[None]).to(torch.int64)
        rank = (one_hot.cumsum(0) - 1).gather(1, img[:, None]).squeeze(1)  # position within its image
        sel = torch.nonzero(rank < max_det).squeeze(1)
        keep, img, rank = keep[sel], img[sel], rank[sel]
        rows = torch.cat((boxes[keep], score[keep, None], cls[keep, None].to(boxes.dtype)), 1)
        out = torch.zeros(b, max_det, 6, dtype=y.dtype, device=y.device)
        out[img, rank] = rows
        return out
