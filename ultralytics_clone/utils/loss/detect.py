"""Detection losses: v8DetectionLoss (task-aligned assignment, CIoU + DFL + BCE) and E2ELoss for YOLO26's dual heads."""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils.loss.box import BboxLoss
from ultralytics_clone.utils.metrics.iou import _xywh2xyxy
from ultralytics_clone.utils.tal import TaskAlignedAssigner, dist2bbox, make_anchors

_HYP_FALLBACK = {"box": 7.5, "cls": 0.5, "dfl": 1.5, "pose": 12.0, "kobj": 1.0, "overlap_mask": True}


def loss_hyp(model: nn.Module) -> SimpleNamespace:
    """Loss gains from `model.args` (namespace or dict), falling back to the cfg defaults for missing keys."""
    try:
        from ultralytics_clone.cfg import DEFAULT_CFG_DICT

        defaults = {k: DEFAULT_CFG_DICT.get(k, v) for k, v in _HYP_FALLBACK.items()}
    except ImportError:  # cfg not importable (partial install): the documented defaults
        defaults = dict(_HYP_FALLBACK)
    args = getattr(model, "args", None)
    if isinstance(args, dict):
        return SimpleNamespace(**{k: args.get(k, v) for k, v in defaults.items()})
    return SimpleNamespace(**{k: getattr(args, k, v) for k, v in defaults.items()})


def raw_output(preds: Any) -> Any:
    """Eval output (y, raw) -> raw; the training output passes through."""
    return preds[1] if isinstance(preds, tuple) and isinstance(preds[0], torch.Tensor) else preds


def pad_targets(batch_idx: torch.Tensor, values: torch.Tensor, batch_size: int):
    """Scatter per-instance rows into per-image slots without loops.

    batch_idx (Tensor[N]), values (Tensor[N, D]) -> (padded Tensor[B, M, D], mask Tensor[B, M, 1] bool,
    index Tensor[B, M] long: the row of `values` each slot holds, 0 for padding). M is the largest per-image count.
    """
    i = batch_idx.long().view(-1)
    counts = torch.bincount(i, minlength=batch_size)[:batch_size]
    n_max = int(counts.max()) if i.numel() else 0
    padded = values.new_zeros((batch_size, n_max, values.shape[-1]))
    index = torch.zeros((batch_size, n_max), dtype=torch.long, device=values.device)
    if n_max:
        order = i.argsort(stable=True)
        starts = counts.cumsum(0) - counts
        slot = torch.arange(i.numel(), device=i.device) - starts[i[order]]
        padded[i[order], slot] = values[order]
        index[i[order], slot] = order
    mask = torch.arange(n_max, device=values.device).view(1, -1) < counts.view(-1, 1)
    return padded, mask.unsqueeze(-1), index


