"""Track mode on top of predict: trackers ride on the predictor's callbacks, so a user's own callbacks still run.

`on_predict_start` builds one tracker per video stream (one for files and arrays); `on_predict_postprocess_end`
feeds each image's boxes to its tracker and replaces the result with the tracked rows, ids included (masks and
keypoints follow their boxes). With `persist=True` the trackers, and so the ids, survive from call to call.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch

from ultralytics_clone.trackers.bot_sort import BOTSORT
from ultralytics_clone.trackers.byte_tracker import BYTETracker
from ultralytics_clone.trackers.config import check_tracker_cfg
from ultralytics_clone.utils import LOGGER

TRACKER_MAP = {"bytetrack": BYTETracker, "botsort": BOTSORT}
POOL_POINTS = 3  # appearance features average a 3x3 grid of samples inside each box on every feature map


def _is_stream(predictor: Any) -> bool:
    return getattr(predictor.dataset, "mode", None) == "stream"


def on_predict_start(predictor: Any, persist: bool = False) -> None:
    """Create the trackers (kept as they are when `persist` and they exist)."""
    if predictor.args.mode != "track":
        return
    n = max(int(getattr(predictor.dataset, "bs", 1) or 1), 1) if _is_stream(predictor) else 1
    if persist and getattr(predictor, "trackers", None) and len(predictor.trackers) >= n:
        return
    cfg = check_tracker_cfg(predictor.args.tracker)
    predictor.trackers = [TRACKER_MAP[cfg.tracker_type](args=cfg) for _ in range(n)]
    predictor.vid_path = [None] * n
    predictor._track_feats = None
    if cfg.tracker_type == "botsort" and cfg.with_reid:
        _capture_head_inputs(predictor)


def on_predict_postprocess_end(predictor: Any, persist: bool = False) -> None:
    """Replace each result by its tracked detections: boxes (or OBB) gain a track id column."""
    if predictor.args.mode != "track" or not getattr(predictor, "trackers", None):
        return
    stream = _is_stream(predictor)
    feats = getattr(predictor, "_track_feats", None)
    for i, result in enumerate(predictor.results):
        slot = i if stream else 0
        tracker = predictor.trackers[slot]
        if not persist and predictor.vid_path[slot] != result.path:  # another video or image: start afresh
            if predictor.vid_path[slot] is not None:  # (new trackers are fresh; resetting would restart shared ids)
                tracker.reset()
            predictor.vid_path[slot] = result.path
        is_obb = result.obb is not None
        det = result.obb if is_obb else result.boxes
        if det is None:
            continue
        det = det.cpu().numpy()
        emb = None
        if feats is not None and getattr(tracker, "encoder", None) is not None:
            emb = pool_box_features(feats, i, det.xyxy, result.orig_shape, predictor.stride)
        tracks = tracker.update(det, result.orig_img, emb)
        tracked = result[tracks[:, -1].astype(int)]
        tracked.update(**{"obb" if is_obb else "boxes": torch.as_tensor(tracks[:, :-1])})
        predictor.results[i] = tracked


def register_tracker(model: Any, persist: bool) -> None:
    """Add the two tracking callbacks to `model` (replacing ones added by an earlier track() call)."""
    for event, fn in (("on_predict_start", on_predict_start), ("on_predict_postprocess_end", on_predict_postprocess_end)):
        kept = [f for f in model.callbacks.get(event, []) if getattr(f, "func", None) is not fn]
        model.callbacks[event] = kept  # the dict is shared with the predictor, so it sees the change
        model.add_callback(event, partial(fn, persist=persist))


# ----------------------------------------------------------------------------------------- appearance features
def _capture_head_inputs(predictor: Any) -> None:
    """Keep the feature maps the detection head reads (predictor._track_feats) for appearance matching."""
    if getattr(predictor, "_track_hook", None) is not None:
        return
    head = _head(predictor.model)
    if head is None:
        LOGGER.warning("track: with_reid needs a PyTorch model to read its features from; tracking by motion only.")
        return

    def keep(module: Any, inputs: tuple) -> None:
        maps = inputs[0]
        predictor._track_feats = [m.detach() for m in maps] if isinstance(maps, (list, tuple)) else None

    predictor._track_hook = head.register_forward_pre_hook(keep)


def _head(model: Any) -> torch.nn.Module | None:
    """The last layer of a YOLO network (possibly wrapped by a backend), or None for exported models."""
    for _ in range(3):
        layers = getattr(model, "model", None)
        if isinstance(layers, (torch.nn.Sequential, torch.nn.ModuleList)):
            return layers[-1]
        if not isinstance(layers, torch.nn.Module):
            return None
        model = layers
    return None


def pool_box_features(feats: list[torch.Tensor], i: int, boxes: np.ndarray, orig_shape: tuple[int, int],
                      stride: int) -> np.ndarray:  # fmt: skip
    """(N, C) L2-normalised features of image i's boxes (xyxy, original pixels), averaged inside each box on every
    feature map (the letterboxed input's size is the coarsest map times the largest stride)."""
    boxes = torch.as_tensor(np.asarray(boxes, dtype=np.float32)).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros((0, sum(f.shape[1] for f in feats)), np.float32)
    hin = min(f.shape[2] for f in feats) * stride
    win = min(f.shape[3] for f in feats) * stride
    h0, w0 = orig_shape[:2]
    gain = min(hin / h0, win / w0)
    pad = torch.tensor([(win - w0 * gain) / 2, (hin - h0 * gain) / 2])
    b = boxes * gain + pad.repeat(2)
    steps = (torch.arange(POOL_POINTS, dtype=torch.float32) + 0.5) / POOL_POINTS
    xs = b[:, 0:1] + (b[:, 2:3] - b[:, 0:1]) * steps  # (N, k)
    ys = b[:, 1:2] + (b[:, 3:4] - b[:, 1:2]) * steps
    grid = torch.stack(torch.broadcast_tensors(xs[:, None, :], ys[:, :, None]), -1).reshape(1, len(b), -1, 2)
    grid = grid / torch.tensor([win, hin]) * 2 - 1  # pixels -> [-1, 1] over the whole input
    pooled = []
    for f in feats:
        fi = f[i : i + 1].float()
        sampled = torch.nn.functional.grid_sample(fi, grid.to(fi.device), align_corners=False)  # (1, C, N, k*k)
        pooled.append(sampled.mean(-1)[0].T)
    out = torch.cat(pooled, 1)
    return torch.nn.functional.normalize(out, dim=1).cpu().numpy()


__all__ = ["register_tracker", "on_predict_start", "on_predict_postprocess_end", "TRACKER_MAP"]
