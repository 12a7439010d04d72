"""Box, segment and coordinate helpers for numpy arrays and torch tensors; `Profile` timer."""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np
import torch

from ultralytics_clone.utils import warn_once

Array = np.ndarray | torch.Tensor


def make_divisible(x: float, divisor: int | float) -> int:
    """Smallest multiple of `divisor` that is >= x (divisor may be a tensor's max)."""
    if hasattr(divisor, "max"):
        divisor = int(divisor.max())
    return math.ceil(x / divisor) * divisor


class Profile(contextlib.ContextDecorator):
    """Accumulating wall-clock timer (`t`, seconds); context manager or decorator; syncs CUDA when timing on CUDA."""

    def __init__(self, t: float = 0.0, device: str | torch.device | None = None):
        self.t = t
        self.dt = 0.0
        self.start = 0.0
        if isinstance(device, str) and device.replace(",", "").isdigit():
            device = f"cuda:{device.split(',')[0]}"  # Ultralytics-style '0'
        self.device = torch.device(device) if device is not None else None
        self.cuda = bool(self.device is not None and self.device.type == "cuda")
        if self.cuda and not torch.cuda.is_available():
            warn_once(f"Profile(device='{device}'): CUDA is not available, timing on the CPU without CUDA sync.")
            self.cuda = False

    def __enter__(self) -> Profile:
        self.start = self.time()
        return self

    def __exit__(self, type, value, traceback) -> None:  # noqa: A002  (Ultralytics' parameter names)
        self.dt = self.time() - self.start
        self.t += self.dt

    def __str__(self) -> str:
        return f"Elapsed time is {self.t} s"

    def time(self) -> float:
        """Current time after waiting for queued CUDA work on the profiled device."""
        if self.cuda:
            torch.cuda.synchronize(self.device)
        return time.perf_counter()


def empty_like(x: Array) -> Array:
    """Uninitialised float array/tensor shaped like x (integer input becomes float32)."""
    if isinstance(x, torch.Tensor):
        return torch.empty_like(x, dtype=x.dtype if x.is_floating_point() else torch.float32)
    x = np.asarray(x)
    return np.empty_like(x, dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32)


def _check4(x: Array) -> None:
    if x.shape[-1] != 4:
        raise ValueError(f"expected boxes with 4 values in the last dimension, got shape {tuple(x.shape)}")


def xyxy2xywh(x: Array) -> Array:
    """(x1, y1, x2, y2) -> (cx, cy, w, h); x (Array[..., 4])."""
    _check4(x)
    y = _empty_like(x)
    y[..., 0] = (x[..., 0] + x[..., 2]) / 2
    y[..., 1] = (x[..., 1] + x[..., 3]) / 2
    y[..., 2] = x[..., 2] - x[..., 0]
    y[..., 3] = x[..., 3] - x[..., 1]
    return y


def xywh2xyxy(x: Array) -> Array:
    """(cx, cy, w, h) -> (x1, y1, x2, y2); x (Array[..., 4])."""
    _check4(x)
    y = _empty_like(x)
    half_w, half_h = x[..., 2] / 2, x[..., 3] / 2
    y[..., 0] = x[..., 0] - half_w
    y[..., 1] = x[..., 1] - half_h
    y[..., 2] = x[..., 0] + half_w
    y[..., 3] = x[..., 1] + half_h
    return y


def xywhn2xyxy(x: Array, w: int = 640, h: int = 640, padw: float = 0, padh: float = 0) -> Array:
    """Normalised (cx, cy, w, h) -> pixel (x1, y1, x2, y2), shifted by the padding."""
    _check4(x)
    y = _empty_like(x)
    y[..., 0] = w * (x[..., 0] - x[..., 2] / 2) + padw
    y[..., 1] = h * (x[..., 1] - x[..., 3] / 2) + padh
    y[..., 2] = w * (x[..., 0] + x[..., 2] / 2) + padw
    y[..., 3] = h * (x[..., 1] + x[..., 3] / 2) + padh
    return y