def _scale_boxes(boxes: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Multiply the first 4 columns (xyxy or xywh) by `scale`, keeping any angle column as is."""
    if boxes.shape[-1] == 4:
        return boxes * scale
    return torch.cat((boxes[..., :4] * scale, boxes[..., 4:]), -1)


class v8DetectionLoss:
    """YOLOv8/11 detection loss: box (CIoU), cls (BCE on soft task-aligned targets) and dfl terms, each times its gain.

    `tal_topk` anchors per GT are assigned; `tal_topk2` (one-to-one branch) then keeps that many per GT.
    `self.bce` (BCEWithLogitsLoss, reduction none) may be replaced, e.g. with class weights as `pos_weight`.
    """

    def __init__(self, model: nn.Module, tal_topk: int = 10, tal_topk2: int | None = None) -> None:
        self.device = next(model.parameters()).device
        head = model.model[-1]
        self.hyp = loss_hyp(model)
        self.bce = nn.BCEWithLogitsLoss(reduction="none")
        self.stride = head.stride
        self.nc = head.nc
        self.reg_max = head.reg_max
        self.no = self.nc + self.reg_max * 4
        self.use_dfl = self.reg_max > 1
        dual = getattr(head, "has_one2one", getattr(head, "end2end", False))  # YOLO26: small-target-aware candidates
        stal = [float(s) for s in head.stride] if dual else None
        self.assigner = TaskAlignedAssigner(
            topk=tal_topk, num_classes=self.nc, alpha=0.5, beta=6.0, topk2=tal_topk2, stride=stal
        )
        self.bbox_loss = BboxLoss(self.reg_max).to(self.device)
        self.proj = torch.arange(self.reg_max, dtype=torch.float, device=self.device)

    def preprocess(self, targets: torch.Tensor, batch_size: int, scale_tensor: torch.Tensor) -> torch.Tensor:
        """targets (Tensor[N, 6]: image, cls, xywhn) -> Tensor[B, M, 5]: cls, xyxy in pixels (zeros for padding)."""
        padded, _, _ = pad_targets(targets[:, 0], targets[:, 1:], batch_size)
        if padded.shape[1]:
            padded[..., 1:5] = _xywh2xyxy(padded[..., 1:5] * scale_tensor)
        return padded

    def bbox_decode(self, anchor_points: torch.Tensor, pred_dist: torch.Tensor) -> torch.Tensor:
        """pred_dist (Tensor[B, A, 4*reg_max]) -> xyxy boxes (Tensor[B, A, 4]) in grid units."""
        if self.use_dfl:
            b, a, c = pred_dist.shape
            pred_dist = pred_dist.view(b, a, 4, c // 4).softmax(3) @ self.proj.to(pred_dist.dtype)
        return dist2bbox(pred_dist, anchor_points, xywh=False)

    def parse_feats(self, feats: list[torch.Tensor]):
        """Per-level head maps -> (pred_distri Tensor[B, A, 4*reg_max], pred_scores Tensor[B, A, nc], anchors,
        strides, imgsz Tensor[2] (h, w) in pixels)."""
        bs = feats[0].shape[0]
        flat = torch.cat([f.view(bs, self.no, -1) for f in feats], 2)
        pred_distri, pred_scores = flat.split((self.reg_max * 4, self.nc), 1)
        imgsz = torch.tensor(feats[0].shape[2:], device=flat.device, dtype=torch.float32) * float(self.stride[0])
        anchor_points, stride_tensor = make_anchors(feats, self.stride, 0.5)
        pred_distri, pred_scores = pred_distri.permute(0, 2, 1).contiguous(), pred_scores.permute(0, 2, 1).contiguous()
        return pred_distri, pred_scores, (anchor_points, stride_tensor, imgsz)

    def build_targets(self, batch: dict, bs: int, imgsz: torch.Tensor):
        """Batch labels -> (gt_labels Tensor[B, M, 1], gt_bboxes Tensor[B, M, 4] xyxy pixels, mask_gt, gt_index)."""
        device = imgsz.device
        values = torch.cat((batch["cls"].view(-1, 1), batch["bboxes"].view(-1, 4)), 1).to(device, imgsz.dtype)
        padded, mask_gt, gt_index = pad_targets(batch["batch_idx"].to(device), values, bs)
        gt_labels, gt_bboxes = padded.split((1, 4), 2)
        if gt_bboxes.shape[1]:
            gt_bboxes = _xywh2xyxy(gt_bboxes * imgsz[[1, 0, 1, 0]])
        return gt_labels, gt_bboxes, mask_gt, gt_index

    def decode_boxes(self, anchor_points: torch.Tensor, pred_distri: torch.Tensor, extra: Any = None) -> torch.Tensor:
        """Predicted boxes in grid units for the assigner and the box loss (xyxy here; OBB overrides)."""
        return self.bbox_decode(anchor_points, pred_distri)

    def detection_terms(self, feats: list[torch.Tensor], batch: dict, extra: Any = None):
        """Box / cls / dfl losses (ungained, Tensor[3]) and the assignment state (dict) the task losses build on."""
        pred_distri, pred_scores, (anchor_points, stride_tensor, imgsz) = self.parse_feats(feats)
        bs, dtype = pred_scores.shape[0], pred_scores.dtype
        gt_labels, gt_bboxes, mask_gt, gt_index = self.build_targets(batch, bs, imgsz)
        pred_bboxes = self.decode_boxes(anchor_points, pred_distri, extra)
        _, target_bboxes, target_scores, fg_mask, target_gt_idx = self.assigner(
            pred_scores.detach().sigmoid(),
            _scale_boxes(pred_bboxes.detach(), stride_tensor).to(gt_bboxes.dtype),
            anchor_points * stride_tensor,
            gt_labels,
            gt_bboxes,
            mask_gt,
        )
        target_scores_sum = target_scores.sum().clamp(min=1)
        loss = torch.zeros(3, device=pred_scores.device)  # box, cls, dfl
        loss[1] = self.bce(pred_scores, target_scores.to(dtype)).sum() / target_scores_sum
        target_bboxes = _scale_boxes(target_bboxes, 1 / stride_tensor)
        loss[0], loss[2] = self.bbox_loss(
            pred_distri, pred_bboxes, anchor_points, target_bboxes, target_scores, target_scores_sum, fg_mask
        )
        state = dict(
            fg_mask=fg_mask,
            target_gt_idx=target_gt_idx,
            target_bboxes=target_bboxes,
            gt_index=gt_index,
            mask_gt=mask_gt,
            anchor_points=anchor_points,
            stride_tensor=stride_tensor,
            imgsz=imgsz,
            target_scores=target_scores,
            target_scores_sum=target_scores_sum,
        )
        return loss, state

    def end2end(self, preds: dict, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """A dual-branch output {"one2many", "one2one"} given to this single-branch loss: train both as E2ELoss does
        (this loss for one-to-many, a copy assigning top-7 then 1 anchor per GT for one-to-one)."""
        if getattr(self, "_one2one", None) is None:
            a = self.assigner
            one2one = copy.copy(self)
            one2one.assigner = type(a)(topk=7, num_classes=a.num_classes, alpha=a.alpha, beta=a.beta, eps=a.eps,
                                       topk2=1, stride=[a.min_size] if a.min_size else None)
            self._one2one = one2one
        loss_m, items_m = self(preds["one2many"], batch)
        loss_o, items_o = self._one2one(preds["one2one"], batch)
        return loss_m + loss_o, items_m + items_o

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (sum of gained losses * batch size, detached Tensor[3]: box, cls, dfl)."""
        feats = raw_output(preds)
        if isinstance(feats, dict):
            return self.end2end(feats, batch)
        loss, _ = self.detection_terms(feats, batch)
        loss = loss * torch.tensor([self.hyp.box, self.hyp.cls, self.hyp.dfl], device=loss.device)
        return loss * feats[0].shape[0], loss.detach()


class E2ELoss:
    """Loss for end-to-end (NMS-free, YOLO26) heads: one-to-many plus one-to-one branch, equally weighted.

    Both branches use the same task-aligned metric, so the one-to-one branch learns to fire on the anchor the
    one-to-many branch ranks best. One-to-many: top 10 anchors per GT. One-to-one: top 7 candidates per GT, an
    anchor claimed twice goes to the GT it overlaps most, then each GT keeps its single best remaining anchor
    (topk2=1): a GT whose favourite anchor went to a better-overlapping neighbour falls back on its next best
    candidate instead of being left without a positive (as it would be with topk=1). The returned
    loss items are the sum of both branches' items. `o2m` / `o2o` are the branch weights (1.0 each).
    """

    def __init__(self, model: nn.Module, loss_fn: Callable[..., Any] = v8DetectionLoss) -> None:
        self.one2many = loss_fn(model, tal_topk=10, tal_topk2=None)
        self.one2one = loss_fn(model, tal_topk=7, tal_topk2=1)
        self.o2m, self.o2o = 1.0, 1.0

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """preds: {"one2many": ..., "one2one": ...} (or (y, that dict) in eval mode) -> (loss, detached items)."""
        preds = preds[1] if isinstance(preds, tuple) else preds
        loss_m, items_m = self.one2many(preds["one2many"], batch)
        loss_o, items_o = self.one2one(preds["one2one"], batch)
        return loss_m * self.o2m + loss_o * self.o2o, items_m * self.o2m + items_o * self.o2o
