"""BoT-SORT: ByteTrack with an (x, y, w, h) Kalman state, camera-motion compensation and optional appearance cues.

Appearance features are the detector's own (pooled from the feature maps its head reads, `with_reid: True`,
`model: auto`); no separate re-identification network is downloaded.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from ultralytics_clone.trackers.byte_tracker import BYTETracker, STrack, _Detections
from ultralytics_clone.trackers.track_table import Rows, TrackTable, blend_features, normalise
from ultralytics_clone.trackers.utils import matching
from ultralytics_clone.trackers.utils.gmc import GMC
from ultralytics_clone.trackers.utils.kalman_filter import KalmanFilterXYWH

FEATURE_ALPHA = 0.9  # weight of the smoothed appearance feature against a new one


class BOTrack(STrack):
    """An STrack with an (x, y, w, h) Kalman state and an exponentially smoothed appearance feature."""

    shared_kalman = KalmanFilterXYWH()
    _frozen_velocity = [6, 7]  # width and height velocities

    def __init__(self, xywh: Any, score: float, cls: Any, feat: np.ndarray | None = None, feat_history: int = 50):
        super().__init__(xywh, score, cls)
        self.smooth_feat: np.ndarray | None = None
        self.curr_feat: np.ndarray | None = None
        self.features: deque = deque([], maxlen=feat_history)
        self.alpha = FEATURE_ALPHA
        if feat is not None:
            self.update_features(feat)

    def update_features(self, feat: np.ndarray) -> None:
        """Take a new (L2-normalised) feature and blend it into the smoothed one."""
        feat = np.asarray(feat, dtype=np.float64)
        feat = feat / (np.linalg.norm(feat) + 1e-12)
        self.curr_feat = feat
        if self.smooth_feat is None:
            self.smooth_feat = feat
        else:
            self.smooth_feat = self.alpha * self.smooth_feat + (1 - self.alpha) * feat
            self.smooth_feat /= np.linalg.norm(self.smooth_feat) + 1e-12
        self.features.append(feat)

    def _take(self, new_track: STrack, frame_id: int, mean: np.ndarray, cov: np.ndarray, restart: bool) -> None:
        if getattr(new_track, "curr_feat", None) is not None:
            self.update_features(new_track.curr_feat)
        super()._take(new_track, frame_id, mean, cov, restart)

    @classmethod
    def _from_rows(cls, coords: np.ndarray, conf: np.ndarray, classes: np.ndarray, feats: np.ndarray | None = None):
        """Many not-yet-started tracks at once, each with its own feature history (and feature, when given)."""
        tracks = super()._from_rows(coords, conf, classes)
        for k, t in enumerate(tracks):
            t.features = deque([], maxlen=t.features.maxlen)
            if feats is not None:
                t.update_features(feats[k])
        return tracks

    @staticmethod
    def _state_to_tlwh(state: np.ndarray) -> np.ndarray:
        """(N, 4) Kalman positions (x, y, w, h) -> top-left x, y, w, h (new array)."""
        ret = np.array(state, dtype=np.float64)
        ret[:, :2] -= ret[:, 2:] / 2
        return ret

    @staticmethod
    def _measure(tlwh: np.ndarray) -> np.ndarray:
        return BOTrack.tlwh_to_xywh(tlwh)

    @classmethod
    def _from_table(cls, table: TrackTable, kalman_filter: Any) -> list[BOTrack]:
        """A tracker's table rows as track objects (snapshots), with their latest and smoothed features."""
        tracks = super()._from_table(table, kalman_filter)
        for k, t in enumerate(tracks):
            smooth = None if table.smooth_feat is None or np.isnan(table.smooth_feat[k, 0]) else table.smooth_feat[k]
            curr = None if smooth is None else table.curr_feat[k]
            t.smooth_feat, t.curr_feat, t.alpha = smooth, curr, FEATURE_ALPHA
            t.features = deque([] if curr is None else [curr], maxlen=50)
        return tracks

    @staticmethod
    def tlwh_to_xywh(tlwh: np.ndarray) -> np.ndarray:
        """(.., 4) top-left x, y, w, h -> centre x, y, w, h."""
        ret = np.array(tlwh, dtype=np.float64)
        ret[..., :2] += ret[..., 2:] / 2
        return ret


