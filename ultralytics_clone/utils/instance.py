"""Bboxes (one box array in a named format) and Instances (boxes + polygons + keypoints of one image)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

import numpy as np

from ultralytics_clone.utils.ops import (
    ltwh2xywh,
    ltwh2xyxy,
    resample_segments,
    xywh2ltwh,
    xywh2xyxy,
    xyxy2ltwh,
    xyxy2xywh,
)

_FORMATS = ("xyxy", "xywh", "ltwh")
_CONVERT = {
    ("xyxy", "xywh"): xyxy2xywh, ("xyxy", "ltwh"): xyxy2ltwh, ("xywh", "xyxy"): xywh2xyxy,
    ("xywh", "ltwh"): xywh2ltwh, ("ltwh", "xyxy"): ltwh2xyxy, ("ltwh", "xywh"): ltwh2xywh,
}  # fmt: skip


def _check_format(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"invalid bounding box format '{fmt}'; accepted formats are {', '.join(_FORMATS)}")


def _four(value) -> np.ndarray:
    """A scalar or 4-sequence as a length-4 array applied per coordinate."""
    if isinstance(value, Number):
        return np.full(4, value, dtype=np.float64)
    value = np.asarray(value, dtype=np.float64).reshape(-1)
    if value.size != 4:
        raise ValueError(f"expected a number or 4 values (one per box coordinate), got {value.size} values")
    return value


class Bboxes:
    """Boxes (ndarray[N, 4]) in format 'xyxy', 'xywh' or 'ltwh'; conversions happen in place."""

    def __init__(self, bboxes: np.ndarray, format: str = "xyxy") -> None:
        _check_format(format)
        bboxes = np.asarray(bboxes)
        bboxes = bboxes[None, :] if bboxes.ndim == 1 else bboxes
        if bboxes.ndim != 2 or bboxes.shape[1] != 4:
            raise ValueError(f"Bboxes expects an array of shape (N, 4), got {bboxes.shape}")
        self.bboxes = bboxes
        self.format = format

    def convert(self, format: str) -> None:
        """Rewrite the boxes in `format`."""
        _check_format(format)
        if format != self.format:
            self.bboxes = _CONVERT[(self.format, format)](self.bboxes)
            self.format = format

    def areas(self) -> np.ndarray:
        """Box areas (ndarray[N])."""
        b = self.bboxes
        if self.format == "xyxy":
            return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        return b[:, 2] * b[:, 3]

    def mul(self, scale) -> None:
        """Multiply each coordinate by a scalar or by the 4 per-coordinate factors."""
        self.bboxes = self.bboxes * _four(scale)

    def add(self, offset) -> None:
        """Add a scalar or the 4 per-coordinate offsets to each coordinate."""
        self.bboxes = self.bboxes + _four(offset)

    def __len__(self) -> int:
        return len(self.bboxes)

    @classmethod
    def concatenate(cls, boxes_list: Sequence[Bboxes], axis: int = 0) -> Bboxes:
        """One Bboxes from several of the same format."""
        if not isinstance(boxes_list, (list, tuple)):
            raise TypeError(f"Bboxes.concatenate expects a list or tuple of Bboxes, got {type(boxes_list).__name__}")
        if not boxes_list:
            return cls(np.empty((0, 4)))
        fmt = boxes_list[0].format
        if any(b.format != fmt for b in boxes_list):
            raise ValueError("Bboxes.concatenate needs every Bboxes in the same format; convert them first")
        return cls(np.concatenate([b.bboxes for b in boxes_list], axis=axis), format=fmt)

    def __getitem__(self, index) -> Bboxes:
        """Selected boxes as a new Bboxes (an int index keeps the 2-D shape)."""
        if isinstance(index, int):
            return Bboxes(self.bboxes[index].reshape(1, -1), self.format)
        b = self.bboxes[index]
        if b.ndim != 2:
            raise IndexError(f"indexing Bboxes with {index!r} did not give a 2-D array")
        return Bboxes(b, self.format)


def _as_segments(segments) -> np.ndarray:
    """Polygons as one float32 array (N, M, 2); a ragged list is resampled to a common point count."""
    if segments is None or len(segments) == 0:
        return np.zeros((0, 1000, 2), dtype=np.float32)
    if isinstance(segments, np.ndarray):
        return segments.astype(np.float32, copy=False)
    lengths = {len(s) for s in segments}
    if len(lengths) > 1:
        segments = resample_segments(segments, n=max(1000, max(lengths)))
    return np.stack([np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in segments], 0)


def _concat_keypoints(instances_list: Sequence[Instances], axis: int) -> np.ndarray | None:
    """Keypoints of all items; items without keypoints are allowed only when they have no instances."""
    kpts = [i.keypoints for i in instances_list]
    ref = next((k for k in kpts if k is not None), None)
    if ref is None:
        return None
    if any(k is None and len(i) for k, i in zip(kpts, instances_list)):
        raise ValueError("Instances.concatenate: some items have keypoints and others, with instances, do not")
    kpts = [np.zeros((0, *ref.shape[1:]), ref.dtype) if k is None else k for k in kpts]
    return np.concatenate(kpts, axis=axis)


class Instances:
    """The labels of one image: boxes, polygons (N, M, 2) and keypoints (N, K, 2|3), in pixels or normalised."""

    def __init__(self, bboxes: np.ndarray, segments=None, keypoints: np.ndarray | None = None,
                 bbox_format: str = "xywh", normalized: bool = True) -> None:  # fmt: skip
        self._bboxes = Bboxes(bboxes=bboxes, format=bbox_format)
        self.segments = _as_segments(segments)
        self.keypoints = keypoints
        self.normalized = normalized

    def convert_bbox(self, format: str) -> None:
        """Rewrite the boxes in `format` ('xyxy', 'xywh', 'ltwh')."""
        self._bboxes.convert(format=format)

    @property
    def bbox_areas(self) -> np.ndarray:
        """Box areas (ndarray[N]) in the current units."""
        return self._bboxes.areas()

    @property
    def bboxes(self) -> np.ndarray:
        """Boxes (ndarray[N, 4]) in the current format."""
        return self._bboxes.bboxes

    @property
    def bbox_format(self) -> str:
        return self._bboxes.format

    def _scale_points(self, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> None:
        """x -> x * sx + dx, y -> y * sy + dy on polygons and keypoints."""
        self.segments[..., 0] = self.segments[..., 0] * sx + dx
        self.segments[..., 1] = self.segments[..., 1] * sy + dy
        if self.keypoints is not None:
            self.keypoints[..., 0] = self.keypoints[..., 0] * sx + dx
            self.keypoints[..., 1] = self.keypoints[..., 1] * sy + dy

    def scale(self, scale_w: float, scale_h: float, bbox_only: bool = False) -> None:
        """Multiply x coordinates by scale_w and y by scale_h (polygons and keypoints too unless bbox_only)."""
        self._bboxes.mul(scale=(scale_w, scale_h, scale_w, scale_h))
        if not bbox_only:
            self._scale_points(scale_w, scale_h)

    def denormalize(self, w: int, h: int) -> None:
        """Normalised -> pixel coordinates of a w x h image; no-op when already in pixels."""
        if self.normalized:
            self.scale(w, h)
            self.normalized = False

    def normalize(self, w: int, h: int) -> None:
        """Pixel -> normalised coordinates of a w x h image; no-op when already normalised."""
        if not self.normalized:
            self.scale(1 / w, 1 / h)
            self.normalized = True

    def add_padding(self, padw: float, padh: float) -> None:
        """Shift everything by (padw, padh) pixels, as pasting onto a larger canvas does."""
        if self.normalized:
            raise ValueError("Instances.add_padding needs pixel coordinates; call denormalize(w, h) first")
        self._bboxes.add(offset=(padw, padh, padw, padh))
        self._scale_points(1.0, 1.0, padw, padh)

    def __getitem__(self, index) -> Instances:
        """Selected instances (int, slice, index array or boolean mask) as a new Instances."""
        index = [index] if isinstance(index, (int, np.integer)) else index
        return Instances(
            bboxes=self.bboxes[index],
            segments=self.segments[index] if len(self.segments) else self.segments,
            keypoints=self.keypoints[index] if self.keypoints is not None else None,
            bbox_format=self.bbox_format,
            normalized=self.normalized,
        )

    def _flip(self, axis: int, size: float) -> None:
        """Mirror coordinate `axis` (0: x, 1: y) inside [0, size]."""
        b = self.bboxes
        if self.bbox_format == "xyxy":
            lo, hi = b[:, axis].copy(), b[:, axis + 2].copy()
            b[:, axis], b[:, axis + 2] = size - hi, size - lo
        elif self.bbox_format == "xywh":
            b[:, axis] = size - b[:, axis]
        else:  # ltwh: left/top edge moves to size - (edge + extent)
            b[:, axis] = size - b[:, axis] - b[:, axis + 2]
        self.segments[..., axis] = size - self.segments[..., axis]
        if self.keypoints is not None:
            self.keypoints[..., axis] = size - self.keypoints[..., axis]

    def flipud(self, h: float) -> None:
        """Mirror vertically inside an image of height h (1 when normalised)."""
        self._flip(1, h)

    def fliplr(self, w: float) -> None:
        """Mirror horizontally inside an image of width w (1 when normalised); keypoint order is left to the caller."""
        self._flip(0, w)

    def clip(self, w: float, h: float, preserve_obb: bool = False) -> None:
        """Clip boxes, polygons and keypoints to the image; keypoints that were outside become invisible.

        Rotated-box corners (segments of 4 points) are always left whole, since clipping them point-wise would bend
        the rectangle; `preserve_obb` is accepted for compatibility and changes nothing.
        """
        fmt = self.bbox_format
        self.convert_bbox("xyxy")
        self.bboxes[:, [0, 2]] = self.bboxes[:, [0, 2]].clip(0, w)
        self.bboxes[:, [1, 3]] = self.bboxes[:, [1, 3]].clip(0, h)
        self.convert_bbox(fmt)
        if self.segments.shape[1] != 4:
            self.segments[..., 0] = self.segments[..., 0].clip(0, w)
            self.segments[..., 1] = self.segments[..., 1].clip(0, h)
        if self.keypoints is not None:
            k = self.keypoints
            if k.shape[-1] == 3:
                outside = (k[..., 0] < 0) | (k[..., 0] > w) | (k[..., 1] < 0) | (k[..., 1] > h)
                k[..., 2][outside] = 0.0
            k[..., 0] = k[..., 0].clip(0, w)
            k[..., 1] = k[..., 1].clip(0, h)

    def remove_zero_area_boxes(self) -> np.ndarray:
        """Drop instances whose box has no area; returns the boolean mask of those kept."""
        good = self.bbox_areas > 0
        if not good.all():
            self._bboxes = self._bboxes[good]
            if len(self.segments):
                self.segments = self.segments[good]
            if self.keypoints is not None:
                self.keypoints = self.keypoints[good]
        return good

    def update(self, bboxes: np.ndarray, segments=None, keypoints: np.ndarray | None = None) -> None:
        """Replace the boxes (same format), and the polygons / keypoints when given."""
        self._bboxes = Bboxes(bboxes, format=self.bbox_format)
        if segments is not None:
            self.segments = _as_segments(segments)
        if keypoints is not None:
            self.keypoints = keypoints

    def __len__(self) -> int:
        return len(self.bboxes)

    @classmethod
    def concatenate(cls, instances_list: Sequence[Instances], axis: int = 0) -> Instances:
        """One Instances from several with the same format, normalisation and keypoint shape."""
        if not isinstance(instances_list, (list, tuple)):
            raise TypeError(f"Instances.concatenate expects a list or tuple, got {type(instances_list).__name__}")
        if len(instances_list) == 1:
            return instances_list[0]
        first = instances_list[0]
        fmt, norm = first.bbox_format, first.normalized
        if any(i.bbox_format != fmt or i.normalized != norm for i in instances_list):
            raise ValueError("Instances.concatenate needs the same bbox format and normalisation in every item")
        bboxes = np.concatenate([i.bboxes for i in instances_list], axis=axis)
        segs = [i.segments for i in instances_list if len(i.segments)]
        if segs and len({s.shape[1] for s in segs}) > 1:  # different point counts: bring all to the largest
            n = max(s.shape[1] for s in segs)
            segs = [np.stack(resample_segments(list(s), n)) if s.shape[1] != n else s for s in segs]
        segments = np.concatenate(segs, axis=axis) if segs else first.segments
        if segs and len(segments) != len(bboxes):
            raise ValueError("Instances.concatenate: some items have polygons and others do not")
        keypoints = _concat_keypoints(instances_list, axis)
        return cls(bboxes, segments, keypoints, bbox_format=fmt, normalized=norm)

    def __repr__(self) -> str:
        return (
            f"Instances(n={len(self)}, bbox_format='{self.bbox_format}', normalized={self.normalized}, "
            f"segments={tuple(self.segments.shape)}, "
            f"keypoints={None if self.keypoints is None else self.keypoints.shape})"
        )