def xyxy2xywhn(x: Array, w: int = 640, h: int = 640, clip: bool = False, eps: float = 0.0) -> Array:
    """Pixel (x1, y1, x2, y2) -> normalised (cx, cy, w, h); clip=True first clips to the (h - eps, w - eps) image."""
    _check4(x)
    if clip:
        x = clip_boxes(x.clone() if isinstance(x, torch.Tensor) else np.array(x), (h - eps, w - eps))
    y = _empty_like(x)
    y[..., 0] = ((x[..., 0] + x[..., 2]) / 2) / w
    y[..., 1] = ((x[..., 1] + x[..., 3]) / 2) / h
    y[..., 2] = (x[..., 2] - x[..., 0]) / w
    y[..., 3] = (x[..., 3] - x[..., 1]) / h
    return y


def xyn2xy(x: Array, w: int = 640, h: int = 640, padw: float = 0, padh: float = 0) -> Array:
    """Normalised points (Array[..., 2]) -> pixels, shifted by the padding."""
    y = _empty_like(x)
    y[..., 0] = w * x[..., 0] + padw
    y[..., 1] = h * x[..., 1] + padh
    return y


def xywh2ltwh(x: Array) -> Array:
    """(cx, cy, w, h) -> (left, top, w, h)."""
    _check4(x)
    y = x.clone().float() if isinstance(x, torch.Tensor) else np.array(x, dtype=_empty_like(x).dtype)
    y[..., 0] = x[..., 0] - x[..., 2] / 2
    y[..., 1] = x[..., 1] - x[..., 3] / 2
    return y


def xyxy2ltwh(x: Array) -> Array:
    """(x1, y1, x2, y2) -> (left, top, w, h)."""
    _check4(x)
    y = x.clone().float() if isinstance(x, torch.Tensor) else np.array(x, dtype=_empty_like(x).dtype)
    y[..., 2] = x[..., 2] - x[..., 0]
    y[..., 3] = x[..., 3] - x[..., 1]
    return y


def ltwh2xywh(x: Array) -> Array:
    """(left, top, w, h) -> (cx, cy, w, h)."""
    _check4(x)
    y = x.clone().float() if isinstance(x, torch.Tensor) else np.array(x, dtype=_empty_like(x).dtype)
    y[..., 0] = x[..., 0] + x[..., 2] / 2
    y[..., 1] = x[..., 1] + x[..., 3] / 2
    return y


def ltwh2xyxy(x: Array) -> Array:
    """(left, top, w, h) -> (x1, y1, x2, y2)."""
    _check4(x)
    y = x.clone().float() if isinstance(x, torch.Tensor) else np.array(x, dtype=_empty_like(x).dtype)
    y[..., 2] = x[..., 0] + x[..., 2]
    y[..., 3] = x[..., 1] + x[..., 3]
    return y