class BOTSORT(BYTETracker):
    """ByteTrack plus camera-motion compensation (`gmc_method`) and, with `with_reid`, appearance matching gated by
    IoU (`proximity_thresh`) and similarity (`appearance_thresh`)."""

    track_class = BOTrack

    def __init__(self, args: Any) -> None:
        super().__init__(args)
        self.proximity_thresh = float(self.args.proximity_thresh)
        self.appearance_thresh = float(self.args.appearance_thresh)
        self.encoder = _DetectorFeatures() if getattr(self.args, "with_reid", False) else None
        self.gmc = GMC(method=getattr(self.args, "gmc_method", "sparseOptFlow"))

    def get_kalmanfilter(self) -> KalmanFilterXYWH:
        return KalmanFilterXYWH()

    def init_track(self, results: Any, img: np.ndarray | None = None) -> list[BOTrack]:
        """Detections as tracks, with their appearance features when re-identification is on and features came."""
        dets = results if isinstance(results, _Detections) else _Detections.from_results(results)
        feats = self.encoder(img, dets) if self.encoder is not None else None
        return BOTrack._from_rows(dets.coords, dets.conf, dets.cls, feats)

    def get_dists(self, tracks: Any, detections: Any) -> np.ndarray:
        """IoU cost (score-fused), lowered by appearance where both are close in space and look alike."""
        dists = matching.iou_distance(tracks, detections)
        far = dists > (1 - self.proximity_thresh)
        if self.args.fuse_score:
            dists = matching.fuse_score(dists, detections)
        if self.encoder is not None and dists.size and _all_have(tracks, "smooth_feat") and _all_have(detections, "curr_feat"):
            emb = matching.embedding_distance(tracks, detections) / 2
            emb[emb > (1 - self.appearance_thresh)] = 1.0
            emb[far] = 1.0
            dists = np.minimum(dists, emb)
        return dists

    def multi_predict(self, tracks: list) -> None:
        BOTrack.multi_predict(tracks)

    def _det_features(self, dets: _Detections, img: np.ndarray | None) -> np.ndarray | None:
        """The detections' L2-normalised appearance features, when re-identification is on and features came."""
        feats = self.encoder(img, dets) if self.encoder is not None else None
        return None if feats is None else normalise(feats)

    def _take_features(self, work: TrackTable, rows: np.ndarray, feats: np.ndarray) -> None:
        """Matched tracks take the detection's feature as their latest and blend it into the smoothed one."""
        if work.smooth_feat is None:
            work.smooth_feat = np.full((len(work), feats.shape[1]), np.nan)
            work.curr_feat = work.smooth_feat.copy()
        work.smooth_feat[rows] = blend_features(work.smooth_feat[rows], feats, FEATURE_ALPHA)
        work.curr_feat[rows] = feats

    def _compensate_motion(self, work: TrackTable, img: np.ndarray, dets: _Detections) -> None:
        """Move all tracks by the camera motion GMC measures between the previous frame and `img`."""
        boxes = dets.coords[:, :4].copy()
        boxes[:, :2] -= boxes[:, 2:4] / 2
        boxes[:, 2:4] += boxes[:, :2]  # xywh -> xyxy (the axis-aligned part for rotated boxes)
        warp = self.gmc.apply(img, boxes)
        if len(work) and not np.allclose(warp, np.eye(2, 3)):
            work.mean[:], work.cov = warp_states(work.mean, work.cov, warp)

    def reset(self) -> None:
        """Forget every track and the previous frame."""
        super().reset()
        self.gmc.reset_params()


class _DetectorFeatures:
    """The encoder for `model: auto`: hands through the features the detector produced for each detection."""

    def __call__(self, img: np.ndarray | None, dets: _Detections) -> np.ndarray | None:
        return dets.feats


def _all_have(tracks: Any, attr: str) -> bool:
    """Whether every track (or every row of a Rows) has a feature `attr`."""
    if isinstance(tracks, Rows):
        feats = getattr(tracks, attr)
        return feats is not None and not np.isnan(feats[:, 0]).any()
    return all(getattr(t, attr, None) is not None for t in tracks)


def warp_states(mean: np.ndarray, cov: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 2x3 affine camera motion applied to (x, y, w, h) Kalman means (N, 8) and covariances (N, 8, 8)."""
    rot, shift = warp[:, :2], warp[:, 2]
    big = np.kron(np.eye(4), rot)  # the same 2x2 map on position, size and both velocities
    mean = mean @ big.T
    mean[:, :2] += shift
    return mean, big @ cov @ big.T


__all__ = ["BOTSORT", "BOTrack"]
