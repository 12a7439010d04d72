"""Non-maximum suppression for decoded head outputs: axis-aligned, rotated (ProbIoU) and end-to-end (no NMS).

Exact greedy NMS, never time-limited, one call for the whole batch (image and class form one group id, so no
Python loop runs over images, classes or boxes). Two facts keep it fast at conf=0.001:
- Greedy NMS decides a box only from higher-scored boxes, so NMS over each image's best k candidates gives exactly
  the first kept boxes of NMS over all of them. We run it on the best 1.5 x max_det candidates, then feed the next
  ones (with the boxes kept so far) only to images that still have fewer than max_det boxes, in chunks sized from
  their keep rate so far (at most doubling).
- Candidates are ranked once (conf descending, ties by anchor order) and NMS sees that rank as its score, so the
  order, and hence the result, is the same on every device and in both implementations.
- With many classes, finding and ranking all candidates would cost more than NMS itself: only those scoring at least
  each image's (2 x max_det)-th best anchor are taken (all of an image's best candidates, so still exact), and more
  only for an image that ends short of max_det.
Axis-aligned overlap is computed in float64 on boxes shifted so that groups never touch (exact: float32 values plus
integer-spaced offsets fit float64's mantissa), once by torchvision's `nms` and, when torchvision is missing or its
compiled ops do not match torch, by the built-in greedy NMS with the same formula: the two give identical results.
The built-in one sorts by group and walks blocks of 128: a block is checked against its groups' kept boxes, then
settled by iterating "kept unless a kept, higher-ranked box of its group overlaps it" to its fixed point.
Rotated boxes follow the reference's rule for them, Fast NMS with ProbIoU (`_fast_keep`): a box is dropped when any
higher-ranked box of its group overlaps it, suppressed or not; all candidates go in at once, since a suppressed box
still counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

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


def _pair_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU (Tensor[N, M]) of xyxy boxes with torchvision's NMS formula, no epsilon (used in float64)."""
    w = (torch.minimum(a[:, None, 2], b[None, :, 2]) - torch.maximum(a[:, None, 0], b[None, :, 0])).clamp(min=0)
    h = (torch.minimum(a[:, None, 3], b[None, :, 3]) - torch.maximum(a[:, None, 1], b[None, :, 1])).clamp(min=0)
    inter = w * h
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None, :] - inter)


