"""ByteTrack: Kalman-predicted tracks matched to high-confidence detections first, then to low-confidence ones."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ultralytics_clone.trackers.basetrack import BaseTrack, TrackState
from ultralytics_clone.trackers.utils import matching
from ultralytics_clone.trackers.utils.kalman_filter import KalmanFilterXYAH

REMOVED_KEPT = 1000  # removed tracks remembered (for inspection); older ones are dropped so memory stays flat


class STrack(BaseTrack):
    """One tracked box: Kalman state in (x, y, aspect, h), the latest score, class, angle (OBB) and detection index.

    `xywh` is (x, y, w, h, idx) or, for rotated boxes, (x, y, w, h, angle, idx); idx is the detection's row.
    """

    shared_kalman = KalmanFilterXYAH()
    _frozen_velocity = [7]  # velocity entries zeroed while the track is not Tracked (height change)

    def __init__(self, xywh: Any, score: float, cls: Any) -> None:
        super().__init__()
        xywh = np.asarray(xywh, dtype=np.float64)
        if len(xywh) not in (5, 6) or xywh.ndim != 1:
            raise ValueError(f"STrack expects (x, y, w, h, idx) or (x, y, w, h, angle, idx), got shape {xywh.shape}.")
        self._tlwh = np.array([xywh[0] - xywh[2] / 2, xywh[1] - xywh[3] / 2, xywh[2], xywh[3]])
        self.kalman_filter = None
        self.mean: np.ndarray | None = None
        self.covariance: np.ndarray | None = None
        self.score = float(score)
        self.tracklet_len = 0
        self.cls = cls
        self.idx = int(xywh[-1])
        self.angle = float(xywh[4]) if len(xywh) == 6 else None

    @classmethod
    def _from_rows(cls, coords: np.ndarray, conf: np.ndarray, classes: np.ndarray) -> list[STrack]:
        """Many not-yet-started tracks at once: what __init__ does for each row of coords (N, 5|6), but vectorised."""
        if len(conf) == 0:
            return []
        tlwh = np.array(coords[:, :4], dtype=np.float64)
        tlwh[:, :2] -= tlwh[:, 2:] / 2
        angles = coords[:, 4].tolist() if coords.shape[1] == 6 else [None] * len(conf)
        proto = cls(np.zeros(5), 0.0, 0).__dict__
        out = []
        for t4, s, c, i, a in zip(tlwh, conf.tolist(), classes.tolist(), coords[:, -1].astype(int).tolist(), angles):
            t = cls.__new__(cls)
            t.__dict__.update(proto, _tlwh=t4, score=s, cls=c, idx=i, angle=a)
            out.append(t)
        return out

    # ------------------------------------------------------------------------------------------------- motion
    def predict(self) -> None:
        """Advance this track's Kalman state one frame."""
        mean = self.mean.copy()
        if self.state != TrackState.Tracked:
            mean[self._frozen_velocity] = 0
        self.mean, self.covariance = self.kalman_filter.predict(mean, self.covariance)

    @staticmethod
    def multi_predict(stracks: list[STrack]) -> None:
        """predict() for many tracks in one batched Kalman step."""
        if not stracks:
            return
        kind = type(stracks[0])
        mean = np.array([t.mean for t in stracks])
        cov = np.array([t.covariance for t in stracks])
        idle = np.array([t.state != TrackState.Tracked for t in stracks])
        mean[np.ix_(idle, kind._frozen_velocity)] = 0
        mean, cov = kind.shared_kalman.multi_predict(mean, cov)
        for t, m, c in zip(stracks, mean, cov):
            t.mean, t.covariance = m, c

    def activate(self, kalman_filter: Any, frame_id: int) -> None:
        """Start a new track with a fresh id (confirmed at once only on the first frame)."""
        self.kalman_filter = kalman_filter
        self.track_id = self.next_id()
        self.mean, self.covariance = kalman_filter.initiate(self.convert_coords(self._tlwh))
        self._start(frame_id)

    def _start(self, frame_id: int) -> None:
        self.tracklet_len = 0
        self.state = TrackState.Tracked
        self.is_activated = frame_id == 1
        self.frame_id = self.start_frame = frame_id

    def re_activate(self, new_track: STrack, frame_id: int, new_id: bool = False) -> None:
        """Resume a lost track with the detection that found it again."""
        mean, cov = self.kalman_filter.update(self.mean, self.covariance, self.convert_coords(new_track.tlwh))
        self._take(new_track, frame_id, mean, cov, restart=True)
        if new_id:
            self.track_id = self.next_id()

    def update(self, new_track: STrack, frame_id: int) -> None:
        """Correct the state with a matched detection and adopt its score, class, angle and index."""
        mean, cov = self.kalman_filter.update(self.mean, self.covariance, self.convert_coords(new_track.tlwh))
        self._take(new_track, frame_id, mean, cov, restart=False)

    def _take(self, new_track: STrack, frame_id: int, mean: np.ndarray, cov: np.ndarray, restart: bool) -> None:
        """Adopt a corrected Kalman state and the matched detection's attributes."""
        self.mean, self.covariance = mean, cov
        self.tracklet_len = 0 if restart else self.tracklet_len + 1
        self.state = TrackState.Tracked
        self.is_activated = True
        self.frame_id = frame_id
        self.score, self.cls, self.angle, self.idx = new_track.score, new_track.cls, new_track.angle, new_track.idx

    # -------------------------------------------------------------------------------------------- coordinates
    def convert_coords(self, tlwh: np.ndarray) -> np.ndarray:
        """Box(es) (.., 4) top-left x, y, w, h -> this track's Kalman measurement space."""
        return self.tlwh_to_xyah(tlwh)

    @staticmethod
    def tlwh_to_xyah(tlwh: np.ndarray) -> np.ndarray:
        """(.., 4) top-left x, y, w, h -> centre x, y, aspect w/h, height."""
        ret = np.array(tlwh, dtype=np.float64)
        ret[..., :2] += ret[..., 2:] / 2
        ret[..., 2] /= ret[..., 3]
        return ret

    @staticmethod
    def _state_to_tlwh(state: np.ndarray) -> np.ndarray:
        """(N, 4) Kalman positions (x, y, a, h) -> top-left x, y, w, h (new array)."""
        ret = np.array(state, dtype=np.float64)
        ret[:, 2] *= ret[:, 3]
        ret[:, :2] -= ret[:, 2:] / 2
        return ret

    @classmethod
    def _batch_tlwh(cls, stracks: list[STrack]) -> np.ndarray:
        """tlwh of many tracks (N, 4) at once."""
        if not stracks:
            return np.zeros((0, 4))
        started = [t.mean is not None for t in stracks]
        if all(started):
            return cls._state_to_tlwh([t.mean[:4] for t in stracks])
        if not any(started):  # detections: their boxes as given
            return np.array([t._tlwh for t in stracks])
        return np.array([t.tlwh for t in stracks])

    @property
    def tlwh(self) -> np.ndarray:
        """Top-left x, y, width, height: the Kalman estimate, or the detection for a track not yet started."""
        if self.mean is None:
            return self._tlwh.copy()
        return self._state_to_tlwh(self.mean[None, :4])[0]

    @property
    def xyxy(self) -> np.ndarray:
        ret = self.tlwh
        ret[2:] += ret[:2]
        return ret

    @property
    def xywh(self) -> np.ndarray:
        ret = self.tlwh
        ret[:2] += ret[2:] / 2
        return ret

    @property
    def xywha(self) -> np.ndarray:
        """Centre x, y, w, h and the angle (radians) of the last matched rotated detection."""
        return np.append(self.xywh, self.angle if self.angle is not None else 0.0)

    @property
    def result(self) -> list[float]:
        """[x1, y1, x2, y2 (or x, y, w, h, angle), track_id, score, cls, idx]."""
        coords = self.xyxy if self.angle is None else self.xywha
        return [*coords.tolist(), self.track_id, self.score, float(self.cls), self.idx]

    def __repr__(self) -> str:
        return f"OT_{self.track_id}_({self.start_frame}-{self.end_frame})"


