"""Overlap measures: axis-aligned IoU variants, IoA, mask IoU, keypoint OKS and ProbIoU for rotated boxes."""

from __future__ import annotations

import math

import numpy as np
import torch

# COCO person keypoint sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles) used by OKS.
OKS_SIGMA = (
    np.array([0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89])
    / 10.0
)


def _xywh2xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """boxes (Tensor[..., 4]): cx, cy, w, h -> x1, y1, x2, y2 (new tensor)."""
    xy, wh = boxes[..., :2], boxes[..., 2:4] / 2
    return torch.cat((xy - wh, xy + wh), -1)


def box_iou(box1: torch.Tensor, box2: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Pairwise IoU of box1 (Tensor[N, 4]) and box2 (Tensor[M, 4]), both xyxy -> Tensor[N, M]."""
    lt = torch.maximum(box1[:, None, :2], box2[None, :, :2])
    rb = torch.minimum(box1[:, None, 2:4], box2[None, :, 2:4])
    inter = (rb - lt).clamp_(min=0).prod(-1)
    area1 = (box1[:, 2:4] - box1[:, :2]).prod(-1)
    area2 = (box2[:, 2:4] - box2[:, :2]).prod(-1)
    return inter / (area1[:, None] + area2[None, :] - inter + eps)


def bbox_iou(
    box1: torch.Tensor,
    box2: torch.Tensor,
    xywh: bool = True,
    GIoU: bool = False,
    DIoU: bool = False,
    CIoU: bool = False,
    eps: float = 1e-7,
) -> torch.Tensor:
    """Element-wise (broadcast) IoU of box1 and box2 (Tensor[..., 4]) -> Tensor[..., 1]; at most one of G/D/CIoU."""
    if xywh:
        box1, box2 = _xywh2xyxy(box1), _xywh2xyxy(box2)
    b1x1, b1y1, b1x2, b1y2 = box1[..., :4].chunk(4, -1)
    b2x1, b2y1, b2x2, b2y2 = box2[..., :4].chunk(4, -1)
    w1, h1 = b1x2 - b1x1, (b1y2 - b1y1).clamp(min=eps)
    w2, h2 = b2x2 - b2x1, (b2y2 - b2y1).clamp(min=eps)
    inter = (torch.minimum(b1x2, b2x2) - torch.maximum(b1x1, b2x1)).clamp(min=0) * (
        torch.minimum(b1y2, b2y2) - torch.maximum(b1y1, b2y1)
    ).clamp(min=0)
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = inter / union
    if not (GIoU or DIoU or CIoU):
        return iou
    cw = torch.maximum(b1x2, b2x2) - torch.minimum(b1x1, b2x1)  # enclosing box width / height
    ch = torch.maximum(b1y2, b2y2) - torch.minimum(b1y1, b2y1)
    if GIoU:
        c_area = cw * ch + eps
        return iou - (c_area - union) / c_area
    c2 = cw.pow(2) + ch.pow(2) + eps  # squared enclosing diagonal
    rho2 = ((b2x1 + b2x2 - b1x1 - b1x2).pow(2) + (b2y1 + b2y2 - b1y1 - b1y2).pow(2)) / 4  # squared centre distance
    if DIoU:
        return iou - rho2 / c2
    v = (4 / math.pi**2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


def bbox_ioa(box1: np.ndarray, box2: np.ndarray, iou: bool = False, eps: float = 1e-7) -> np.ndarray:
    """Intersection over box2's area (or IoU when `iou`) for box1 (ndarray[N, 4]) and box2 (ndarray[M, 4]), xyxy."""
    box1, box2 = np.asarray(box1, dtype=np.float64), np.asarray(box2, dtype=np.float64)
    iw = np.minimum(box1[:, None, 2], box2[None, :, 2]) - np.maximum(box1[:, None, 0], box2[None, :, 0])
    ih = np.minimum(box1[:, None, 3], box2[None, :, 3]) - np.maximum(box1[:, None, 1], box2[None, :, 1])
    inter = iw.clip(0) * ih.clip(0)
    area = ((box2[:, 2] - box2[:, 0]) * (box2[:, 3] - box2[:, 1]))[None, :]
    if iou:
        area = area + ((box1[:, 2] - box1[:, 0]) * (box1[:, 3] - box1[:, 1]))[:, None] - inter
    return inter / (area + eps)


def mask_iou(mask1: torch.Tensor, mask2: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Pairwise IoU of flattened binary masks mask1 (Tensor[N, P]) and mask2 (Tensor[M, P]) -> Tensor[N, M]."""
    mask1, mask2 = mask1.float(), mask2.float()
    inter = mask1 @ mask2.T
    union = mask1.sum(1)[:, None] + mask2.sum(1)[None] - inter
    return inter / (union + eps)


def kpt_iou(
    kpt1: torch.Tensor, kpt2: torch.Tensor, area: torch.Tensor, sigma: torch.Tensor | list, eps: float = 1e-7
) -> torch.Tensor:
    """Object keypoint similarity of kpt1 (Tensor[N, K, 3], ground truth with visibility) vs kpt2 (Tensor[M, K, 2|3]).

    area (Tensor[N]): ground-truth box areas in pixels; sigma: K per-keypoint sigmas. Returns Tensor[N, M].
    """
    sigma = torch.as_tensor(sigma, device=kpt1.device, dtype=kpt1.dtype)
    d = (kpt1[:, None, :, 0] - kpt2[None, :, :, 0]).pow(2) + (kpt1[:, None, :, 1] - kpt2[None, :, :, 1]).pow(2)
    visible = (kpt1[..., 2] != 0).to(kpt1.dtype)  # (N, K)
    e = d / ((2 * sigma).pow(2) * (area[:, None, None] + eps) * 2)
    return ((-e).exp() * visible[:, None]).sum(-1) / (visible.sum(-1)[:, None] + eps)


def _get_covariance_matrix(boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gaussian covariance (a, b, c) = (var_x, var_y, cov_xy) of rotated boxes (Tensor[N, 5] xywhr, r in radians)."""
    var = boxes[:, 2:4].pow(2) / 12  # a uniform box of side s has variance s^2 / 12
    vw, vh = var.split(1, -1)
    r = boxes[:, 4:5]
    cos2, sin2 = r.cos().pow(2), r.sin().pow(2)
    return vw * cos2 + vh * sin2, vw * sin2 + vh * cos2, (vw - vh) * r.cos() * r.sin()


def _bhattacharyya(xy1, abc1, xy2, abc2, eps):
    """Bhattacharyya distance between two Gaussians given centres and (a, b, c) covariances (broadcasting)."""
    (x1, y1), (x2, y2) = xy1, xy2
    (a1, b1, c1), (a2, b2, c2) = abc1, abc2
    a, b, c = a1 + a2, b1 + b2, c1 + c2
    det = a * b - c.pow(2)
    dx, dy = x1 - x2, y1 - y2
    t_mahal = (a * dy.pow(2) + b * dx.pow(2) - 2 * c * dx * dy) / (det + eps) * 0.25
    det1 = (a1 * b1 - c1.pow(2)).clamp(min=0)
    det2 = (a2 * b2 - c2.pow(2)).clamp(min=0)
    t_det = 0.5 * torch.log(det / (4 * (det1 * det2).sqrt() + eps) + eps)
    return (t_mahal + t_det).clamp(eps, 100.0)


def probiou(
    obb1: torch.Tensor, obb2: torch.Tensor, CIoU: bool = False, eps: float = 1e-7, floor: float = 0.0
) -> torch.Tensor:
    """Element-wise ProbIoU (1 - Hellinger distance of the boxes' Gaussians) of obb1, obb2 (Tensor[N, 5] xywhr).

    Returns Tensor[N, 1]; with CIoU the aspect-ratio penalty of CIoU is subtracted. `floor` > 0 widens both boxes
    to at least that width and height first, so very thin boxes keep a usable overlap.
    """
    if floor > 0:
        obb1, obb2 = (torch.cat([b[..., :2], b[..., 2:4].clamp(min=floor), b[..., 4:]], -1) for b in (obb1, obb2))
    xy1, xy2 = obb1[..., :2].split(1, -1), obb2[..., :2].split(1, -1)
    bd = _bhattacharyya(xy1, _get_covariance_matrix(obb1), xy2, _get_covariance_matrix(obb2), eps)
    iou = 1 - (1.0 - torch.exp(-bd) + eps).sqrt()
    if CIoU:
        w1, h1 = obb1[..., 2:4].split(1, -1)
        w2, h2 = obb2[..., 2:4].split(1, -1)
        v = (4 / math.pi**2) * (torch.atan(w2 / h2.clamp(min=eps)) - torch.atan(w1 / h1.clamp(min=eps))).pow(2)
        with torch.no_grad():
            alpha = v / (v - iou + (1 + eps))
        return iou - v * alpha
    return iou


def batch_probiou(obb1: torch.Tensor | np.ndarray, obb2: torch.Tensor | np.ndarray, eps: float = 1e-7) -> torch.Tensor:
    """Pairwise ProbIoU of obb1 (Tensor[N, 5]) and obb2 (Tensor[M, 5]), xywhr with r in radians -> Tensor[N, M]."""
    obb1 = torch.as_tensor(obb1)
    obb2 = torch.as_tensor(obb2, device=obb1.device, dtype=obb1.dtype)
    xy1 = [t for t in obb1[:, :2].split(1, -1)]  # (N, 1) each, broadcast against (1, M)
    xy2 = [t.T for t in obb2[:, :2].split(1, -1)]
    abc1 = _get_covariance_matrix(obb1)
    abc2 = tuple(t.T for t in _get_covariance_matrix(obb2))
    bd = _bhattacharyya(xy1, abc1, xy2, abc2, eps)
    return 1 - (1.0 - torch.exp(-bd) + eps).sqrt()
