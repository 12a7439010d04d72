"""Many tracks as parallel arrays (row k of every array is one track), so trackers update them without a Python loop.

A tracker keeps its tracked, lost and removed tracks as `TrackTable`s; `Rows` is the slice of tracks or detections
the association costs read (boxes, scores, appearance features).
"""

from __future__ import annotations

from typing import Any

import numpy as np

COLUMNS = ("score", "cls", "idx", "angle", "track_id", "state", "activated", "start_frame", "frame_id", "tracklet_len")
COL = {name: 8 + k for k, name in enumerate(COLUMNS)}  # column of `TrackTable.data`


class TrackTable:
    """Tracks as rows: `data` (N, 18) holds the Kalman mean (8 columns) and then COLUMNS (whole numbers and flags as
    floats, angle NaN for upright boxes), `cov` (N, 8, 8) the covariances; the feature arrays (N, D) are None until
    a tracker sees appearance features (NaN rows for tracks without one). Columns read as attributes (`table.score`,
    `table.mean`): views, so `table.state[rows] = ...` writes into the table. Few arrays, so few copies per frame."""

    __slots__ = ("data", "cov", "smooth_feat", "curr_feat")

    def __init__(self, data: np.ndarray, cov: np.ndarray, smooth_feat: np.ndarray | None = None,
                 curr_feat: np.ndarray | None = None) -> None:  # fmt: skip
        self.data, self.cov, self.smooth_feat, self.curr_feat = data, cov, smooth_feat, curr_feat

    @classmethod
    def empty(cls) -> TrackTable:
        return cls(np.zeros((0, 8 + len(COLUMNS))), np.zeros((0, 8, 8)))

    @staticmethod
    def build(mean: np.ndarray, cov: np.ndarray, feats: np.ndarray | None = None, **columns: Any) -> TrackTable:
        """A table from means (N, 8), covariances and one value or (N,) array per name of COLUMNS."""
        data = np.empty((len(mean), 8 + len(COLUMNS)))
        data[:, :8] = mean
        for k, name in enumerate(COLUMNS):
            data[:, 8 + k] = columns[name]
        return TrackTable(data, cov, feats, feats)

    @property
    def mean(self) -> np.ndarray:
        return self.data[:, :8]

    def __len__(self) -> int:
        return len(self.data)

    def take(self, rows: np.ndarray) -> TrackTable:
        """The given rows (an index array), as a new table."""
        smooth, curr = self.smooth_feat, self.curr_feat
        return TrackTable(self.data[rows], self.cov[rows], None if smooth is None else smooth[rows],
                          None if curr is None else curr[rows])  # fmt: skip

    @staticmethod
    def concat(tables: list[TrackTable]) -> TrackTable:
        """Rows of every table, in order (tables without features get NaN feature rows if another has them)."""
        tables = [t for t in tables if len(t)] or tables[:1]
        if len(tables) == 1:
            return tables[0]
        data, cov = np.concatenate([t.data for t in tables]), np.concatenate([t.cov for t in tables])
        dim = next((t.smooth_feat.shape[1] for t in tables if t.smooth_feat is not None), None)
        if dim is None:
            return TrackTable(data, cov)
        feats = [[np.full((len(t), dim), np.nan) if f is None else f for f in (t.smooth_feat, t.curr_feat)] for t in tables]
        return TrackTable(data, cov, np.concatenate([f[0] for f in feats]), np.concatenate([f[1] for f in feats]))


def _column(k: int) -> property:
    return property(lambda self: self.data[:, 8 + k], doc=f"The {COLUMNS[k]} column (a view).")


for _k, _name in enumerate(COLUMNS):
    setattr(TrackTable, _name, _column(_k))


class Rows:
    """What association costs read of some tracks or detections: boxes (N, 4) xyxy or (N, 5) xywhr, scores (N,),
    and, when there are any, appearance features: smooth_feat (tracks) / curr_feat (detections), (N, D)."""

    __slots__ = ("boxes", "score", "smooth_feat", "curr_feat")

    def __init__(self, boxes: np.ndarray, score: np.ndarray, smooth_feat: np.ndarray | None = None,
                 curr_feat: np.ndarray | None = None) -> None:  # fmt: skip
        self.boxes, self.score, self.smooth_feat, self.curr_feat = boxes, score, smooth_feat, curr_feat

    def __len__(self) -> int:
        return len(self.score)

    def take(self, rows: np.ndarray) -> Rows:
        """The given rows (an index array)."""
        smooth, curr = self.smooth_feat, self.curr_feat
        return Rows(self.boxes[rows], self.score[rows], None if smooth is None else smooth[rows],
                    None if curr is None else curr[rows])  # fmt: skip


def blend_features(smooth: np.ndarray, new: np.ndarray, alpha: float) -> np.ndarray:
    """Exponentially smoothed, L2-normalised features: alpha * smooth + (1 - alpha) * new, rows where smooth is
    NaN (no feature yet) take `new` as it is. Both (N, D), `new` already normalised."""
    out = alpha * smooth + (1 - alpha) * new
    out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
    fresh = np.isnan(smooth[:, 0])
    out[fresh] = new[fresh]
    return out


def normalise(feats: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm."""
    feats = np.asarray(feats, dtype=np.float64)
    return feats / (np.linalg.norm(feats, axis=1, keepdims=True) + 1e-12)


__all__ = ["TrackTable", "Rows", "COLUMNS", "COL", "blend_features", "normalise"]