def xyxyxyxy2xywhr(x: Array) -> Array:
    """Corner quads (Array[N, 8] or [N, 4, 2]) -> minimum-area rotated boxes (Array[N, 5]) xywhr, angle in [0, pi/2).

    Vectorised rotating calipers: every hull edge direction is among the point pairs, so all pairs are tried at once.
    Runs on the tensor's device (numpy input is computed on the CPU) and returns the input's array type, float32.
    """
    is_torch = isinstance(x, torch.Tensor)
    pts = (x.detach() if is_torch else torch.from_numpy(np.asarray(x))).double()
    if not len(pts):
        out = torch.zeros((0, 5), device=pts.device)
        return out if is_torch else out.numpy()
    pts = pts.reshape(len(pts), -1, 2)
    i, j = torch.triu_indices(pts.shape[1], pts.shape[1], offset=1, device=pts.device)
    edges = pts[:, j] - pts[:, i]  # (N, E, 2)
    theta = torch.atan2(edges[..., 1], edges[..., 0])
    cos, sin = torch.cos(theta)[..., None], torch.sin(theta)[..., None]  # (N, E, 1)
    u = pts[:, None, :, 0] * cos + pts[:, None, :, 1] * sin  # (N, E, P) coordinates along the edge
    v = -pts[:, None, :, 0] * sin + pts[:, None, :, 1] * cos  # and across it
    umin, umax, vmin, vmax = u.amin(-1), u.amax(-1), v.amin(-1), v.amax(-1)
    w, h = umax - umin, vmax - vmin
    tie = 1e-9 * torch.arange(w.shape[1], device=pts.device, dtype=w.dtype)  # equal areas: first pair wins
    best = torch.argmin(w * h + tie, dim=1, keepdim=True)
    w, h, th = w.gather(1, best)[:, 0], h.gather(1, best)[:, 0], theta.gather(1, best)[:, 0]
    uc = (umax.gather(1, best)[:, 0] + umin.gather(1, best)[:, 0]) / 2
    vc = (vmax.gather(1, best)[:, 0] + vmin.gather(1, best)[:, 0]) / 2
    c, s = torch.cos(th), torch.sin(th)
    cx, cy = uc * c - vc * s, uc * s + vc * c
    th = torch.remainder(th, math.pi)
    swap = th >= math.pi / 2
    w, h, th = torch.where(swap, h, w), torch.where(swap, w, h), torch.where(swap, th - math.pi / 2, th)
    out = torch.stack([cx, cy, w, h, th], -1).float()
    return out if is_torch else out.numpy()


def xywhr2xyxyxyxy(x: Array) -> Array:
    """Rotated boxes (Array[..., 5]) xywhr, radians -> corners (Array[..., 4, 2])."""
    if isinstance(x, torch.Tensor):
        cos, sin, cat, stack = torch.cos, torch.sin, torch.cat, torch.stack
    else:
        cos, sin, cat, stack = np.cos, np.sin, np.concatenate, np.stack
    ctr, w, h, angle = x[..., :2], x[..., 2:3], x[..., 3:4], x[..., 4:5]
    c, s = cos(angle), sin(angle)
    vec1 = cat([w / 2 * c, w / 2 * s], -1)
    vec2 = cat([-h / 2 * s, h / 2 * c], -1)
    return stack([ctr + vec1 + vec2, ctr + vec1 - vec2, ctr - vec1 - vec2, ctr - vec1 + vec2], -2)


def clip_boxes(boxes: Array, shape: tuple) -> Array:
    """Clip xyxy boxes (Array[..., 4]) to an image of shape (h, w, ...) in place; returns them."""
    h, w = shape[:2]
    if isinstance(boxes, torch.Tensor):
        limits = boxes.new_tensor(((0, 0, 0, 0), (w, h, w, h)))
        boxes[..., :4].clamp_(limits[0], limits[1])
    else:
        boxes[..., [0, 2]] = boxes[..., [0, 2]].clip(0, w)
        boxes[..., [1, 3]] = boxes[..., [1, 3]].clip(0, h)
    return boxes


def clip_coords(coords: Array, shape: tuple) -> Array:
    """Clip points (Array[..., 2+]) to an image of shape (h, w, ...) in place; returns them."""
    h, w = shape[:2]
    if isinstance(coords, torch.Tensor):
        coords[..., 0].clamp_(0, w)
        coords[..., 1].clamp_(0, h)
    else:
        coords[..., 0] = coords[..., 0].clip(0, w)
        coords[..., 1] = coords[..., 1].clip(0, h)
    return coords


