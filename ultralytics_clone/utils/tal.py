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


def dist2rbox(
    pred_dist: torch.Tensor, pred_angle: torch.Tensor, anchor_points: torch.Tensor, dim: int = -1
) -> torch.Tensor:
    """Distances plus angle (radians) -> rotated boxes xywhr, rotating the centre offset about the anchor."""
    lt, rb = pred_dist.split(2, dim=dim)
    cos, sin = torch.cos(pred_angle), torch.sin(pred_angle)
    xf, yf = ((rb - lt) / 2).split(1, dim=dim)
    x, y = xf * cos - yf * sin, xf * sin + yf * cos
    xy = torch.cat([x, y], dim=dim) + anchor_points
    return torch.cat([xy, lt + rb], dim=dim)


def rbox2dist(
    target_bboxes: torch.Tensor, anchor_points: torch.Tensor, target_angle: torch.Tensor, dim: int = -1,
    reg_max: float | None = None,
) -> torch.Tensor:
    """Rotated boxes (xywh + angle, radians) -> (left, top, right, bottom) distances from the anchors in each box's
    own frame: the inverse of dist2rbox; clamped below reg_max when given."""
    xy, wh = target_bboxes[..., :4].split(2, dim=dim)
    cos, sin = torch.cos(target_angle), torch.sin(target_angle)
    dx, dy = (xy - anchor_points).split(1, dim=dim)
    offset = torch.cat([dx * cos + dy * sin, -dx * sin + dy * cos], dim=dim)  # rotate back by -angle
    dist = torch.cat([wh / 2 - offset, wh / 2 + offset], dim=dim)
    return dist.clamp_(0, reg_max - 0.01) if reg_max is not None else dist


