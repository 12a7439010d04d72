"""Association costs between tracks and detections (IoU, appearance, score fusion) and thresholded assignment."""

from __future__ import annotations

from typing import Any

import numpy as np

from ultralytics_clone.trackers.track_table import Rows


def _lap() -> Any:
    """The optional `lap` package (Jonker-Volgenant solver, faster on large matrices), imported on first use so that
    importing the trackers loads no optional extra; None when it is not installed (scipy is used then)."""
    try:
        import lap
    except ImportError:
        return None
    return lap


def _scipy_assignment(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's linear_sum_assignment, with install advice when neither it nor lap is there."""
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError as e:
        raise ImportError(
            "track mode needs scipy (or lap) for assigning detections to tracks: pip install scipy, "
            "or pip install 'ultralytics-clone[track]'."
        ) from e
    return linear_sum_assignment(cost)


def linear_assignment(cost_matrix: np.ndarray, thresh: float, use_lap: bool = True):
    """Minimum-cost matching over the pairs with cost <= thresh, leaving a row or column unmatched costing thresh / 2
    -> (matches (K, 2) sorted by row, unmatched rows, unmatched cols).

    Rows and columns with exactly one feasible partner, each the other's only one, are matched directly; only the
    rest (tracks near several detections) goes to the solver: lap's lapjv with cost_limit when installed, else
    scipy's linear_sum_assignment on the same problem (the cost matrix extended with the thresh / 2 choices)."""
    cost = np.asarray(cost_matrix, dtype=np.float64)
    n, m = cost.shape[:2] if cost.ndim == 2 else (0, 0)
    if cost.size == 0:
        return np.empty((0, 2), dtype=int), np.arange(n), np.arange(m)
    r, c = (cost <= thresh).nonzero()  # the feasible pairs, row by row
    single = (np.bincount(r, minlength=n)[r] == 1) & (np.bincount(c, minlength=m)[c] == 1)
    r1, c1 = r[single], c[single]  # isolated pairs: matched as they are
    if not single.all():
        hard_r, hard_c = np.zeros(n, bool), np.zeros(m, bool)
        hard_r[r[~single]], hard_c[c[~single]] = True, True
        rows, cols = hard_r.nonzero()[0], hard_c.nonzero()[0]
        sub_r, sub_c = _solve(cost[rows][:, cols], thresh, use_lap)
        r1, c1 = np.concatenate([r1, rows[sub_r]]), np.concatenate([c1, cols[sub_c]])
        by_row = np.argsort(r1, kind="stable")
        r1, c1 = r1[by_row], c1[by_row]
    matches = np.empty((len(r1), 2), dtype=int)
    matches[:, 0], matches[:, 1] = r1, c1
    free_a, free_b = np.ones(n, bool), np.ones(m, bool)
    free_a[r1], free_b[c1] = False, False
    return matches, free_a.nonzero()[0], free_b.nonzero()[0]


def _solve(cost: np.ndarray, thresh: float, use_lap: bool) -> tuple[np.ndarray, np.ndarray]:
    """Matched (rows, cols) of the thresholded assignment problem on a (small) dense cost matrix."""
    lap = _lap() if use_lap else None
    if lap is not None:
        _, x, _ = lap.lapjv(cost, extend_cost=True, cost_limit=thresh)
        rows = np.flatnonzero(x >= 0)
        return rows, x[rows]
    n, m = cost.shape
    big = np.full((n + m, n + m), thresh / 2)  # what lapjv's cost_limit does: rows / cols may go unmatched
    big[:n, :m] = np.where(cost <= thresh, cost, thresh + 1.0)
    big[n:, m:] = 0
    rows, cols = _scipy_assignment(big)
    keep = (rows < n) & (cols < m)
    rows, cols = rows[keep], cols[keep]
    keep = cost[rows, cols] <= thresh
    return rows[keep], cols[keep]


def _boxes(tracks: Any) -> np.ndarray:
    """(N, 4) xyxy or, when the tracks carry angles, (N, 5) xywhr, from tracks or a ready array."""
    if isinstance(tracks, np.ndarray):
        return tracks
    if isinstance(tracks, Rows):
        return tracks.boxes
    if not len(tracks):
        return np.zeros((0, 4))
    tlwh = type(tracks[0])._batch_tlwh(tracks)
    if getattr(tracks[0], "angle", None) is not None:
        angle = np.array([[t.angle if t.angle is not None else 0.0] for t in tracks])
        return np.concatenate([tlwh[:, :2] + tlwh[:, 2:] / 2, tlwh[:, 2:], angle], 1)
    return np.concatenate([tlwh[:, :2], tlwh[:, :2] + tlwh[:, 2:]], 1)


def box_iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU (N, M) of xyxy boxes (N, 4) and (M, 4), or ProbIoU of xywhr boxes (N, 5) and (M, 5)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    if a.shape[1] == 5:
        from ultralytics_clone.utils.metrics import batch_probiou

        return batch_probiou(a, b).numpy()
    a, b = a.astype(np.float32), b.astype(np.float32)  # half the memory traffic of float64 on big matrices
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.maximum(iw, 0, out=iw) * np.maximum(ih, 0, out=ih)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)


def iou_distance(atracks: Any, btracks: Any) -> np.ndarray:
    """1 - IoU between two lists of tracks (or Rows, or xyxy / xywhr arrays): (len(atracks), len(btracks))."""
    return 1 - box_iou_matrix(_boxes(atracks), _boxes(btracks))


def embedding_distance(tracks: list, detections: list) -> np.ndarray:
    """Cosine distance (>= 0) between tracks' smoothed features and detections' current features."""
    if len(tracks) == 0 or len(detections) == 0:
        return np.zeros((len(tracks), len(detections)))
    a = tracks.smooth_feat if isinstance(tracks, Rows) else [t.smooth_feat for t in tracks]
    b = detections.curr_feat if isinstance(detections, Rows) else [d.curr_feat for d in detections]
    a, b = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)
    a /= np.linalg.norm(a, axis=1, keepdims=True) + 1e-12
    b /= np.linalg.norm(b, axis=1, keepdims=True) + 1e-12
    return np.maximum(0.0, 1 - a @ b.T)


def fuse_score(cost_matrix: np.ndarray, detections: list) -> np.ndarray:
    """Weight IoU similarity by each detection's score: 1 - (1 - cost) * score."""
    if cost_matrix.size == 0:
        return cost_matrix
    scores = detections.score if isinstance(detections, Rows) else [d.score for d in detections]
    scores = np.asarray(scores, dtype=np.float64)
    return 1 - (1 - cost_matrix) * scores[None, :]


__all__ = ["linear_assignment", "iou_distance", "embedding_distance", "fuse_score", "box_iou_matrix"]