def _gain_pad(img1_shape: tuple, img0_shape: tuple, ratio_pad) -> tuple[float, tuple[float, float]]:
    """Letterbox gain and (left, top) padding that mapped img0_shape onto img1_shape."""
    if ratio_pad is None:
        gain = min(img1_shape[0] / img0_shape[0], img1_shape[1] / img0_shape[1])
        pad = (
            round((img1_shape[1] - img0_shape[1] * gain) / 2 - 0.1),
            round((img1_shape[0] - img0_shape[0] * gain) / 2 - 0.1),
        )
        return gain, pad
    gain = ratio_pad[0]
    gain = gain[0] if isinstance(gain, (tuple, list)) else gain
    return gain, tuple(ratio_pad[1])


def _axis_gains(img1_shape: tuple, img0_shape: tuple, ratio_pad) -> tuple[float, float]:
    """(x gain, y gain): a ratio_pad gain pair is (h / h0, w / w0), as the data loader records it."""
    if ratio_pad is not None and isinstance(ratio_pad[0], (tuple, list)) and len(ratio_pad[0]) == 2:
        return float(ratio_pad[0][1]), float(ratio_pad[0][0])
    gain = _gain_pad(img1_shape, img0_shape, ratio_pad)[0]
    return gain, gain


def scale_boxes(img1_shape: tuple, boxes: Array, img0_shape: tuple, ratio_pad=None, padding: bool = True,
                xywh: bool = False) -> Array:  # fmt: skip
    """Map boxes (Array[N, 4+]) from the letterboxed img1_shape (h, w) back to img0_shape, in place, clipped.

    ratio_pad = (gain or (gain_h, gain_w), (pad_w, pad_h)) as the loader recorded it; a centred letterbox when None.
    """
    _, pad = _gain_pad(img1_shape, img0_shape, ratio_pad)
    gx, gy = _axis_gains(img1_shape, img0_shape, ratio_pad)
    shift = (pad[0], pad[1], 0, 0) if xywh else (pad[0], pad[1], pad[0], pad[1])
    if isinstance(boxes, torch.Tensor):  # two tensor ops for the four columns (the predictor's per-image path)
        shift_gain = boxes.new_tensor((shift, (gx, gy, gx, gy)))
        if padding:
            boxes[..., :4] -= shift_gain[0]
        boxes[..., :4] /= shift_gain[1]
    else:
        if padding:
            boxes[..., :4] -= np.asarray(shift, dtype=boxes.dtype)
        boxes[..., :4] /= np.asarray((gx, gy, gx, gy), dtype=boxes.dtype)
    return boxes if xywh else clip_boxes(boxes, img0_shape)


def scale_coords(img1_shape: tuple, coords: Array, img0_shape: tuple, ratio_pad=None, normalize: bool = False,
                 padding: bool = True) -> Array:  # fmt: skip
    """Map points (Array[..., 2+]) from letterboxed img1_shape back to img0_shape, in place; optionally normalised."""
    _, pad = _gain_pad(img1_shape, img0_shape, ratio_pad)
    gx, gy = _axis_gains(img1_shape, img0_shape, ratio_pad)
    if padding:
        coords[..., 0] -= pad[0]
        coords[..., 1] -= pad[1]
    coords[..., 0] /= gx
    coords[..., 1] /= gy
    coords = clip_coords(coords, img0_shape)
    if normalize:
        coords[..., 0] /= img0_shape[1]
        coords[..., 1] /= img0_shape[0]
    return coords


def segment2box(segment: np.ndarray, width: int = 640, height: int = 640) -> np.ndarray:
    """xyxy box (float32[4]) of a pixel polygon (N, 2)'s points inside the image; zeros when none are inside."""
    x, y = segment[:, 0], segment[:, 1]
    inside = (x >= 0) & (y >= 0) & (x <= width) & (y <= height)
    x, y = x[inside], y[inside]
    if not len(x):
        return np.zeros(4, dtype=np.float32)
    return np.array([x.min(), y.min(), x.max(), y.max()], dtype=np.float32)