class TaskAlignedAssigner(torch.nn.Module):
    """Task-aligned label assignment (TOOD): each GT takes the `topk` anchors inside it with the best
    score**alpha * IoU**beta, an anchor claimed twice goes to the GT it overlaps most, and soft class targets are
    scaled so each GT's best anchor gets that GT's best IoU.

    Batched over padded targets (B images x M GT slots); no Python loops over images, GTs or anchors.
    `topk2` (one-to-one training) keeps only each GT's `topk2` best anchors after conflicts are resolved among the
    `topk` candidates, so a GT whose favourite anchor went to a better-overlapping GT still keeps its next best.
    `stride` (smallest first) turns on small-target-aware candidates: a GT narrower or shorter than the smallest
    stride is widened to it for the inside-the-box test, so at least one anchor centre can fall inside it.
    """

    def __init__(
        self,
        topk: int = 13,
        num_classes: int = 80,
        alpha: float = 1.0,
        beta: float = 6.0,
        stride: list[float] | torch.Tensor | None = None,
        eps: float = 1e-9,
        topk2: int | None = None,
    ):
        super().__init__()
        self.topk, self.topk2 = topk, topk2
        self.num_classes = num_classes
        self.alpha, self.beta, self.eps = alpha, beta, eps
        self.min_size = float(min(stride)) if stride is not None and len(stride) else 0.0

    @torch.no_grad()
    def forward(self, pd_scores, pd_bboxes, anc_points, gt_labels, gt_bboxes, mask_gt):
        """Assign targets to anchors.

        pd_scores (Tensor[B, A, C]): class probabilities; pd_bboxes (Tensor[B, A, 4]): xyxy, pixels;
        anc_points (Tensor[A, 2]): anchor centres, pixels; gt_labels (Tensor[B, M, 1]); gt_bboxes (Tensor[B, M, 4]):
        xyxy, pixels; mask_gt (Tensor[B, M, 1]): 1 for real GTs, 0 for padding.
        Returns target_labels (Tensor[B, A] long), target_bboxes (Tensor[B, A, 4]), target_scores (Tensor[B, A, C]),
        fg_mask (Tensor[B, A] bool), target_gt_idx (Tensor[B, A] long); targets are meaningful only where fg_mask.
        """
        bs, n_anchors = pd_scores.shape[:2]
        n_max = gt_bboxes.shape[1]
        if n_max == 0:
            device = pd_scores.device
            return (
                torch.full((bs, n_anchors), self.num_classes, dtype=torch.long, device=device),
                torch.zeros((bs, n_anchors, gt_bboxes.shape[-1]), dtype=pd_bboxes.dtype, device=device),
                torch.zeros_like(pd_scores),
                torch.zeros((bs, n_anchors), dtype=torch.bool, device=device),
                torch.zeros((bs, n_anchors), dtype=torch.long, device=device),
            )
        valid = mask_gt.bool().view(bs, n_max, 1)
        candidates = self.select_candidates_in_gts(anc_points, gt_bboxes) & valid  # (B, M, A)
        align, overlaps = self.get_box_metrics(pd_scores, pd_bboxes, gt_labels, gt_bboxes, candidates)
        mask_pos = self.select_topk_candidates(torch.where(candidates, align, -1.0), self.topk) & candidates
        mask_pos = self.select_highest_overlaps(mask_pos, overlaps)
        if self.topk2 is not None:
            mask_pos &= self.select_topk_candidates(torch.where(mask_pos, align, -1.0), self.topk2)
        fg_mask = mask_pos.any(1)
        target_gt_idx = mask_pos.to(torch.uint8).argmax(1)
        target_labels, target_bboxes, target_scores = self.get_targets(gt_labels, gt_bboxes, target_gt_idx, fg_mask)

        align = align * mask_pos
        best_align = align.amax(-1, keepdim=True)  # (B, M, 1)
        best_overlap = (overlaps * mask_pos).amax(-1, keepdim=True)
        norm = (align * best_overlap / (best_align + self.eps)).amax(1)  # (B, A)
        return target_labels, target_bboxes, target_scores * norm.unsqueeze(-1), fg_mask, target_gt_idx

    def iou_calculation(self, gt_bboxes: torch.Tensor, pd_bboxes: torch.Tensor) -> torch.Tensor:
        """CIoU of paired xyxy boxes (Tensor[n, 4]) clamped at 0 -> Tensor[n]."""
        from ultralytics_clone.utils.metrics.iou import bbox_iou

        return bbox_iou(gt_bboxes, pd_bboxes, xywh=False, CIoU=True).squeeze(-1).clamp_(0)

    def select_candidates_in_gts(self, xy_centers: torch.Tensor, gt_bboxes: torch.Tensor, eps: float = 1e-9):
        """Anchors (Tensor[A, 2]) with centres strictly inside each GT (Tensor[B, M, 4] xyxy) -> Tensor[B, M, A]."""
        lt, rb = gt_bboxes[..., None, :2], gt_bboxes[..., None, 2:4]  # (B, M, 1, 2)
        if self.min_size > 0:
            centre, half = (lt + rb) / 2, ((rb - lt) / 2).clamp(min=self.min_size / 2)
            lt, rb = centre - half, centre + half
        inside = torch.minimum(xy_centers - lt, rb - xy_centers)  # (B, M, A, 2)
        return inside.amin(-1) > eps

    def get_box_metrics(self, pd_scores, pd_bboxes, gt_labels, gt_bboxes, mask):
        """Alignment metric and IoU for every (image, GT, anchor) in `mask` (Tensor[B, M, A]), 0 elsewhere."""
        bs, n_max, n_anchors = mask.shape
        overlaps = torch.zeros(mask.shape, dtype=pd_bboxes.dtype, device=pd_bboxes.device)
        labels = gt_labels.long().view(bs, n_max, 1).clamp(0, pd_scores.shape[-1] - 1).expand(-1, -1, n_anchors)
        scores = pd_scores.transpose(1, 2).gather(1, labels)  # (B, M, A): each anchor's score for the GT's class
        pd = pd_bboxes.unsqueeze(1).expand(-1, n_max, -1, -1)[mask]
        gt = gt_bboxes.unsqueeze(2).expand(-1, -1, n_anchors, -1)[mask]
        overlaps[mask] = self.iou_calculation(gt, pd).to(overlaps.dtype)
        scores = torch.where(mask, scores, 0).to(overlaps.dtype)
        return scores.pow(self.alpha) * overlaps.pow(self.beta), overlaps

    @staticmethod
    def select_topk_candidates(metrics: torch.Tensor, topk: int) -> torch.Tensor:
        """Boolean mask (Tensor[B, M, A]) of each GT's `topk` highest-metric anchors."""
        k = min(topk, metrics.shape[-1])
        idx = metrics.topk(k, dim=-1).indices
        return torch.zeros_like(metrics, dtype=torch.bool).scatter_(-1, idx, True)

    @staticmethod
    def select_highest_overlaps(mask_pos: torch.Tensor, overlaps: torch.Tensor) -> torch.Tensor:
        """Keep, for an anchor claimed by several GTs, only the claiming GT with the highest IoU (Tensor[B, M, A])."""
        multi = mask_pos.sum(1, keepdim=True) > 1  # (B, 1, A)
        best = torch.where(mask_pos, overlaps, -1.0).argmax(1, keepdim=True)  # (B, 1, A)
        only_best = torch.zeros_like(mask_pos).scatter_(1, best, True)
        return torch.where(multi, only_best, mask_pos)

    def get_targets(self, gt_labels, gt_bboxes, target_gt_idx, fg_mask):
        """Gather each anchor's GT label (Tensor[B, A]), box (Tensor[B, A, D]) and one-hot scores (Tensor[B, A, C])."""
        bs, n_max = gt_bboxes.shape[:2]
        flat = target_gt_idx + torch.arange(bs, device=target_gt_idx.device).unsqueeze(-1) * n_max
        target_labels = gt_labels.long().flatten()[flat].clamp_(0, self.num_classes - 1)
        target_bboxes = gt_bboxes.reshape(-1, gt_bboxes.shape[-1])[flat]
        target_scores = torch.nn.functional.one_hot(target_labels, self.num_classes)
        target_scores = target_scores * fg_mask.unsqueeze(-1)
        return target_labels, target_bboxes, target_scores.to(gt_bboxes.dtype)


