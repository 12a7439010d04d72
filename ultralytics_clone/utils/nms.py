"""Non-maximum suppression for decoded head outputs: axis-aligned, rotated (ProbIoU) and end-to-end (no NMS).

The whole batch goes through one NMS call: image and class form one group id, so no Python loop runs over images,
classes or boxes. Axis-aligned NMS uses torchvision's `batched_nms`; if torchvision is missing or its compiled ops do
not match torch (the "operator torchvision::nms does not exist" error), a warning names the fix once and a built-in
greedy NMS takes over. That one sorts boxes by group then score and walks them in blocks of 128: a block is first
checked against the already kept boxes of its own groups, then settled internally by iterating "kept unless a kept,
higher-scored box of its group overlaps it" to its fixed point, which is exactly greedy NMS. Rotated boxes always
use the built-in NMS with ProbIoU as the overlap.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import ConfigError
from ultralytics_clone.utils.metrics.iou import _xywh2xyxy, batch_probiou, box_iou

_BACKEND: str | None = None  # "torchvision" or "torch", decided at first use
_BLOCK = 128


def _use_fallback(reason: str) -> None:
    """Switch to the built-in NMS and say once why and how to fix it."""
    global _BACKEND
    _BACKEND = "torch"
    LOGGER.warning(
        f"torchvision NMS is unavailable ({reason}); using the built-in torch NMS, which is "
        f"slower on large inputs. Fix: pip install torchvision matching torch {torch.__version__.split('+')[0]} "
        "(see the compatibility table at https://github.com/pytorch/vision#installation)."
    )


def _backend() -> str:
    """'torchvision' when its NMS op loads and runs, else 'torch'; probed once per process."""
    global _BACKEND
    if _BACKEND is None:
        from ultralytics_clone.utils.checks import torchvision_status  # the same probe `yolo checks` reports

        usable, detail = torchvision_status()
        if usable:
            _BACKEND = "torchvision"
        else:
            _use_fallback(detail)
    return _BACKEND


def nms_torch(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    iou_thres: float,
    idxs: torch.Tensor | None = None,
    iou_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = box_iou,
) -> torch.Tensor:
    """Greedy NMS in plain torch; boxes (Tensor[N, 4] xyxy, or [N, 5] xywhr with iou_fn=batch_probiou), idxs: groups
    that never suppress each other. Returns kept indices (Tensor[K] long), highest score first (as torchvision)."""
    if idxs is None:
        idxs = torch.zeros(len(scores), dtype=torch.long, device=scores.device)
    order = scores.argsort(descending=True, stable=True)
    order = order[idxs[order].argsort(stable=True)]  # by group, then score: a group is one contiguous run
    boxes, groups = boxes[order], idxs[order]
    _, counts = torch.unique_consecutive(groups, return_counts=True)
    group_start = (counts.cumsum(0) - counts).repeat_interleave(counts).tolist()
    keep = torch.zeros(len(order), dtype=torch.bool, device=boxes.device)
    for s in range(0, len(order), _BLOCK):
        e = min(s + _BLOCK, len(order))
        lo = group_start[s]  # kept boxes before the block's first group cannot touch the block
        alive = torch.ones(e - s, dtype=torch.bool, device=boxes.device)
        prev = keep[lo:s].nonzero().squeeze(1) + lo
        if prev.numel():
            hit = (iou_fn(boxes[s:e], boxes[prev]) > iou_thres) & (groups[s:e, None] == groups[prev][None])
            alive = ~hit.any(1)
        over = (iou_fn(boxes[s:e], boxes[s:e]) > iou_thres).triu(1)  # over[j, i]: j outranks and overlaps i
        over &= groups[s:e, None] == groups[None, s:e]
        kept = alive
        while True:  # converges in at most (block length) rounds; each round settles at least one more box
            new = alive & ~(over & kept[:, None]).any(0)
            if torch.equal(new, kept):
                break
            kept = new
        keep[s:e] = kept
    kept_idx = order[keep]
    return kept_idx[scores[kept_idx].argsort(descending=True, stable=True)]


def _batched_nms(boxes, scores, groups, iou_thres: float, rotated: bool) -> torch.Tensor:
    """Kept indices over all groups, highest score first."""
    if rotated:
        return nms_torch(boxes, scores, iou_thres, groups, iou_fn=batch_probiou)
    if _backend() == "torchvision":
        import torchvision

        try:
            return torchvision.ops.batched_nms(boxes.float(), scores.float(), groups, iou_thres)
        except RuntimeError as err:  # e.g. compiled without this device's kernels
            if "torchvision::nms" not in str(err):
                raise
            _use_fallback(f"{type(err).__name__}: {err}")
    return nms_torch(boxes, scores, iou_thres, groups)


def _rank_within(group: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """Rank (0 = best) of each element's score among elements of its group (Tensor[N] long)."""
    order = score.argsort(descending=True, stable=True)
    order = order[group[order].argsort(stable=True)]
    g_sorted = group[order]
    counts = torch.bincount(g_sorted)
    starts = counts.cumsum(0) - counts
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order), device=order.device) - starts[g_sorted]
    return rank


def _split(rows: torch.Tensor, img: torch.Tensor, bs: int, idx: torch.Tensor | None):
    """Rows sorted by (image, score desc) -> list of per-image tensors (and anchor indices when idx is given)."""
    counts = torch.bincount(img, minlength=bs).tolist()
    out = list(rows.split(counts))
    return (out, list(idx.split(counts))) if idx is not None else out


def _check(conf_thres: float, iou_thres: float) -> None:
    """Thresholds must lie in [0, 1]."""
    for name, v in (("conf_thres", conf_thres), ("iou_thres", iou_thres)):
        if not 0 <= v <= 1:
            raise ConfigError(f"{name}={v} is outside [0, 1]; pass a fraction, e.g. {name}=0.25.")


