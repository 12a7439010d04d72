"""ByteTrack: Kalman-predicted tracks matched to high-confidence detections first, then to low-confidence ones."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace
from typing import Any

import numpy as np

from ultralytics_clone.trackers.basetrack import BaseTrack, TrackState
from ultralytics_clone.trackers.track_table import COL, Rows, TrackTable
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

    @classmethod
    def _from_table(cls, table: TrackTable, kalman_filter: Any) -> list[STrack]:
        """A tracker's table rows as track objects (snapshots: changing them does not change the tracker)."""
        tlwh = cls._state_to_tlwh(table.mean[:, :4])
        out = []
        for k in range(len(table)):
            t = cls.__new__(cls)
            angle = float(table.angle[k])
            t.__dict__.update(
                _tlwh=tlwh[k], kalman_filter=kalman_filter, mean=table.mean[k].copy(), covariance=table.cov[k].copy(),
                score=float(table.score[k]), tracklet_len=int(table.tracklet_len[k]), cls=float(table.cls[k]),
                idx=int(table.idx[k]), angle=None if np.isnan(angle) else angle, track_id=int(table.track_id[k]),
                is_activated=bool(table.activated[k]), state=int(table.state[k]),
                start_frame=int(table.start_frame[k]), frame_id=int(table.frame_id[k]),
            )  # fmt: skip
            out.append(t)
        return out

    # -------------------------------------------------------------------------------------------- coordinates
    def convert_coords(self, tlwh: np.ndarray) -> np.ndarray:
        """Box(es) (.., 4) top-left x, y, w, h -> this track's Kalman measurement space."""
        return self._measure(tlwh)

    @staticmethod
    def _measure(tlwh: np.ndarray) -> np.ndarray:
        """convert_coords() without a track: top-left boxes -> Kalman measurements (centre x, y, aspect, height)."""
        return STrack.tlwh_to_xyah(tlwh)

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

    def tlwh(self) -> np.ndarray:
        """(N, 4) top-left x, y, width, height."""
        out = self.coords[:, :4].copy()
        out[:, :2] -= out[:, 2:] / 2
        return out

    def angle(self) -> np.ndarray:
        """(N,) rotation of rotated boxes; NaN for upright ones."""
        return self.coords[:, 4].copy() if self.coords.shape[1] == 6 else np.full(len(self), np.nan)

    def rows(self) -> Rows:
        """Boxes (xyxy, or xywhr for rotated ones), scores and features, as association costs read them."""
        if self.coords.shape[1] == 6:
            boxes = self.coords[:, :5]
        else:
            boxes = np.concatenate([self.coords[:, :2] - self.coords[:, 2:4] / 2, self.coords[:, :2] + self.coords[:, 2:4] / 2], 1)
        return Rows(boxes, self.conf, curr_feat=self.feats)


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
    Tracks live in arrays (a TrackTable each for tracked, lost and removed ones), so a frame costs a fixed number of
    array operations whatever the number of tracks; `tracked_stracks` & co. give them as STrack objects.
    """

    track_class = STrack

    def __init__(self, args: Any) -> None:
        self.args = _as_args(args)
        self.frame_id = 0
        self.max_frames_lost = int(self.args.track_buffer)
        self.kalman_filter = self.get_kalmanfilter()
        self._clear()
        self.reset_id()

    def _clear(self) -> None:
        self._tracked, self._lost = TrackTable.empty(), TrackTable.empty()
        self._removed: deque[TrackTable] = deque()  # chunks, at most REMOVED_KEPT rows beyond the newest chunk
        self._removed_rows = 0

    # ------------------------------------------------------------------------------------ tracks as objects
    @property
    def tracked_stracks(self) -> list[STrack]:
        """Tracked tracks (confirmed or not yet) as track objects: snapshots, changing them changes nothing."""
        return self.track_class._from_table(self._tracked, self.kalman_filter)

    @property
    def lost_stracks(self) -> list[STrack]:
        """Lost tracks (kept for track_buffer frames) as track objects (snapshots)."""
        return self.track_class._from_table(self._lost, self.kalman_filter)

    @property
    def removed_stracks(self) -> list[STrack]:
        """The last REMOVED_KEPT removed tracks as track objects (snapshots)."""
        table = TrackTable.concat(list(self._removed) or [TrackTable.empty()])
        return self.track_class._from_table(table.take(np.arange(max(len(table) - REMOVED_KEPT, 0), len(table))),
                                            self.kalman_filter)  # fmt: skip

    # ------------------------------------------------------------------------------------------ one frame
    def update(self, results: Any, img: np.ndarray | None = None, feats: Any = None, **kwargs: Any) -> np.ndarray:
        """Advance one frame with this frame's detections (a Boxes / OBB view); returns the active tracks."""
        self.frame_id += 1
        args = self.args
        dets = results if isinstance(results, _Detections) else _Detections.from_results(results, feats)
        dets.feats = self._det_features(dets, img)
        high = (dets.conf >= args.track_high_thresh).nonzero()[0]
        low = ((dets.conf > args.track_low_thresh) & (dets.conf < args.track_high_thresh)).nonzero()[0]
        det_rows = dets.rows()

        # every known track in one table: confirmed tracked and lost ones (the pool) first, then unconfirmed ones
        tracked, lost, n_tracked = self._tracked, self._lost, len(self._tracked)
        act = tracked.activated > 0
        order = np.concatenate([act.nonzero()[0], n_tracked + np.arange(len(lost)), (~act).nonzero()[0]])
        work = TrackTable.concat([tracked, lost])
        if act.all():
            where = order
        else:
            work = work.take(order)
            where = np.empty_like(order)
            where[order] = np.arange(len(order))  # previous position (tracked, then lost) -> row of `work`
        was_tracked, was_lost = where[:n_tracked], where[n_tracked:]
        n_pool = len(order) - int(np.count_nonzero(~act))
        pool, unconfirmed = np.arange(n_pool), np.arange(n_pool, len(order))
        self._predict(work, n_pool)
        if img is not None:
            self._compensate_motion(work, img, dets)
        track_rows = self._rows(work, slice(None))  # boxes after prediction: what the three stages compare

        # Each stage matches tracks the earlier ones left alone, so all matched tracks are corrected at the end at once.
        # 1) tracked and lost tracks <-> high-confidence detections
        m1, u_track, u_high = matching.linear_assignment(
            self.get_dists(track_rows.take(pool), det_rows.take(high)), args.match_thresh)  # fmt: skip
        rows1 = pool[m1[:, 0]]
        refound = rows1[work.state[rows1] != TrackState.Tracked]
        # 2) tracks still unmatched <-> low-confidence detections, by IoU alone
        left = pool[u_track]
        left = left[work.state[left] == TrackState.Tracked]
        m2, u_left, _ = matching.linear_assignment(
            matching.iou_distance(track_rows.take(left), det_rows.take(low)), thresh=0.5)  # fmt: skip
        newly_lost = left[u_left]
        work.state[newly_lost] = TrackState.Lost
        # 3) unconfirmed (one-frame) tracks <-> remaining high-confidence detections; the rest start new tracks
        rest = high[u_high]
        m3, u_unconf, u_rest = matching.linear_assignment(
            self.get_dists(track_rows.take(unconfirmed), det_rows.take(rest)), thresh=0.7)  # fmt: skip
        self._correct(work, np.concatenate([rows1, left[m2[:, 0]], unconfirmed[m3[:, 0]]]), dets,
                      np.concatenate([high[m1[:, 1]], low[m2[:, 1]], rest[m3[:, 1]]]))  # fmt: skip
        starts = rest[u_rest]
        new = self._start_tracks(dets, starts[dets.conf[starts] >= args.new_track_thresh])
        expired = was_lost[self.frame_id - work.frame_id[was_lost] > self.max_frames_lost]
        removed = np.concatenate([unconfirmed[u_unconf], expired])
        work.state[removed] = TrackState.Removed

        # tracked: the previous ones still tracked, then new and re-found ones; lost: the previous, then new ones
        table = TrackTable.concat([work, new])
        still = was_tracked[work.state[was_tracked] == TrackState.Tracked]
        tracked_rows = np.concatenate([still, len(work) + np.arange(len(new)), refound])
        lost_rows = np.concatenate([was_lost[work.state[was_lost] == TrackState.Lost], newly_lost])
        tracked_rows, lost_rows = self._drop_duplicates(table, tracked_rows, lost_rows)
        self._tracked, self._lost = table.take(tracked_rows), table.take(lost_rows)
        if len(removed):
            self._remember_removed(table.take(removed))
        return self._output(self._tracked, rotated=dets.coords.shape[1] == 6)

    def _predict(self, work: TrackTable, n: int) -> None:
        """One Kalman step for the first n rows; tracks not currently tracked stop changing size first."""
        if n == 0:
            return
        mean = work.mean[:n]
        idle = work.state[:n] != TrackState.Tracked
        if idle.any():
            for c in self.track_class._frozen_velocity:
                mean[idle, c] = 0
        work.mean[:n], work.cov[:n] = self.kalman_filter.multi_predict(mean, work.cov[:n])

    def _correct(self, work: TrackTable, rows: np.ndarray, dets: _Detections, cols: np.ndarray) -> None:
        """Kalman-correct tracks `rows` with detections `cols` in one batched step and adopt their score, class,
        angle, index (and appearance feature); tracks that were not tracked restart their tracklet."""
        if len(rows) == 0:
            return
        picked = dets[cols]
        z = self.track_class._measure(picked.tlwh())
        row = work.data[rows]  # (K, 18): Kalman mean, then the COLUMNS; written back at once
        row[:, :8], work.cov[rows] = self.kalman_filter.update(row[:, :8], work.cov[rows], z)
        was_tracked = row[:, COL["state"]] == TrackState.Tracked
        row[:, COL["tracklet_len"]] = np.where(was_tracked, row[:, COL["tracklet_len"]] + 1, 0)
        row[:, COL["state"]], row[:, COL["activated"]], row[:, COL["frame_id"]] = TrackState.Tracked, 1, self.frame_id
        row[:, COL["score"]], row[:, COL["cls"]] = picked.conf, picked.cls
        row[:, COL["idx"]], row[:, COL["angle"]] = picked.coords[:, -1], picked.angle()
        work.data[rows] = row
        if picked.feats is not None:
            self._take_features(work, rows, picked.feats)

    def _start_tracks(self, dets: _Detections, keep: np.ndarray) -> TrackTable:
        """New tracks from detections `keep`, with fresh ids (confirmed at once only on the first frame)."""
        n = len(keep)
        if n == 0:
            return TrackTable.empty()
        dets = dets[keep]
        mean, cov = self.kalman_filter.initiate(self.track_class._measure(dets.tlwh()))
        return TrackTable.build(mean, cov, dets.feats, score=dets.conf, cls=dets.cls, idx=dets.coords[:, -1],
                                angle=dets.angle(), track_id=BaseTrack._next_ids(n), state=TrackState.Tracked,
                                activated=self.frame_id == 1, start_frame=self.frame_id, frame_id=self.frame_id,
                                tracklet_len=0)  # fmt: skip

    def _drop_duplicates(self, table: TrackTable, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where a tracked (rows a) and a lost track (rows b) overlap (IoU > 0.85), keep the one followed longer."""
        if len(a) == 0 or len(b) == 0:
            return a, b
        boxes = self._rows(table, np.concatenate([a, b])).boxes
        pa, pb = np.nonzero(matching.iou_distance(boxes[: len(a)], boxes[len(a) :]) < 0.15)
        if len(pa) == 0:
            return a, b
        age = table.frame_id - table.start_frame
        older_a = age[a[pa]] > age[b[pb]]
        keep_a, keep_b = np.ones(len(a), bool), np.ones(len(b), bool)
        keep_a[pa[~older_a]] = False
        keep_b[pb[older_a]] = False
        return a[keep_a], b[keep_b]

    def _remember_removed(self, table: TrackTable) -> None:
        """Keep removed tracks for inspection, dropping the oldest beyond REMOVED_KEPT so memory stays flat."""
        if len(table):
            self._removed.append(table)
            self._removed_rows += len(table)
            while self._removed_rows - len(self._removed[0]) >= REMOVED_KEPT:
                self._removed_rows -= len(self._removed.popleft())

    def _rows(self, table: TrackTable, rows: np.ndarray | slice) -> Rows:
        """Tracks `rows` as association costs read them: boxes from the Kalman state, scores, smoothed features."""
        tlwh = self.track_class._state_to_tlwh(table.mean[rows, :4])
        angle = table.angle[rows]
        if len(angle) and not np.isnan(angle[0]):
            boxes = np.concatenate([tlwh[:, :2] + tlwh[:, 2:] / 2, tlwh[:, 2:], np.nan_to_num(angle)[:, None]], 1)
        else:
            boxes = np.concatenate([tlwh[:, :2], tlwh[:, :2] + tlwh[:, 2:]], 1)
        feats = None if table.smooth_feat is None else table.smooth_feat[rows]
        return Rows(boxes, table.score[rows], smooth_feat=feats)

    def _output(self, table: TrackTable, rotated: bool) -> np.ndarray:
        """Confirmed tracks as (N, 8) rows [x1, y1, x2, y2, id, score, cls, idx], or (N, 9) with x, y, w, h, angle."""
        rows = table.activated.nonzero()[0]
        tlwh = self.track_class._state_to_tlwh(table.mean[rows, :4])
        if rotated:
            angle = np.nan_to_num(table.angle[rows])[:, None]
            coords = np.concatenate([tlwh[:, :2] + tlwh[:, 2:] / 2, tlwh[:, 2:], angle], 1)
        else:
            coords = np.concatenate([tlwh[:, :2], tlwh[:, :2] + tlwh[:, 2:]], 1)
        rest = np.stack([table.track_id[rows], table.score[rows], table.cls[rows], table.idx[rows]], 1)
        return np.concatenate([coords, rest], 1).astype(np.float32)

    # ----------------------------------------------------------------------- what subclasses change
    def _det_features(self, dets: _Detections, img: np.ndarray | None) -> np.ndarray | None:
        """Appearance features of the detections (ByteTrack uses none)."""
        return None

    def _take_features(self, work: TrackTable, rows: np.ndarray, feats: np.ndarray) -> None:
        """Blend matched detections' features into the tracks' (ByteTrack keeps none)."""

    def _compensate_motion(self, work: TrackTable, img: np.ndarray, dets: _Detections) -> None:
        """Camera-motion correction of predicted tracks; ByteTrack has none (BOT-SORT does)."""

    def get_kalmanfilter(self) -> KalmanFilterXYAH:
        return KalmanFilterXYAH()

    def init_track(self, results: Any, img: np.ndarray | None = None) -> list[STrack]:
        """Detections (a Boxes / OBB view or the tracker's detection arrays) as not-yet-started tracks."""
        dets = results if isinstance(results, _Detections) else _Detections.from_results(results)
        return self.track_class._from_rows(dets.coords, dets.conf, dets.cls)

    def get_dists(self, tracks: Any, detections: Any) -> np.ndarray:
        """Association cost between tracks and detections (track lists or Rows): 1 - IoU, weighted by detection
        score when fuse_score is on."""
        dists = matching.iou_distance(tracks, detections)
        return matching.fuse_score(dists, detections) if self.args.fuse_score else dists

    def multi_predict(self, tracks: list) -> None:
        STrack.multi_predict(tracks)

    @staticmethod
    def reset_id() -> None:
        STrack.reset_id()

    def reset(self) -> None:
        """Forget every track and restart ids and frame count."""
        self._clear()
        self.frame_id = 0
        self.kalman_filter = self.get_kalmanfilter()
        self.reset_id()


__all__ = ["BYTETracker", "STrack"]