def segments2boxes(segments: list[np.ndarray]) -> np.ndarray:
    """xywh boxes (float32[N, 4]) enclosing each polygon (k_i, 2) of the list."""
    if not len(segments):
        return np.zeros((0, 4), dtype=np.float32)
    lengths = np.array([len(s) for s in segments])
    pts = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in segments], 0)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    lo, hi = np.minimum.reduceat(pts, starts, axis=0), np.maximum.reduceat(pts, starts, axis=0)
    return xyxy2xywh(np.concatenate([lo, hi], 1)).astype(np.float32)


def resample_segments(segments: list[np.ndarray], n: int = 1000) -> list[np.ndarray]:
    """Each closed polygon (k, 2) resampled to n points (float32[n, 2]) along its outline, original vertices kept."""
    out = []
    for s in segments:
        s = np.asarray(s, dtype=np.float64).reshape(-1, 2)
        s = np.concatenate([s, s[:1]], 0)  # close the loop
        xp = np.arange(len(s))
        if len(s) < n:
            t = np.linspace(0, len(s) - 1, n - len(s))
            t = np.insert(t, np.searchsorted(t, xp), xp)
        else:
            t = np.linspace(0, len(s) - 1, n)
        out.append(np.stack([np.interp(t, xp, s[:, 0]), np.interp(t, xp, s[:, 1])], 1).astype(np.float32))
    return out


def clean_str(s: str) -> str:
    """Replace characters that are awkward in file names with underscores."""
    import re

    return re.sub(r"[|@#!¡·$€%&()=?¿^*;:,¨´><+]", "_", s)


_empty_like = empty_like  # the name this module's converters use


def convert_torch2numpy_batch(batch: torch.Tensor) -> np.ndarray:
    """A (B, C, H, W) float batch in 0-1 -> (B, H, W, C) uint8 numpy images (0-255)."""
    return (batch.permute(0, 2, 3, 1).contiguous() * 255).clamp(0, 255).to(torch.uint8).cpu().numpy()


def regularize_rboxes(rboxes: Array) -> Array:
    """Rotated boxes (..., 5) xywhr with the angle folded into [0, pi/2): w and h swap when the angle moves by pi/2."""
    x, y, w, h, t = (rboxes[..., i] for i in range(5))
    t = t % math.pi
    swap = t >= math.pi / 2
    if isinstance(rboxes, torch.Tensor):
        w2, h2 = torch.where(swap, h, w), torch.where(swap, w, h)
        return torch.stack([x, y, w2, h2, t % (math.pi / 2)], dim=-1)
    w2, h2 = np.where(swap, h, w), np.where(swap, w, h)
    return np.stack([x, y, w2, h2, t % (math.pi / 2)], axis=-1)


def linear_sum_assignment(cost_matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal assignment (row indices, column indices) minimising total cost; needs scipy (optional: pip install scipy)."""
    try:
        from scipy.optimize import linear_sum_assignment as solve
    except ImportError as err:
        raise ImportError("linear_sum_assignment needs scipy, an optional extra that is not installed: pip install scipy") from err
    return solve(cost_matrix)


from ultralytics_clone.utils.mask_ops import (  # noqa: E402  (re-exported at Ultralytics' path)
    crop_mask,
    masks2segments,
    process_mask,
    process_mask_native,
    process_mask_upsample,
    scale_image,
    scale_masks,
)

__all__ = [
    "Profile", "make_divisible", "xyxy2xywh", "xywh2xyxy", "xywhn2xyxy", "xyxy2xywhn", "xyn2xy", "xywh2ltwh",
    "xyxy2ltwh", "ltwh2xywh", "ltwh2xyxy", "xyxyxyxy2xywhr", "xywhr2xyxyxyxy", "clip_boxes", "clip_coords",
    "scale_boxes", "scale_coords", "segment2box", "segments2boxes", "resample_segments", "clean_str", "crop_mask",
    "masks2segments", "process_mask", "process_mask_native", "process_mask_upsample", "scale_image", "scale_masks",
    "empty_like", "convert_torch2numpy_batch", "regularize_rboxes", "linear_sum_assignment",
]  # fmt: skip