def _end2end(prediction, conf_thres, classes, max_det, return_idxs):
    """NMS-free rows (Tensor[B, N, 6+E]: box, score, class, extra) -> per-image rows above conf_thres, best first."""
    bs, n = prediction.shape[:2]
    keep = prediction[..., 4] > conf_thres
    if classes is not None:
        keep &= (prediction[..., 5:6] == classes.to(prediction.dtype)).any(-1)
    img, row = keep.nonzero(as_tuple=True)
    conf = prediction[img, row, 4]
    sel = _rank_within(img, conf) < max_det
    img, row, conf = img[sel], row[sel], conf[sel]
    order = conf.argsort(descending=True, stable=True)
    order = order[img[order].argsort(stable=True)]
    img, row = img[order], row[order]
    return _split(prediction[img, row], img, bs, row if return_idxs else None)


def non_max_suppression(
    prediction,
    conf_thres: float = 0.25,
    iou_thres: float = 0.45,
    classes: list[int] | None = None,
    agnostic: bool = False,
    multi_label: bool = False,
    labels=(),
    max_det: int = 300,
    nc: int = 0,
    max_nms: int = 30000,
    max_wh: int = 7680,
    in_place: bool = True,
    rotated: bool = False,
    end2end: bool = False,
    return_idxs: bool = False,
):
    """Filter decoded predictions (Tensor[B, 4 + nc + E, A], boxes cx, cy, w, h in pixels, or the (y, raw) tuple).

    Returns a list of B tensors Tensor[n, 6 + E]: x1, y1, x2, y2, conf, cls, extras (for `rotated`: cx, cy, w, h,
    conf, cls, angle), highest conf first, at most max_det per image; with return_idxs also the kept anchor indices
    (-1 for rows from `labels`). `labels`: per-image Tensor[m, 5] (cls, cx, cy, w, h) added as conf-1 boxes;
    `end2end`: prediction is Tensor[B, N, 6 + E] from an NMS-free head and is only thresholded.
    `in_place` writes the xyxy conversion into `prediction`; `max_wh` is kept for API compatibility (groups, not
    coordinate offsets, keep classes apart here).
    """
    _check(conf_thres, iou_thres)
    if isinstance(prediction, (list, tuple)):
        prediction = prediction[0]
    device = prediction.device
    classes = torch.as_tensor(classes, device=device) if classes is not None else None
    if end2end:
        return _end2end(prediction, conf_thres, classes, max_det, return_idxs)
    bs = prediction.shape[0]
    nc = nc or (prediction.shape[1] - 4)
    mi = 4 + nc
    pred = prediction.transpose(-1, -2)  # (B, A, C) view
    if not rotated:
        if in_place:
            pred[..., :4] = _xywh2xyxy(pred[..., :4])
        else:
            pred = torch.cat((_xywh2xyxy(pred[..., :4]), pred[..., 4:]), -1)
    scores = pred[..., 4:mi]
    if multi_label:
        img, anchor, cls = (scores > conf_thres).nonzero(as_tuple=True)
        conf = scores[img, anchor, cls]
    else:
        conf, cls = scores.max(-1)
        img, anchor = (conf > conf_thres).nonzero(as_tuple=True)
        conf, cls = conf[img, anchor], cls[img, anchor]
    boxes, extra = pred[img, anchor, :4], pred[img, anchor, mi:]
    if any(len(lb) for lb in labels):
        img, anchor, cls, conf, boxes, extra = _add_labels(labels, img, anchor, cls, conf, boxes, extra, rotated)
    if classes is not None:
        sel = (cls[:, None] == classes).any(1)
        img, anchor, cls, conf, boxes, extra = (t[sel] for t in (img, anchor, cls, conf, boxes, extra))
    sel = _rank_within(img, conf) < max_nms  # at most max_nms candidates per image go into NMS
    img, anchor, cls, conf, boxes, extra = (t[sel] for t in (img, anchor, cls, conf, boxes, extra))
    groups = img * (1 if agnostic else nc) + (0 if agnostic else cls)
    nms_boxes = torch.cat((boxes, extra[:, :1]), 1) if rotated else boxes
    keep = _batched_nms(nms_boxes, conf, groups, iou_thres, rotated)
    keep = keep[_rank_within(img[keep], conf[keep]) < max_det]
    keep = keep[img[keep].argsort(stable=True)]  # by image; NMS already ordered each image by score
    rows = torch.cat((boxes[keep], conf[keep, None], cls[keep, None].to(boxes.dtype), extra[keep]), 1)
    return _split(rows, img[keep], bs, anchor[keep] if return_idxs else None)


def _add_labels(labels, img, anchor, cls, conf, boxes, extra, rotated: bool):
    """Append a-priori label boxes (per-image Tensor[m, 5]: cls, cx, cy, w, h) as confidence-1 candidates."""
    lb = torch.cat([torch.as_tensor(x, dtype=boxes.dtype, device=boxes.device).view(-1, 5) for x in labels])
    lb_img = torch.cat([torch.full((len(x),), i, device=boxes.device) for i, x in enumerate(labels)]).long()
    lb_boxes = lb[:, 1:5] if rotated else _xywh2xyxy(lb[:, 1:5])
    return (
        torch.cat((img, lb_img)),
        torch.cat((anchor, torch.full_like(lb_img, -1))),
        torch.cat((cls, lb[:, 0].long())),
        torch.cat((conf, torch.ones_like(lb[:, 0]))),
        torch.cat((boxes, lb_boxes)),
        torch.cat((extra, extra.new_zeros((len(lb), extra.shape[1])))),
    )