class RotatedTaskAlignedAssigner(TaskAlignedAssigner):
    """TaskAlignedAssigner for rotated boxes (xywhr, radians): ProbIoU overlaps and a rotated inside-the-box test."""

    def iou_calculation(self, gt_bboxes: torch.Tensor, pd_bboxes: torch.Tensor) -> torch.Tensor:
        """ProbIoU of paired xywhr boxes (Tensor[n, 5]) clamped at 0 -> Tensor[n]."""
        from ultralytics_clone.utils.metrics.iou import probiou

        return probiou(gt_bboxes, pd_bboxes).squeeze(-1).clamp_(0)

    def select_candidates_in_gts(self, xy_centers: torch.Tensor, gt_bboxes: torch.Tensor, eps: float = 1e-9):
        """Anchors (Tensor[A, 2]) inside each rotated GT (Tensor[B, M, 5] xywhr) -> Tensor[B, M, A]."""
        c, wh, r = gt_bboxes[..., None, :2], gt_bboxes[..., None, 2:4], gt_bboxes[..., None, 4]
        d = xy_centers - c  # (B, M, A, 2)
        cos, sin = r.cos(), r.sin()
        u = d[..., 0] * cos + d[..., 1] * sin  # offset along the box's width axis
        v = -d[..., 0] * sin + d[..., 1] * cos  # and along its height axis
        return (wh[..., 0] / 2 - u.abs() > eps) & (wh[..., 1] / 2 - v.abs() > eps)


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
