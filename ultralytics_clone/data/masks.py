"""Polygon rasterisation for segment training masks; re-exported by `data.utils` (Ultralytics' path)."""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # sub-pixel bits for cv2.fillPoly


def _fill(canvas: np.ndarray, polygons: list[np.ndarray], color: int, ratio: int) -> np.ndarray:
    """Fill polygons (pixel coordinates of the full image) into `canvas`, which is the image downsampled by ratio."""
    scale = (1 << _SHIFT) / ratio
    pts = [np.round((np.asarray(p, np.float64).reshape(-1, 2) - ratio / 2) * scale).astype(np.int32) for p in polygons]
    cv2.fillPoly(canvas, pts, color=int(color), shift=_SHIFT)
    return canvas


def polygon2mask(imgsz: tuple[int, int], polygons: list[np.ndarray], color: int = 1,
                 downsample_ratio: int = 1) -> np.ndarray:  # fmt: skip
    """uint8 mask (h // ratio, w // ratio) of an image of size imgsz (h, w) with the pixel polygons filled in color."""
    h, w = imgsz[:2]
    mask = np.zeros((h // downsample_ratio, w // downsample_ratio), dtype=np.uint8)
    return _fill(mask, list(polygons), color, downsample_ratio)


def polygons2masks(imgsz: tuple[int, int], polygons: list[np.ndarray], color: int = 1,
                   downsample_ratio: int = 1) -> np.ndarray:  # fmt: skip
    """One uint8 mask per polygon: (N, h // ratio, w // ratio)."""
    h, w = imgsz[:2]
    masks = np.zeros((len(polygons), h // downsample_ratio, w // downsample_ratio), dtype=np.uint8)
    for mask, p in zip(masks, polygons):  # cv2 rasterises one canvas per call
        _fill(mask, [p], color, downsample_ratio)
    return masks


def _polygon_areas(polygons: np.ndarray) -> np.ndarray:
    """Shoelace areas of polygons (N, M, 2)."""
    x, y = polygons[..., 0], polygons[..., 1]
    return 0.5 * np.abs((x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y).sum(-1))


def polygons2masks_overlap(imgsz: tuple[int, int], segments: np.ndarray,
                           downsample_ratio: int = 1) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """One index mask (h // ratio, w // ratio): pixel = 1 + rank of the covering polygon by decreasing area.

    Smaller polygons are drawn over larger ones. Returns the mask and the area-sorted order of `segments`.
    """
    h, w = imgsz[:2]
    segments = np.asarray(segments, dtype=np.float64).reshape(len(segments), -1, 2)
    order = np.argsort(-_polygon_areas(segments), kind="stable")
    dtype = np.int32 if len(segments) > 255 else np.uint8
    mask = np.zeros((h // downsample_ratio, w // downsample_ratio), dtype=dtype)
    canvas = mask if dtype == np.uint8 else mask.astype(np.int32)
    for rank, i in enumerate(order, start=1):  # each polygon gets its own label value, so one call each
        _fill(canvas, [segments[i]], rank, downsample_ratio)
    return canvas, order