class _Detections:
    """One frame's detections as arrays: coords (N, 5|6) with the row index last, conf, cls, optional feats."""

    def __init__(self, coords: np.ndarray, conf: np.ndarray, cls: np.ndarray, feats: np.ndarray | None = None):
        self.coords, self.conf, self.cls, self.feats = coords, conf, cls, feats

    @classmethod
    def from_results(cls, results: Any, feats: Any = None) -> _Detections:
        """From a Boxes / OBB view (numpy or torch): xywh (or xywhr), conf, cls."""
        box = results.xywhr if hasattr(results, "xywhr") else results.xywh
        box = _np(box)
        box = box[None] if box.ndim == 1 else box
        coords = np.concatenate([box, np.arange(len(box), dtype=np.float64)[:, None]], 1)
        feats = None if feats is None else _np(feats).reshape(len(box), -1)
        return cls(coords, _np(results.conf).reshape(-1), _np(results.cls).reshape(-1), feats)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, keep: np.ndarray) -> _Detections:
        return _Detections(self.coords[keep], self.conf[keep], self.cls[keep],
                           None if self.feats is None else self.feats[keep])  # fmt: skip


def _np(x: Any) -> np.ndarray:
    """A Tensor or array-like as a float64 numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _as_args(args: Any) -> Any:
    """A dict of tracker settings as an attribute namespace (namespaces pass through)."""
    return SimpleNamespace(**args) if isinstance(args, dict) else args


class BYTETracker:
    """Multi-object tracker (ByteTrack). `update(boxes)` once per frame -> ndarray of active tracks.

    Each returned row is [x1, y1, x2, y2, track_id, score, cls, idx] (rotated boxes: x, y, w, h, angle, ...), where
    idx is the detection's row in the input. `args` holds a tracker YAML's settings (track_high_thresh, ...).
    """

    track_class = STrack

    def __init__(self, args: Any) -> None:
        self.args = _as_args(args)
        self.tracked_stracks: list[STrack] = []
        self.lost_stracks: list[STrack] = []
        self.removed_stracks: list[STrack] = []
        self.frame_id = 0
        self.max_frames_lost = int(self.args.track_buffer)
        self.kalman_filter = self.get_kalmanfilter()
        self.reset_id()

    def update(self, results: Any, img: np.ndarray | None = None, feats: Any = None, **kwargs: Any) -> np.ndarray:
        """Advance one frame with this frame's detections (a Boxes / OBB view); returns the active tracks."""
        self.frame_id += 1
        args = self.args
        dets = results if isinstance(results, _Detections) else _Detections.from_results(results, feats)
        high = dets.conf >= args.track_high_thresh
        low = (dets.conf > args.track_low_thresh) & ~high
        detections = self.init_track(dets[high], img)
        unconfirmed = [t for t in self.tracked_stracks if not t.is_activated]
        tracked = [t for t in self.tracked_stracks if t.is_activated]
        pool = joint_stracks(tracked, self.lost_stracks)
        self.multi_predict(pool)
        if img is not None:
            self._compensate_motion(pool + unconfirmed, img, dets)
        activated: list[STrack] = []
        refound: list[STrack] = []

        # 1) tracked and lost tracks <-> high-confidence detections
        matches, u_track, u_det = matching.linear_assignment(self.get_dists(pool, detections), args.match_thresh)
        self._correct(pool, detections, matches, activated, refound)
        # 2) tracks still unmatched <-> low-confidence detections, by IoU alone
        second = self.init_track(dets[low], img)
        left = [pool[i] for i in u_track if pool[i].state == TrackState.Tracked]
        matches, u_left, _ = matching.linear_assignment(matching.iou_distance(left, second), thresh=0.5)
        self._correct(left, second, matches, activated, refound)
        for i in u_left:
            left[i].mark_lost()
        # 3) unconfirmed (one-frame) tracks <-> remaining high-confidence detections; the rest start new tracks
        rest = [detections[i] for i in u_det]
        matches, u_unconf, u_rest = matching.linear_assignment(self.get_dists(unconfirmed, rest), thresh=0.7)
        self._correct(unconfirmed, rest, matches, activated, activated)
        removed = [unconfirmed[i] for i in u_unconf]
        starts = [rest[i] for i in u_rest if rest[i].score >= args.new_track_thresh]
        self._start_tracks(starts)
        activated += starts
        for t in self.lost_stracks:
            if self.frame_id - t.end_frame > self.max_frames_lost:
                removed.append(t)
        for t in removed:
            t.mark_removed()

        still = [t for t in self.tracked_stracks if t.state == TrackState.Tracked]
        self.tracked_stracks = joint_stracks(still, activated + refound)
        lost = joint_stracks(self.lost_stracks, [left[i] for i in u_left])
        self.lost_stracks = [t for t in lost if t.state == TrackState.Lost]
        self.tracked_stracks, self.lost_stracks = remove_duplicate_stracks(self.tracked_stracks, self.lost_stracks)
        self.removed_stracks = (self.removed_stracks + removed)[-REMOVED_KEPT:]
        return tracks_array([t for t in self.tracked_stracks if t.is_activated], rotated=dets.coords.shape[1] == 6)

    def _correct(self, tracks: list, detections: list, matches: np.ndarray, activated: list, refound: list) -> None:
        """Kalman-correct every matched track in one batched step; Tracked ones go to `activated`, Lost to `refound`."""
        if len(matches) == 0:
            return
        ts = [tracks[i] for i in matches[:, 0]]
        ds = [detections[j] for j in matches[:, 1]]
        z = ts[0].convert_coords(np.array([d._tlwh for d in ds]))
        mean, cov = self.kalman_filter.update(np.array([t.mean for t in ts]), np.array([t.covariance for t in ts]), z)
        for t, d, m, c in zip(ts, ds, mean, cov):
            was_tracked = t.state == TrackState.Tracked
            t._take(d, self.frame_id, m, c, restart=not was_tracked)
            (activated if was_tracked else refound).append(t)

    def _start_tracks(self, tracks: list) -> None:
        """activate() for many new tracks with one batched Kalman initiation."""
        if not tracks:
            return
        mean, cov = self.kalman_filter.initiate(tracks[0].convert_coords(np.array([t._tlwh for t in tracks])))
        for t, m, c in zip(tracks, mean, cov):
            t.kalman_filter, t.track_id, t.mean, t.covariance = self.kalman_filter, t.next_id(), m, c
            t._start(self.frame_id)

    def _compensate_motion(self, tracks: list, img: np.ndarray, dets: _Detections) -> None:
        """Camera-motion correction of predicted tracks; ByteTrack has none (BOT-SORT does)."""

    def get_kalmanfilter(self) -> KalmanFilterXYAH:
        return KalmanFilterXYAH()

    def init_track(self, results: Any, img: np.ndarray | None = None) -> list[STrack]:
        """Detections (a Boxes / OBB view or the tracker's detection arrays) as not-yet-started tracks."""
        dets = results if isinstance(results, _Detections) else _Detections.from_results(results)
        return self.track_class._from_rows(dets.coords, dets.conf, dets.cls)

    def get_dists(self, tracks: list, detections: list) -> np.ndarray:
        """Association cost: 1 - IoU, weighted by detection score when fuse_score is on."""
        dists = matching.iou_distance(tracks, detections)
        return matching.fuse_score(dists, detections) if self.args.fuse_score else dists

    def multi_predict(self, tracks: list) -> None:
        STrack.multi_predict(tracks)

    @staticmethod
    def reset_id() -> None:
        STrack.reset_id()

    def reset(self) -> None:
        """Forget every track and restart ids and frame count."""
        self.tracked_stracks, self.lost_stracks, self.removed_stracks = [], [], []
        self.frame_id = 0
        self.kalman_filter = self.get_kalmanfilter()
        self.reset_id()


