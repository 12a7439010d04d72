"""Detection and classification heads; Segment/Pose/OBB and the YOLO26 variants live in task_heads.py.

Output contract (shared with utils/loss): see `Detect.forward`. A head built with `end2end=True` (YOLO26) carries a
second, one-to-one branch (`one2one_cv2`, `one2one_cv3`, ...) trained for NMS-free inference. Its eval output is the
one-to-many branch (NMS needed) unless `head.end2end` is switched on, then it is Tensor[B, max_det, 6 + extra]
(x1, y1, x2, y2, score, class, extra...), best first.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ultralytics_clone.nn.modules.block import DFL
from ultralytics_clone.nn.modules.conv import Conv, DWConv
from ultralytics_clone.utils.tal import dist2bbox, make_anchors


def _box_branch(c_in: int, c_mid: int, c_out: int) -> nn.Sequential:
    """Two 3x3 Convs then a 1x1 Conv2d with bias."""
    return nn.Sequential(Conv(c_in, c_mid, 3), Conv(c_mid, c_mid, 3), nn.Conv2d(c_mid, c_out, 1))


def _cls_branch(c_in: int, c_mid: int, nc: int, legacy: bool) -> nn.Sequential:
    """Class branch: plain 3x3 Convs (legacy, YOLOv8) or depth-wise 3x3 + point-wise 1x1 pairs (YOLO11/26)."""
    if legacy:
        return _box_branch(c_in, c_mid, nc)
    return nn.Sequential(
        nn.Sequential(DWConv(c_in, c_in, 3), Conv(c_in, c_mid, 1)),
        nn.Sequential(DWConv(c_mid, c_mid, 3), Conv(c_mid, c_mid, 1)),
        nn.Conv2d(c_mid, nc, 1),
    )


class Detect(nn.Module):
    """Anchor-free detection head over nl feature levels: box distances (4*reg_max) + class logits (nc) per anchor.

    training: list of Tensor[B, 4*reg_max + nc, H, W] per level; with a one-to-one branch a dict
    {"one2many": list, "one2one": list}. eval: (y, raw) with y Tensor[B, 4 + nc, A] (cx, cy, w, h in input pixels,
    sigmoid scores), or y Tensor[B, max_det, 6] when `end2end` is on; `export=True` returns y alone.
    """

    dynamic = False  # rebuild anchors on every call
    export = False
    format = None  # export format name, set by the exporter
    max_det = 300
    shape = None
    anchors = torch.empty(0)
    strides = torch.empty(0)

    def __init__(self, nc: int = 80, reg_max: int = 16, end2end: bool = False, ch: tuple[int, ...] = (),
                 legacy: bool = False):
        super().__init__()
        self.nc = nc
        self.nl = len(ch)
        self.reg_max = reg_max
        self.no = nc + 4 * reg_max
        self.stride = torch.zeros(self.nl)
        c2 = max(16, ch[0] // 4, 4 * reg_max)
        c3 = max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(_box_branch(x, c2, 4 * reg_max) for x in ch)
        self.cv3 = nn.ModuleList(_cls_branch(x, c3, nc, legacy) for x in ch)
        self.dfl = DFL(reg_max) if reg_max > 1 else nn.Identity()
        if end2end:
            self.one2one_cv2 = copy.deepcopy(self.cv2)
            self.one2one_cv3 = copy.deepcopy(self.cv3)
        self._end2end = end2end

    @property
    def has_one2one(self) -> bool:
        """Whether the head carries a YOLO26 one-to-one branch (structural; fixed at build time)."""
        return "one2one_cv2" in self._modules

    @property
    def end2end(self) -> bool:
        """Eval returns the NMS-free one-to-one output (needs a one-to-one branch); settable."""
        return bool(getattr(self, "_end2end", False)) and self.has_one2one

    @end2end.setter
    def end2end(self, value: bool) -> None:
        self._end2end = bool(value)

    def forward_head(self, x: list[torch.Tensor], one2one: bool = False, shared=None):
        """Raw per-level outputs of one branch: list of Tensor[B, no, H, W]."""
        cv2, cv3 = (self.one2one_cv2, self.one2one_cv3) if one2one else (self.cv2, self.cv3)
        return [torch.cat((cv2[i](x[i]), cv3[i](x[i])), 1) for i in range(self.nl)]

    def forward(self, x: list[torch.Tensor]):
        raw = self.forward_head(x)
        if self.has_one2one:
            o2o = self.forward_head([xi.detach() for xi in x], one2one=True, shared=raw)
            raw = {"one2many": raw, "one2one": o2o}
        if self.training:
            return raw
        branch = raw["one2one"] if self.end2end else raw["one2many"] if isinstance(raw, dict) else raw
        y = self.inference(branch)
        if self.end2end:
            y = self.postprocess(y.permute(0, 2, 1), self.max_det)
        return self.export_output(y, raw) if self.export else (y, raw)

    def export_output(self, y: torch.Tensor, raw):
        """What forward returns when `export` is set: the decoded tensor alone (Segment adds its prototypes)."""
        return y

    def _boxes_and_scores(self, feats: list[torch.Tensor]) -> torch.Tensor:
        """Levels -> Tensor[B, 4 + nc, A]: boxes in input pixels (xyxy if end2end else xywh), sigmoid scores."""
        b = feats[0].shape[0]
        x_cat = torch.cat([f.view(b, self.no, -1) for f in feats], 2)
        if self.dynamic or self.shape != feats[0].shape:
            self.anchors, self.strides = (t.transpose(0, 1) for t in make_anchors(feats, self.stride, 0.5))
            self.shape = feats[0].shape
        box, cls = x_cat.split((4 * self.reg_max, self.nc), 1)
        dbox = self.decode_bboxes(self.dfl(box), self.anchors.unsqueeze(0)) * self.strides
        return torch.cat((dbox, cls.sigmoid()), 1)

    def inference(self, raw) -> torch.Tensor:
        """Decoded eval tensor Tensor[B, C, A] of one branch's raw output."""
        return self._boxes_and_scores(raw)

    def decode_bboxes(self, bboxes: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
        """Distances (Tensor[B, 4, A], grid units) -> boxes in grid units."""
        return dist2bbox(bboxes, anchors, xywh=not self.end2end, dim=1)

    def bias_init(self) -> None:
        """Box bias 1.0; class bias from a prior of ~5 objects per 640 image (needs `stride`)."""
        branches = [(self.cv2, self.cv3)] + ([(self.one2one_cv2, self.one2one_cv3)] if self.has_one2one else [])
        for box_b, cls_b in branches:
            for a, b, s in zip(box_b, cls_b, self.stride):
                a[-1].bias.data[:] = 1.0
                b[-1].bias.data[: self.nc] = math.log(5 / self.nc / (640 / float(s)) ** 2)

    def postprocess(self, preds: torch.Tensor, max_det: int) -> torch.Tensor:
        """NMS-free top-k: preds Tensor[B, A, 4 + nc + E] -> Tensor[B, k, 6 + E] (box, score, class, extra)."""
        b, a, c = preds.shape
        boxes, scores, extra = preds.split([4, self.nc, c - 4 - self.nc], dim=-1)
        k = min(max_det, a)
        top = scores.amax(dim=-1).topk(k)[1].unsqueeze(-1)  # best anchors by their best class
        boxes, scores = boxes.gather(1, top.expand(-1, -1, 4)), scores.gather(1, top.expand(-1, -1, self.nc))
        extra = extra.gather(1, top.expand(-1, -1, extra.shape[-1]))
        scores, flat = scores.flatten(1).topk(k)
        i = torch.arange(b, device=preds.device)[..., None]
        anchor = flat // self.nc
        cls = (flat % self.nc)[..., None].to(preds.dtype)
        return torch.cat([boxes[i, anchor], scores[..., None], cls, extra[i, anchor]], dim=-1)


class Classify(nn.Module):
    """1x1 Conv to 1280 channels, global average pool, dropout, linear to nc.

    training: logits Tensor[B, nc]; eval: (softmax probabilities, logits), the logits feeding the validation loss;
    `export=True` returns the probabilities alone.
    """

    export = False

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, p=None, g: int = 1):
        super().__init__()
        c_ = 1280
        self.conv = Conv(c1, c_, k, s, p, g)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(p=0.0, inplace=True)
        self.linear = nn.Linear(c_, c2)

    def forward(self, x: torch.Tensor | list[torch.Tensor]) -> torch.Tensor:
        if isinstance(x, list):
            x = torch.cat(x, 1)
        x = self.linear(self.drop(self.pool(self.conv(x)).flatten(1)))
        if self.training:
            return x
        y = x.softmax(1)
        return y if self.export else (y, x)


_TASK_HEADS = ("Segment", "Pose", "OBB", "Segment26", "Pose26", "OBB26")


def __getattr__(name: str):
    """`nn.modules.head.Segment` etc. keep working although those heads live in task_heads.py."""
    if name in _TASK_HEADS:
        from ultralytics_clone.nn.modules import task_heads

        return getattr(task_heads, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Detect", "Classify"]
