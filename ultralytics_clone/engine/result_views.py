"""Typed views over one image's prediction tensors: Boxes, Masks, Keypoints, Probs, OBB (torch or numpy data)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import torch

from ultralytics_clone.utils.ops import scale_coords, xywhr2xyxyxyxy, xyxy2xywh


class BaseTensor:
    """Wraps `data` (Tensor or ndarray) with its original image shape; cpu()/numpy()/cuda()/to() return new views."""

    def __init__(self, data: torch.Tensor | np.ndarray, orig_shape: tuple[int, int]) -> None:
        self.data = data
        self.orig_shape = tuple(orig_shape)

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    def _new(self, data: Any) -> BaseTensor:
        return self.__class__(data, self.orig_shape)

    def cpu(self) -> BaseTensor:
        return self if isinstance(self.data, np.ndarray) else self._new(self.data.cpu())

    def numpy(self) -> BaseTensor:
        return self if isinstance(self.data, np.ndarray) else self._new(self.data.cpu().numpy())

    def cuda(self) -> BaseTensor:
        return self._new(torch.as_tensor(self.data).cuda())

    def to(self, *args: Any, **kwargs: Any) -> BaseTensor:
        return self._new(torch.as_tensor(self.data).to(*args, **kwargs))

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, idx: Any) -> BaseTensor:
        return self._new(self.data[idx])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, orig_shape={self.orig_shape})"


def _norm(x: torch.Tensor | np.ndarray, shape: tuple[int, int]) -> torch.Tensor | np.ndarray:
    """Divide x/y columns of (N, 4) boxes by the image width/height (new array)."""
    h, w = shape[:2]
    x = x.clone() if isinstance(x, torch.Tensor) else np.copy(x)
    x[..., [0, 2]] /= w
    x[..., [1, 3]] /= h
    return x


class _Detections(BaseTensor):
    """Rows of box coordinates, then an optional track id, conf and cls; `widths` are the accepted row lengths."""

    widths: tuple[int, int] = (6, 7)
    layout = "xyxy, [id,] conf, cls"

    def __init__(self, boxes: torch.Tensor | np.ndarray, orig_shape: tuple[int, int]) -> None:
        if boxes.ndim == 1:
            boxes = boxes[None, :]
        if boxes.shape[-1] not in self.widths:
            raise ValueError(
                f"{type(self).__name__} expects (N, {self.widths[0]}) or (N, {self.widths[1]}) data ({self.layout}); "
                f"got shape {tuple(boxes.shape)}."
            )
        super().__init__(boxes, orig_shape)
        self.is_track = boxes.shape[-1] == self.widths[1]

    @property
    def conf(self):
        """Confidences (N,)."""
        return self.data[:, -2]

    @property
    def cls(self):
        """Class indices (N,), as floats."""
        return self.data[:, -1]

    @property
    def id(self):
        """Track ids (N,), or None when not tracking."""
        return self.data[:, -3] if self.is_track else None


class Boxes(_Detections):
    """Detections (N, 6) x1, y1, x2, y2, conf, cls or (N, 7) with a track id before conf."""

    @property
    def xyxy(self):
        """Tensor[N, 4]: x1, y1, x2, y2 in original-image pixels."""
        return self.data[:, :4]

    @cached_property
    def xywh(self):
        """Tensor[N, 4]: centre x, y, width, height in pixels."""
        return xyxy2xywh(self.xyxy)

    @cached_property
    def xyxyn(self):
        return _norm(self.xyxy, self.orig_shape)

    @cached_property
    def xywhn(self):
        return _norm(self.xywh, self.orig_shape)


class Masks(BaseTensor):
    """Instance masks (N, H, W) at inference resolution; `xy` / `xyn` polygons per instance."""

    def __init__(self, masks: torch.Tensor | np.ndarray, orig_shape: tuple[int, int]) -> None:
        super().__init__(masks[None] if masks.ndim == 2 else masks, orig_shape)

    @cached_property
    def xyn(self) -> list[np.ndarray]:
        return [p / np.array([self.orig_shape[1], self.orig_shape[0]], dtype=np.float32) for p in self.xy]

    @cached_property
    def xy(self) -> list[np.ndarray]:
        """Outer contour of each mask in original-image pixels, float32 (K, 2); masks at inference size (letterboxed)
        are mapped back through the letterbox."""
        import cv2

        data = self.data.cpu().numpy() if isinstance(self.data, torch.Tensor) else self.data
        out = []
        for m in data:  # contour tracing is inherently per mask
            mh, mw = m.shape
            contours, _ = cv2.findContours((m > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            c = max(contours, key=len).reshape(-1, 2).astype(np.float32) if contours else np.zeros((0, 2), np.float32)
            out.append(scale_coords((mh, mw), c, self.orig_shape))  # letterbox padding removed, then rescaled
        return out


class Keypoints(BaseTensor):
    """Keypoints (N, K, 2|3): x, y in original-image pixels, optional visibility confidence."""

    def __init__(self, keypoints: torch.Tensor | np.ndarray, orig_shape: tuple[int, int]) -> None:
        super().__init__(keypoints[None] if keypoints.ndim == 2 else keypoints, orig_shape)
        self.has_visible = self.data.shape[-1] == 3

    @property
    def xy(self):
        return self.data[..., :2]

    @property
    def xyn(self):
        xy = self.xy.clone() if isinstance(self.xy, torch.Tensor) else np.copy(self.xy)
        xy[..., 0] /= self.orig_shape[1]
        xy[..., 1] /= self.orig_shape[0]
        return xy

    @property
    def conf(self):
        return self.data[..., 2] if self.has_visible else None


class Probs(BaseTensor):
    """Class probabilities (nc,) of a classification result."""

    def __init__(self, probs: torch.Tensor | np.ndarray, orig_shape: tuple[int, int] | None = None) -> None:
        super().__init__(probs, orig_shape or (0, 0))

    def _new(self, data: Any) -> Probs:
        return Probs(data, self.orig_shape)

    @property
    def top1(self) -> int:
        return int(self.data.argmax())

    @property
    def top5(self) -> list[int]:
        order = (-self.data).argsort(0) if isinstance(self.data, torch.Tensor) else np.argsort(-self.data)
        return [int(i) for i in order[:5]]

    @property
    def top1conf(self):
        return self.data[self.top1]

    @property
    def top5conf(self):
        return self.data[self.top5]


class OBB(_Detections):
    """Rotated detections (N, 7) cx, cy, w, h, angle (radians), conf, cls, or (N, 8) with a track id."""

    widths = (7, 8)
    layout = "xywhr, [id,] conf, cls"

    @property
    def xywhr(self):
        """Tensor[N, 5]: centre x, y, width, height in pixels and the angle in radians."""
        return self.data[:, :5]

    @cached_property
    def xyxyxyxy(self):
        """Tensor[N, 4, 2]: corner points in pixels."""
        return xywhr2xyxyxyxy(self.xywhr)

    @cached_property
    def xyxyxyxyn(self):
        pts = self.xyxyxyxy.clone() if isinstance(self.xyxyxyxy, torch.Tensor) else np.copy(self.xyxyxyxy)
        pts[..., 0] /= self.orig_shape[1]
        pts[..., 1] /= self.orig_shape[0]
        return pts

    @cached_property
    def xyxy(self):
        """Axis-aligned bounds (N, 4) of the rotated boxes."""
        pts = self.xyxyxyxy
        if isinstance(pts, torch.Tensor):
            return torch.cat((pts.amin(1), pts.amax(1)), -1)
        return np.concatenate((pts.min(1), pts.max(1)), -1)


__all__ = ["BaseTensor", "Boxes", "Masks", "Keypoints", "Probs", "OBB"]