def tracks_array(stracks: list[STrack], rotated: bool = False) -> np.ndarray:
    """`result` rows of many tracks as one float32 array: (N, 8), or (N, 9) for rotated boxes."""
    if not stracks:
        return np.zeros((0, 9 if rotated else 8), dtype=np.float32)
    tlwh = type(stracks[0])._batch_tlwh(stracks)
    if rotated:
        angle = [[t.angle if t.angle is not None else 0.0] for t in stracks]
        coords = np.concatenate([tlwh[:, :2] + tlwh[:, 2:] / 2, tlwh[:, 2:], angle], 1)
    else:
        coords = np.concatenate([tlwh[:, :2], tlwh[:, :2] + tlwh[:, 2:]], 1)
    rest = np.array([(t.track_id, t.score, float(t.cls), t.idx) for t in stracks], dtype=np.float64)
    return np.concatenate([coords, rest], 1).astype(np.float32)


def joint_stracks(a: list, b: list) -> list:
    """a, then the tracks of b whose id is not in a (each id once)."""
    ids = {t.track_id for t in a}
    out = list(a)
    for t in b:
        if t.track_id not in ids:
            ids.add(t.track_id)
            out.append(t)
    return out


def sub_stracks(a: list, b: list) -> list:
    """The tracks of a whose id is not in b."""
    ids = {t.track_id for t in b}
    return [t for t in a if t.track_id not in ids]


def remove_duplicate_stracks(a: list, b: list) -> tuple[list, list]:
    """Where a tracked and a lost track overlap (IoU > 0.85), keep only the one followed for longer."""
    if not a or not b:
        return a, b
    pa, pb = np.nonzero(matching.iou_distance(a, b) < 0.15)
    if len(pa) == 0:
        return a, b
    age_a = np.array([t.frame_id - t.start_frame for t in a])[pa]
    age_b = np.array([t.frame_id - t.start_frame for t in b])[pb]
    drop_a, drop_b = set(pa[age_a <= age_b].tolist()), set(pb[age_a > age_b].tolist())
    return [t for i, t in enumerate(a) if i not in drop_a], [t for i, t in enumerate(b) if i not in drop_b]


__all__ = ["BYTETracker", "STrack"]
