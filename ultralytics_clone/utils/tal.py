"""Anchor grids and box <-> distance conversions shared by the heads and the losses (assigners live here too)."""

from __future__ import annotations

import torch


def make_anchors(feats: list[torch.Tensor], strides: torch.Tensor | list[float], grid_cell_offset: float = 0.5):
    """Anchor centres and their strides for feature maps `feats` (each Tensor[B, C, H, W]).

    Returns (anchor_points Tensor[sum(H*W), 2] in grid units, xy order; stride_tensor Tensor[sum(H*W), 1]).
    """
    points, stride_list = [], []
    dtype, device = feats[0].dtype, feats[0].device
    for feat, stride in zip(feats, strides):
        h, w = feat.shape[2:]
        xs = torch.arange(w, device=device, dtype=dtype) + grid_cell_offset
        ys = torch.arange(h, device=device, dtype=dtype) + grid_cell_offset
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        points.append(torch.stack((gx, gy), -1).view(-1, 2))
        stride_list.append(torch.full((h * w, 1), float(stride), dtype=dtype, device=device))
    return torch.cat(points), torch.cat(stride_list)


def dist2bbox(distance: torch.Tensor, anchor_points: torch.Tensor, xywh: bool = True, dim: int = -1) -> torch.Tensor:
    """(left, top, right, bottom) distances from anchor points -> boxes, xywh (centre) or xyxy."""
    lt, rb = distance.chunk(2, dim)
    x1y1 = anchor_points - lt
    x2y2 = anchor_points + rb
    if xywh:
        return torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), dim)
    return torch.cat((x1y1, x2y2), dim)


def bbox2dist(anchor_points: torch.Tensor, bbox: torch.Tensor, reg_max: float | None = None) -> torch.Tensor:
    """xyxy boxes -> (left, top, right, bottom) distances from anchor points, clamped below reg_max when given."""
    x1y1, x2y2 = bbox.chunk(2, -1)
    dist = torch.cat((anchor_points - x1y1, x2y2 - anchor_points), -1)
    return dist.clamp_(0, reg_max - 0.01) if reg_max is not None else dist


def dist2rbox(pred_dist: torch.Tensor, pred_angle: torch.Tensor, anchor_points: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Distances plus angle (radians) -> rotated boxes xywhr, rotating the centre offset about the anchor."""
    lt, rb = pred_dist.split(2, dim=dim)
    cos, sin = torch.cos(pred_angle), torch.sin(pred_angle)
    xf, yf = ((rb - lt) / 2).split(1, dim=dim)
    x, y = xf * cos - yf * sin, xf * sin + yf * cos
    xy = torch.cat([x, y], dim=dim) + anchor_points
    return torch.cat([xy, lt + rb], dim=dim)
