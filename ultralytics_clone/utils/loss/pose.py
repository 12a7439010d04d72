"""Pose loss: detection terms plus OKS keypoint loss and keypoint visibility BCE; YOLO26 adds an RLE term."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils.loss.box import KeypointLoss
from ultralytics_clone.utils.loss.detect import raw_output, v8DetectionLoss
from ultralytics_clone.utils.metrics.iou import OKS_SIGMA


class RLELoss(nn.Module):
    """Residual log-likelihood estimation: -log density of the GT keypoint under a Laplace prior reshaped by a
    RealNVP flow, centred on the prediction and scaled by a predicted sigma (per keypoint and axis).

    forward(sigma, log_phi, error, target_weight): sigma (Tensor[n, K, 2]) > 0; error (Tensor[n, K, 2]) the residual
    already divided by sigma (times the box scale); log_phi (Tensor[n, K]) the flow's log-density of that error.
    `residual` adds the Laplace prior's term; `use_target_weight` weighs keypoints by target_weight (visibility);
    `size_average` divides by the weighted count instead of summing.
    """

    def __init__(self, use_target_weight: bool = True, size_average: bool = True, residual: bool = True) -> None:
        super().__init__()
        self.use_target_weight, self.size_average, self.residual = use_target_weight, size_average, residual

    def forward(self, sigma, log_phi, error, target_weight=None):
        nll = sigma.log().sum(-1) - log_phi
        if self.residual:
            nll = nll + error.abs().sum(-1) + 2 * math.log(2)  # minus the Laplace log-density of each axis
        w = target_weight.to(nll.dtype) if self.use_target_weight and target_weight is not None else torch.ones_like(nll)
        w = w.view(nll.shape)
        return (nll * w).sum() / w.sum().clamp(min=1) if self.size_average else (nll * w).sum()


class v8PoseLoss(v8DetectionLoss):
    """Items: box, pose, kobj, cls, dfl. Keypoints decode as in the head: xy = 2 * raw + anchor - 0.5 (grid units).

    A third raw output (YOLO26 Pose26: sigma logits Tensor[B, 2K, A]) with a `flow_model` on the head switches on
    the RLE term, added to the pose term times `rle_gain` (0.1: at initialisation the RLE negative log-likelihood is
    ~10-20 per keypoint against an OKS loss below 1, so unscaled it would drown the box and class terms).
    """

    def __init__(self, model: nn.Module, tal_topk: int = 10, tal_topk2: int | None = None) -> None:
        super().__init__(model, tal_topk, tal_topk2)
        head = model.model[-1]
        self.kpt_shape = [int(k) for k in head.kpt_shape]
        nkpt = self.kpt_shape[0]
        sigmas = torch.from_numpy(OKS_SIGMA).float() if self.kpt_shape == [17, 3] else torch.ones(nkpt) / nkpt
        self.keypoint_loss = KeypointLoss(sigmas.to(self.device))
        flow = getattr(head, "flow_model", None)
        self.flow = flow
        self.rle_loss = RLELoss() if flow is not None else None
        self.rle_gain = 0.1

    def __call__(self, preds: Any, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (gained losses * batch size, detached Tensor[5]: box, pose, kobj, cls, dfl)."""
        preds = raw_output(preds)
        if isinstance(preds, dict):
            return self.end2end(preds, batch)
        feats, pred_kpts, *rest = preds
        det, st = self.detection_terms(feats, batch)
        sigma = rest[0] if rest else None
        pose, kobj = self.keypoint_terms(pred_kpts, sigma, batch, st)
        loss = torch.stack((det[0], pose, kobj, det[1], det[2]))
        h = self.hyp
        loss = loss * torch.tensor([h.box, h.pose, h.kobj, h.cls, h.dfl], device=loss.device)
        return loss * pred_kpts.shape[0], loss.detach()

    def keypoint_terms(self, pred_kpts, sigma, batch: dict, st: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """OKS (+ RLE) loss and visibility BCE over foreground anchors; pred_kpts Tensor[B, K*ndim, A] raw."""
        bs, _, n_anchors = pred_kpts.shape
        nk, ndim = self.kpt_shape
        b_idx, a_idx = st["fg_mask"].nonzero(as_tuple=True)
        if b_idx.numel() == 0:
            zero = pred_kpts.sum() * 0.0 + (sigma.sum() * 0.0 if sigma is not None else 0.0)
            return zero, zero
        raw = pred_kpts.view(bs, nk, ndim, n_anchors).permute(0, 3, 1, 2)[b_idx, a_idx]  # (n, K, ndim)
        anchors = st["anchor_points"][a_idx].unsqueeze(1)
        pred_xy = raw[..., :2] * 2.0 + (anchors - 0.5)
        inst = st["gt_index"][b_idx, st["target_gt_idx"][b_idx, a_idx]]
        gt = batch["keypoints"].to(pred_kpts.device, torch.float32)[inst]
        gt_xy = gt[..., :2] * st["imgsz"][[1, 0]] / st["stride_tensor"][a_idx].unsqueeze(1)
        vis = gt[..., 2] != 0 if gt.shape[-1] == 3 else torch.ones(gt.shape[:2], dtype=torch.bool, device=gt.device)
        box = st["target_bboxes"][b_idx, a_idx]
        area = ((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])).unsqueeze(-1)
        pose = self.keypoint_loss(pred_xy, gt_xy, vis, area)
        if sigma is not None and self.rle_loss is not None:
            sig = sigma.view(bs, nk, 2, n_anchors).permute(0, 3, 1, 2)[b_idx, a_idx].sigmoid()
            scale = area.clamp(min=1e-6).sqrt().unsqueeze(-1)  # residuals in units of the box size
            error = (gt_xy - pred_xy) / (sig * scale + 1e-9)
            log_phi = self.flow.log_prob(error.reshape(-1, 2).float()).view(error.shape[:2])
            pose = pose + self.rle_gain * self.rle_loss(sig, log_phi, error, vis)
        if ndim == 3:
            kobj = self.bce(raw[..., 2], vis.to(raw.dtype)).mean()
        else:
            kobj = pred_kpts.sum() * 0.0
        return pose, kobj