def _greedy_torch(boxes: torch.Tensor, groups: torch.Tensor, iou_thres: float,
                  iou_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:  # fmt: skip
    """Bool Tensor[N]: kept by greedy NMS; rows are in priority order (first = best), groups never suppress each
    other. Blocks of _BLOCK rows settle against earlier kept rows of their groups, then internally."""
    n = len(boxes)
    order = groups.argsort(stable=True)  # by group, priority kept inside: a group is one contiguous run
    boxes, groups = boxes[order], groups[order]
    _, counts = torch.unique_consecutive(groups, return_counts=True)
    group_start = (counts.cumsum(0) - counts).repeat_interleave(counts).tolist()
    keep = torch.zeros(n, dtype=torch.bool, device=boxes.device)
    for s in range(0, n, _BLOCK):
        e = min(s + _BLOCK, n)
        lo = group_start[s]  # kept rows before the block's first group cannot touch the block
        alive = torch.ones(e - s, dtype=torch.bool, device=boxes.device)
        prev = keep[lo:s].nonzero().squeeze(1) + lo
        if prev.numel():
            hit = (iou_fn(boxes[prev], boxes[s:e]) > iou_thres) & (groups[prev, None] == groups[None, s:e])
            alive = ~hit.any(0)
        over = (iou_fn(boxes[s:e], boxes[s:e]) > iou_thres).triu(1)  # over[j, i]: j outranks and overlaps i
        over &= groups[s:e, None] == groups[None, s:e]
        kept = alive
        while True:  # converges in at most (block length) rounds; each round settles at least one more row
            new = alive & ~(over & kept[:, None]).any(0)
            if torch.equal(new, kept):
                break
            kept = new
        keep[s:e] = kept
    out = torch.zeros(n, dtype=torch.bool, device=boxes.device)
    out[order] = keep
    return out


def _separated(boxes: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """xyxy boxes in float64, shifted so boxes of different groups never overlap; exact for float32 inputs."""
    b = boxes.double()
    if not len(b):
        return b
    lo, hi = b.aminmax()
    lo, hi = float(lo), float(hi)
    span = math.floor(hi - lo) + 2.0  # integer spacing: group g lives in [g * span, g * span + span - 1]
    return b.sub_(lo).add_(groups.double().mul_(span)[:, None])


def _fast_keep(boxes: torch.Tensor, groups: torch.Tensor, iou_thres: float,
               iou_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = batch_probiou) -> torch.Tensor:  # fmt: skip
    """Bool Tensor[N]: Fast NMS keep mask for rows in priority order: row j is dropped when a higher-ranked row of its
    group overlaps it above iou_thres, whether that row was kept or not. Column blocks bound memory to N x 1024."""
    n = len(boxes)
    keep = torch.ones(n, dtype=torch.bool, device=boxes.device)
    for s in range(0, n, 1024):
        e = min(s + 1024, n)
        over = (iou_fn(boxes[:e], boxes[s:e]) > iou_thres) & (groups[:e, None] == groups[None, s:e])
        over &= torch.arange(e, device=boxes.device)[:, None] < torch.arange(s, e, device=boxes.device)[None]
        keep[s:e] = ~over.any(0)
    return keep


def _greedy(boxes: torch.Tensor, groups: torch.Tensor, img: torch.Tensor | None, iou_thres: float,
            rotated: bool) -> torch.Tensor:  # fmt: skip
    """Bool Tensor[N]: NMS keep mask for rows already in priority order (first = best), image-major; img None: all
    rows are of one image (rotated boxes: the reference's Fast NMS rule, see the module docstring)."""
    if rotated:
        return _fast_keep(boxes, groups, iou_thres)
    b = _separated(boxes, groups)
    if _backend() == "torchvision":
        nms = torch.ops.torchvision.nms  # loaded by _backend() without importing the torchvision package
        try:
            rank = torch.arange(len(b), 0, -1, dtype=torch.float64, device=b.device)  # distinct: no ties to break
            keep = torch.zeros(len(b), dtype=torch.bool, device=b.device)
            if img is None or b.device.type != "cpu":  # the GPU kernel builds the overlap mask in parallel: one call
                keep[nms(b, rank, iou_thres)] = True
                return keep
            # the CPU kernel costs (rows x kept rows) per call, so one call per image keeps it linear in batch size
            kept, start = [], 0
            for n in torch.bincount(img).tolist():
                kept.append(start + nms(b[start : start + n], rank[start : start + n], iou_thres))
                start += n
            keep[torch.cat(kept)] = True
            return keep
        except RuntimeError as err:  # e.g. compiled without this device's kernels
            if "torchvision::nms" not in str(err):
                raise
            _use_fallback(f"{type(err).__name__}: {err}")
    return _greedy_torch(b, groups, iou_thres, _pair_iou)


def _nms_top(fetch: Callable[[torch.Tensor], torch.Tensor], groups, img, rank, n_img, iou_thres: float,
             max_det: int, whole: bool = False) -> torch.Tensor:  # fmt: skip
    """Kept row indices (rows in priority order, image-major; rank = position within the image), at most max_det
    per image. Rows go in by rank in chunks [lo, hi), only for images still short of max_det (the next chunk sized
    from their keep rate so far, at most doubling: cost only, never results, depend on it); a chunk
    runs together with its image's kept rows, which outrank it and never suppress each other, so each pass extends
    the exact greedy result. fetch(rows) gives those rows' boxes: xyxy (Tensor[n, 4]) or xywhr (Tensor[n, 5])."""
    keep = torch.zeros(len(img), dtype=torch.bool, device=img.device)
    todo = torch.ones_like(n_img, dtype=torch.bool)
    # per image; a trained head keeps about two thirds of its best candidates, so one pass of 1.5 x max_det rows
    # usually suffices
    lo, hi = torch.zeros_like(n_img), torch.full_like(n_img, max(max_det * 3 // 2, 1))
    if whole:  # every candidate in one pass
        hi = torch.maximum(hi, n_img)
    while True:
        sel = (((rank >= lo.index_select(0, img)) & (rank < hi.index_select(0, img)) | keep) & todo.index_select(0, img))
        sel = sel.nonzero().squeeze(1)
        if len(sel):
            boxes = fetch(sel)
            keep[sel] = _greedy(boxes, groups.index_select(0, sel), img.index_select(0, sel), iou_thres,
                                rotated=boxes.shape[1] == 5)  # fmt: skip
        kept = torch.bincount(img[keep], minlength=len(n_img))
        todo &= (kept < max_det) & (n_img > hi)
        if not bool(todo.any()):
            break
        # next chunk per image: what it lacks at its keep rate so far, plus a quarter, at least 64, at most doubling
        need = ((max_det - kept) * hi * 5).div(kept.clamp(min=1) * 4, rounding_mode="floor")
        lo, hi = hi, hi + torch.minimum(need.clamp(min=64), hi)
    idx = keep.nonzero().squeeze(1)
    return idx[_rank_in_order(img[idx]) < max_det]


def _rank_in_order(img: torch.Tensor) -> torch.Tensor:
    """Position of each element among earlier elements of the same image, for image-major sorted `img`."""
    if not len(img):
        return img
    counts = torch.bincount(img)
    starts = counts.cumsum(0) - counts
    return torch.arange(len(img), device=img.device) - starts[img]


def _priority(img: torch.Tensor, conf: torch.Tensor) -> torch.Tensor:
    """Permutation sorting rows by image, then conf (> 0) descending, ties kept in input order: one stable sort of
    int64 keys, as positive float32 values order like their bit patterns (float64 conf: two stable sorts)."""
    if conf.dtype == torch.float64:
        order = conf.argsort(descending=True, stable=True)
        return order[img[order].argsort(stable=True)]
    return ((img << 31) - conf.float().view(torch.int32)).argsort(stable=True)


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
    bs = prediction.shape[0]
    keep = prediction[..., 4] > conf_thres
    if classes is not None:
        keep &= torch.isin(prediction[..., 5], classes.to(prediction.dtype).view(-1))
    img, row = keep.nonzero(as_tuple=True)
    order = _priority(img, prediction[img, row, 4])
    img, row = img[order], row[order]
    sel = _rank_in_order(img) < max_det
    img, row = img[sel], row[sel]
    return _split(prediction[img, row], img, bs, row if return_idxs else None)


def non_max_suppression(
    prediction,
    conf_thres: float = 0.25,
    iou_thres: float = 0.45,
    classes: list[int] | None = None,
    agnostic: bool = False,
    multi_label: bool = False,
    max_det: int = 300,
    nc: int = 0,
    max_time_img: float = 0.05,
    max_nms: int = 30000,
    max_wh: int = 7680,
    rotated: bool = False,
    end2end: bool = False,
    return_idxs: bool = False,
    *,
    labels=(),
    in_place: bool = True,
):
    """Filter decoded predictions (Tensor[B, 4 + nc + E, A], boxes cx, cy, w, h in pixels, or the (y, raw) tuple).

    Returns a list of B tensors Tensor[n, 6 + E]: x1, y1, x2, y2, conf, cls, extras (for `rotated`: cx, cy, w, h,
    conf, cls, angle), highest conf first, at most max_det per image; with return_idxs also the kept anchor indices
    (-1 for rows from `labels`). `labels`: per-image Tensor[m, 5] (cls, cx, cy, w, h) added as conf-1 boxes;
    `end2end`: prediction is Tensor[B, N, 6 + E] from an NMS-free head and is only thresholded.
    `in_place` writes the xyxy conversion into `prediction`. `max_time_img` and `max_wh` are accepted for API
    compatibility: this NMS is exact and never stops early, and groups, not coordinate offsets, keep classes apart.
    """
    _check(conf_thres, iou_thres)
    if isinstance(prediction, (list, tuple)):
        prediction = prediction[0]
    device = prediction.device
    classes = torch.as_tensor(classes, device=device).view(-1) if classes is not None else None
    if end2end:
        return _end2end(prediction, conf_thres, classes, max_det, return_idxs)
    bs, n_anchors = prediction.shape[0], prediction.shape[2]
    nc = nc or (prediction.shape[1] - 4)
    mi = 4 + nc
    if conf_thres >= FEW_CONF and nc and not (rotated or multi_label or any(len(lb) for lb in labels)):
        out = _few(prediction, conf_thres, iou_thres, classes, agnostic, max_det, nc, return_idxs)
        if out is not None:
            if in_place:
                _xywh2xyxy_(prediction)
            return out
    table = prediction.contiguous()  # raw rows (cx, cy, w, h, ...), read through _take; boxes converted when read
    if any(len(lb) for lb in labels):
        table, extra = _add_labels(labels, table)
    # anchors looked at per image: with many classes, finding and sorting every candidate costs more than NMS, so
    # only those scoring at least each image's (2 x max_det)-th best anchor are taken, unless that leaves one short
    k = max(2 * max_det, 1) if nc >= 16 else n_anchors
    while True:
        img, cls, anchor, conf, complete = _candidates(prediction[:, 4:mi], conf_thres, multi_label, k)
        if any(len(lb) for lb in labels):
            img, cls, anchor, conf = (torch.cat(x) for x in zip((img, cls, anchor, conf), extra))
        if classes is not None:
            sel = torch.isin(cls, classes.long()).nonzero().squeeze(1)
            img, anchor, cls, conf = (x.index_select(0, sel) for x in (img, anchor, cls, conf))
        order = _priority(img, conf)  # image-major, then conf descending
        img, anchor, cls, conf = (x.index_select(0, order) for x in (img, anchor, cls, conf))
        rank = _rank_in_order(img)
        if len(rank) and int(rank.max()) >= max_nms:  # at most max_nms candidates per image go into NMS
            sel = (rank < max_nms).nonzero().squeeze(1)
            img, anchor, cls, conf, rank = (x.index_select(0, sel) for x in (img, anchor, cls, conf, rank))
        groups = img * (1 if agnostic else nc) + (0 if agnostic else cls)
        n_img = torch.bincount(img, minlength=bs)
        flat = img * table[0].numel() + anchor  # position of each candidate's first column in the flat table
        boxes = partial(_boxes, table, flat, mi if rotated else None)
        keep = _nms_top(boxes, groups, img, rank, n_img, iou_thres, max_det, whole=rotated)
        # NMS over an image's best candidates is exact for them: only an image short of max_det needs more
        if complete.all() or not bool((torch.bincount(img[keep], minlength=bs)[~complete] < max_det).any()):
            break
        k *= 4
    anchor, cls, conf, img = (x.index_select(0, keep) for x in (anchor, cls, conf, img))
    extras = _take(table, flat.index_select(0, keep), range(mi, table.shape[1]))
    rows = torch.cat((boxes(keep)[:, :4], conf[:, None], cls[:, None].to(extras.dtype), extras), 1)
    if in_place and not rotated:  # after every read of the raw boxes
        _xywh2xyxy_(prediction)
    idx = torch.where(anchor < n_anchors, anchor, -1) if return_idxs else None
    return _split(rows, img, bs, idx)


FEW_CONF = 0.1  # predict-time thresholds (0.25 by default) leave few candidates: _few takes them all at once
FEW_MAX = 4096  # above this many candidates the general path's chunked NMS is the cheaper one


def _few(prediction, conf_thres, iou_thres, classes, agnostic, max_det, nc, return_idxs):
    """The same result as the general path in about twenty tensor ops (fewer for one image), for up to FEW_MAX
    candidates (best class per anchor, axis-aligned boxes): every candidate goes through one greedy NMS. None when
    there are more."""
    bs, mi, n_a = prediction.shape[0], 4 + nc, prediction.shape[2]
    flat = (prediction[:, 4:mi].amax(1) > conf_thres).view(-1).nonzero().squeeze(1)  # image * A + anchor, in order
    if len(flat) > FEW_MAX:
        return None
    if bs == 1:
        img, anchor = None, flat
        table = prediction[0].index_select(1, flat).T  # (n, C): each candidate's column
    else:
        img = flat.div(n_a, rounding_mode="floor")
        anchor = flat - img * n_a
        table = prediction[img, :, anchor]
    conf, cls = table[:, 4:mi].max(1)  # on the candidates only: a max over the class axis of the whole output is slow
    if classes is not None:
        sel = torch.isin(cls, classes.long()).nonzero().squeeze(1)
        img = img.index_select(0, sel) if img is not None else None
        anchor, table, conf, cls = (x.index_select(0, sel) for x in (anchor, table, conf, cls))
    if img is None:  # a stable descending sort is _priority's order for one image (ties in anchor order)
        order = conf.argsort(descending=True, stable=True)
    else:
        order = _priority(img, conf)
        img = img.index_select(0, order)
    anchor, table, conf, cls = (x.index_select(0, order) for x in (anchor, table, conf, cls))
    boxes = _xywh2xyxy(table[:, :4])
    if agnostic:
        groups = torch.zeros_like(cls) if img is None else img
    else:
        groups = cls if img is None else img * nc + cls
    k = (_greedy(boxes, groups, img, iou_thres, rotated=False) if len(cls) else cls.bool()).nonzero().squeeze(1)
    if img is None:
        k = k[:max_det]
    else:
        k = k[_rank_in_order(img.index_select(0, k)) < max_det]
    rows = torch.cat((boxes, conf[:, None], cls[:, None].to(table.dtype), table[:, mi:]), 1).index_select(0, k)
    if img is None:
        return ([rows], [anchor.index_select(0, k)]) if return_idxs else [rows]
    return _split(rows, img.index_select(0, k), bs, anchor.index_select(0, k) if return_idxs else None)


def _candidates(scores: torch.Tensor, conf_thres: float, multi_label: bool, k: int):
    """(img, cls, anchor, conf, complete) of the candidates in scores (Tensor[B, nc, A]) above conf_thres, limited in
    each image to those scoring at least its k-th best anchor: every candidate of that score or more, so the best
    ones of each image, in order (img, cls, anchor); complete (Bool[B]) where that limit left none out."""
    dev = scores.device
    if not scores.shape[1]:  # no class columns: nothing to keep
        empty = torch.zeros(0, dtype=torch.long, device=dev)
        return empty, empty, empty, scores.new_zeros(0), torch.ones(len(scores), dtype=torch.bool, device=dev)
    if multi_label and k >= scores.shape[2]:  # no limit
        img, cls, anchor = (scores > conf_thres).nonzero(as_tuple=True)
        return img, cls, anchor, scores[img, cls, anchor], torch.ones(len(scores), dtype=torch.bool, device=dev)
    best = scores.amax(1)  # (B, A)
    if k >= best.shape[1]:  # no limit
        floor = best.new_full((len(best),), conf_thres)
    else:
        floor = best.topk(k, 1, sorted=False).values.amin(1)
    complete = floor <= conf_thres
    floor = floor.clamp(min=conf_thres)
    img, anchor = ((best > conf_thres) & (best >= floor[:, None])).nonzero(as_tuple=True)
    if not multi_label:
        return img, _best_class(scores, img, anchor), anchor, best[img, anchor], complete
    rows = scores[img, :, anchor].T  # (nc, n): class-major, so candidates come out ordered by (img, cls, anchor)
    cls, j = ((rows > conf_thres) & (rows >= floor.index_select(0, img))).nonzero(as_tuple=True)
    return img.index_select(0, j), cls, anchor.index_select(0, j), rows[cls, j], complete


def _best_class(scores: torch.Tensor, img: torch.Tensor, anchor: torch.Tensor) -> torch.Tensor:
    """Class of each candidate's best score in scores (Tensor[B, nc, A]), the first one on ties. max() along the
    class axis of the whole block reduces along a strided axis, about 10x dearer per element than amax(): with few
    candidates, argmax over their own scores instead."""
    if len(img) * 8 < scores.shape[0] * scores.shape[2]:  # under an eighth of the anchors
        return scores[img, :, anchor].argmax(1)
    return scores.max(1).indices[img, anchor]


def _boxes(table: torch.Tensor, flat: torch.Tensor, angle: int | None, i: torch.Tensor) -> torch.Tensor:
    """Boxes of candidate rows i (flat: each candidate's table position): xyxy, or xywhr with the angle column."""
    if angle is not None:
        return _take(table, flat.index_select(0, i), [0, 1, 2, 3, angle])
    return _xywh2xyxy(_take(table, flat.index_select(0, i), range(4)))


def _take(table: torch.Tensor, flat: torch.Tensor, cols) -> torch.Tensor:
    """Tensor[n, len(cols)]: columns `cols` of the anchors at flat positions `flat` of a contiguous (B, C, A) table."""
    step = torch.tensor(list(cols), dtype=torch.long, device=flat.device) * table.shape[2]
    return table.take(flat[:, None] + step)


def _xywh2xyxy_(prediction: torch.Tensor) -> None:
    """Rewrite the boxes of prediction (Tensor[B, C, A]) from cx, cy, w, h to x1, y1, x2, y2 in place."""
    box = prediction[:, :4]
    half, xy = box[:, 2:] / 2, box[:, :2].clone()
    box[:, 2:] = xy + half
    box[:, :2] = xy - half


def _add_labels(labels, table):
    """Append a-priori label boxes (per-image Tensor[m, 5]: cls, cx, cy, w, h) as extra anchors of the (B, C, A)
    table; returns the table and their candidates (img, cls, anchor, conf=1)."""
    dev, dt = table.device, table.dtype
    lbs = [torch.as_tensor(x, dtype=dt, device=dev).view(-1, 5) for x in labels]
    m = max(len(x) for x in lbs)
    extra = table.new_zeros((table.shape[0], table.shape[1], m))
    img, pos, cls = [], [], []
    for i, x in enumerate(lbs):  # one row per image given (labels come per image)
        extra[i, :4, : len(x)] = x[:, 1:5].T
        img.append(torch.full((len(x),), i, device=dev))
        pos.append(torch.arange(len(x), device=dev) + table.shape[2])
        cls.append(x[:, 0].long())
    img, pos, cls = torch.cat(img).long(), torch.cat(pos), torch.cat(cls)
    return torch.cat((table, extra), 2), (img, cls, pos, torch.ones_like(cls, dtype=dt))


def nms_torch(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    iou_thres: float,
    idxs: torch.Tensor | None = None,
    iou_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Greedy NMS in plain torch; boxes (Tensor[N, 4] xyxy, or [N, 5] xywhr with iou_fn=batch_probiou), idxs: groups
    that never suppress each other. Returns kept indices (Tensor[K] long), highest score first, ties by index."""
    idxs = torch.zeros(len(scores), dtype=torch.long, device=scores.device) if idxs is None else idxs.long()
    order = scores.argsort(descending=True, stable=True)
    b, g = boxes[order], idxs[order]
    keep = _greedy_torch(b, g, iou_thres, iou_fn) if iou_fn else _greedy_torch(_separated(b, g), g, iou_thres, _pair_iou)
    return order[keep]


class TorchNMS:
    """NMS written in torch alone: `nms` is exact greedy NMS; `fast_nms` is the one-matrix approximation."""

    @staticmethod
    def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
        """Kept indices of xyxy boxes (Tensor[N, 4]) by exact greedy NMS, highest score first."""
        return nms_torch(boxes, scores, iou_threshold)

    @staticmethod
    def fast_nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float, use_triu: bool = True,
                 iou_func: Callable = box_iou, exit_early: bool = True) -> torch.Tensor:  # fmt: skip
        """Kept indices (highest score first) of boxes not overlapping any higher-scored box above iou_threshold,
        suppressed or not (Fast NMS: one IoU matrix, may drop more than greedy NMS). use_triu=False keeps boxes
        whose overlap with a higher-scored box is never above the threshold either way (same result);
        exit_early returns at once for empty input."""
        if exit_early and boxes.numel() == 0:
            return torch.zeros(0, dtype=torch.long, device=boxes.device)
        order = scores.argsort(descending=True, stable=True)
        iou = iou_func(boxes[order], boxes[order])
        if use_triu:
            iou = iou.triu(1)
        else:
            iou = iou * torch.ones_like(iou, dtype=torch.bool).triu(1)
        return order[(iou > iou_threshold).sum(0) == 0]


__all__ = ["non_max_suppression", "TorchNMS", "nms_torch"]
