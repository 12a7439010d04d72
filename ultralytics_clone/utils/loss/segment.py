"""Instance segmentation loss: detection terms plus a per-instance mask BCE inside each GT box."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ultralytics_clone.utils.loss.detect import raw_output, v8DetectionLoss


class v8SegmentationLoss(v8DetectionLoss):
    """Items: box, seg, cls, dfl. Mask loss: BCE of sigmoid(coeffs @ proto) vs the GT mask, averaged inside the GT box
    per foreground anchor. `overlap_mask` batches hold one (B, H, W) map with instance k of an image stored as k+1;
    otherwise (N, H, W), one mask per instance. A YOLO26 semantic map (B, nc, h, w), when the head returns one as a
    4th element, adds a per-pixel BCE to the seg term."""

    def __init__(self, model: nn.Module, tal_topk: int = 10, tal_topk2: int | None = None) -> None:
        super().__init__(model, tal_topk, tal_topk2)
        self.overlap = bool(self.hyp.overlap_mask)

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (gained losses * batch size, detached Tensor[4]: box, seg, cls, dfl)."""
        preds = raw_output(preds)
        if isinstance(preds, dict):
            return self.end2end(preds, batch)
        feats, pred_masks, proto, *rest = preds
        det, st = self.detection_terms(feats, batch)
        masks = batch["masks"].to(proto.device)
        seg = self.mask_loss(masks, pred_masks.permute(0, 2, 1), proto, st)
        if rest and rest[0] is not None:
            seg = seg + self.semantic_loss(rest[0], masks, batch, st)
        loss = torch.stack((det[0], seg, det[1], det[2]))
        gains = torch.tensor([self.hyp.box, self.hyp.box, self.hyp.cls, self.hyp.dfl], device=loss.device)
        loss = loss * gains
        return loss * proto.shape[0], loss.detach()

    def _gt_masks(self, masks: torch.Tensor, b_idx: torch.Tensor, slot: torch.Tensor, inst: torch.Tensor, hw):
        """Binary GT masks (Tensor[n, h, w]) for foreground anchors, resized to the prototype size."""
        if self.overlap:
            gt = (masks[b_idx] == (slot + 1).view(-1, 1, 1).to(masks.dtype)).float()
        else:
            gt = masks[inst].float()
        if gt.shape[-2:] != hw:
            gt = F.interpolate(gt[None], hw, mode="nearest")[0]
        return gt

    def mask_loss(self, masks, pred_masks, proto, st: dict) -> torch.Tensor:
        """pred_masks (Tensor[B, A, nm]), proto (Tensor[B, nm, h, w]) -> mean per-anchor in-box mask BCE."""
        fg_mask = st["fg_mask"]
        b_idx, a_idx = fg_mask.nonzero(as_tuple=True)
        if b_idx.numel() == 0:
            return (pred_masks.sum() + proto.sum()) * 0.0  # keeps the graph connected
        slot = st["target_gt_idx"][b_idx, a_idx]
        inst = st["gt_index"][b_idx, slot]
        h, w = proto.shape[2:]
        # GT box in prototype pixels: grid units * stride = input pixels, then input -> proto scale
        scale = torch.tensor([w, h, w, h], device=proto.device) / st["imgsz"][[1, 0, 1, 0]]
        boxes = st["target_bboxes"][b_idx, a_idx] * st["stride_tensor"][a_idx] * scale
        total = proto.new_zeros(())
        # One matmul per image against that image's prototypes: gathering prototypes per anchor would need
        # n_fg * nm * h * w floats. nonzero() orders anchors by image, so each image is one contiguous slice.
        start = 0
        for b, n_b in enumerate(fg_mask.sum(1).tolist()):
            if n_b == 0:
                continue
            sl = slice(start, start + n_b)
            start += n_b
            logits = (pred_masks[b, a_idx[sl]] @ proto[b].flatten(1)).view(n_b, h, w)
            gt = self._gt_masks(masks, b_idx[sl], slot[sl], inst[sl], (h, w))
            total = total + self._in_box_bce(logits, gt, boxes[sl]).sum()
        return total / b_idx.numel()

    @staticmethod
    def _in_box_bce(logits: torch.Tensor, gt: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """Mean BCE inside each box (Tensor[n, 4] xyxy, mask pixels) -> Tensor[n]."""
        n, h, w = logits.shape
        xs = torch.arange(w, device=logits.device, dtype=boxes.dtype) + 0.5
        ys = torch.arange(h, device=logits.device, dtype=boxes.dtype) + 0.5
        x1, y1, x2, y2 = boxes.unbind(-1)
        inside_x = (xs >= x1[:, None]) & (xs < x2[:, None])  # (n, w)
        inside_y = (ys >= y1[:, None]) & (ys < y2[:, None])  # (n, h)
        inside = (inside_y[:, :, None] & inside_x[:, None, :]).to(logits.dtype)
        bce = F.binary_cross_entropy_with_logits(logits, gt.to(logits.dtype), reduction="none")
        return (bce * inside).sum((1, 2)) / inside.sum((1, 2)).clamp(min=1)

    def semantic_loss(self, sem_logits: torch.Tensor, masks: torch.Tensor, batch: dict, st: dict) -> torch.Tensor:
        """Per-pixel BCE of semantic logits (Tensor[B, nc, h, w]) vs the union of each class's instance masks."""
        bs, nc, h, w = sem_logits.shape
        cls = batch["cls"].view(-1).long().to(sem_logits.device)
        bidx = batch["batch_idx"].view(-1).long().to(sem_logits.device)
        if self.overlap:  # instance k of image b is k+1 in masks[b]; map each pixel's instance to its class
            slot_cls = torch.full((bs, st["gt_index"].shape[1] + 1), -1, dtype=torch.long, device=cls.device)
            if cls.numel():
                valid = st["mask_gt"].squeeze(-1)
                slot_cls[:, 1:] = torch.where(valid, cls[st["gt_index"]], -1)
            m = masks.long().clamp(0, slot_cls.shape[1] - 1)
            pix_cls = slot_cls.gather(1, m.flatten(1)).view(masks.shape)
            target = F.one_hot(pix_cls.clamp(min=0), nc).permute(0, 3, 1, 2) * (pix_cls >= 0).unsqueeze(1)
        else:
            target = torch.zeros((bs, nc) + masks.shape[-2:], device=masks.device)
            target.index_put_((bidx, cls), masks.float(), accumulate=True)
        target = F.interpolate(target.float().clamp(max=1), (h, w), mode="nearest")
        return F.binary_cross_entropy_with_logits(sem_logits, target.to(sem_logits.dtype))
