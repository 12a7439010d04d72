"""Geometric transforms that move pixels and labels together: LetterBox, RandomPerspective, RandomFlip."""

from __future__ import annotations

import math
import random

import cv2
import numpy as np

from ultralytics_clone.utils.instance import Instances

PAD_VALUE = 114


class LetterBox:
    """Resize keeping the aspect ratio, then pad to new_shape (h, w); used on images alone or on a labels dict.

    auto: pad only up to a multiple of `stride`; scale_fill: stretch to new_shape without padding; scaleup=False
    never enlarges; center=False pads right/bottom only. The padding (left, top) is recorded in labels['ratio_pad'].
    """

    def __init__(self, new_shape: int | tuple[int, int] = (640, 640), auto: bool = False, scale_fill: bool = False,
                 scaleup: bool = True, center: bool = True, stride: int = 32, padding_value: int = PAD_VALUE,
                 interpolation: int = cv2.INTER_LINEAR, scaleFill: bool | None = None) -> None:  # fmt: skip
        self.new_shape = new_shape
        self.auto = auto
        self.scale_fill = scale_fill if scaleFill is None else scaleFill
        self.scaleup = scaleup
        self.center = center
        self.stride = stride
        self.padding_value = padding_value
        self.interpolation = interpolation

    def _geometry(self, shape: tuple[int, int], new_shape: tuple[int, int]):
        """(ratio_w, ratio_h), resized (w, h), padding (dw, dh) for an image of shape (h, w)."""
        r = min(new_shape[0] / shape[0], new_shape[1] / shape[1])
        if not self.scaleup:
            r = min(r, 1.0)
        ratio = (r, r)
        unpad = (int(round(shape[1] * r)), int(round(shape[0] * r)))
        dw, dh = new_shape[1] - unpad[0], new_shape[0] - unpad[1]
        if self.auto:
            dw, dh = dw % self.stride, dh % self.stride
        elif self.scale_fill:
            dw, dh = 0.0, 0.0
            unpad = (new_shape[1], new_shape[0])
            ratio = (new_shape[1] / shape[1], new_shape[0] / shape[0])
        if self.center:
            dw, dh = dw / 2, dh / 2
        return ratio, unpad, (dw, dh)

    def __call__(self, labels: dict | None = None, image: np.ndarray | None = None) -> dict | np.ndarray:
        labels = {} if labels is None else labels
        img = labels.get("img") if image is None else image
        shape = img.shape[:2]
        new_shape = labels.pop("rect_shape", self.new_shape)
        new_shape = (new_shape, new_shape) if isinstance(new_shape, int) else tuple(new_shape)
        ratio, unpad, (dw, dh) = self._geometry(shape, new_shape)
        if (shape[1], shape[0]) != unpad:
            img = cv2.resize(img, unpad, interpolation=self.interpolation)
            img = img[..., None] if img.ndim == 2 else img
        top, bottom = (int(round(dh - 0.1)) if self.center else 0), int(round(dh + 0.1))
        left, right = (int(round(dw - 0.1)) if self.center else 0), int(round(dw + 0.1))
        channels = img.shape[2] if img.ndim == 3 else 1
        value = (self.padding_value,) * min(channels, 4)
        if top or bottom or left or right:
            padded = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=value)
            img = padded[..., None] if padded.ndim == 2 and img.ndim == 3 else padded
        if labels.get("ratio_pad"):
            labels["ratio_pad"] = (labels["ratio_pad"], (left, top))
        if not labels:
            return img
        if "instances" in labels:
            inst: Instances = labels["instances"]
            inst.convert_bbox("xyxy")
            inst.denormalize(shape[1], shape[0])
            inst.scale(*ratio)
            inst.add_padding(left, top)
        labels["img"] = img
        labels["resized_shape"] = new_shape
        return labels


def boxes_from_points(points: np.ndarray, w: float, h: float) -> np.ndarray:
    """xyxy boxes (float32[N, 4]) of each polygon's (N, M, 2) points inside the w x h image; zeros when none are."""
    inside = (points[..., 0] >= 0) & (points[..., 1] >= 0) & (points[..., 0] <= w) & (points[..., 1] <= h)
    lo = np.where(inside[..., None], points, np.inf).min(1)
    hi = np.where(inside[..., None], points, -np.inf).max(1)
    return np.where(inside.any(1)[:, None], np.concatenate([lo, hi], 1), 0.0).astype(np.float32)


def box_candidates(box1: np.ndarray, box2: np.ndarray, wh_thr: float = 2, ar_thr: float = 100,
                   area_thr: float = 0.1, eps: float = 1e-16) -> np.ndarray:  # fmt: skip
    """Keep mask for boxes (4, N) xyxy before (box1) and after (box2) augmentation: big, not too thin, not too cut."""
    w1, h1 = box1[2] - box1[0], box1[3] - box1[1]
    w2, h2 = box2[2] - box2[0], box2[3] - box2[1]
    ar = np.maximum(w2 / (h2 + eps), h2 / (w2 + eps))
    return (w2 > wh_thr) & (h2 > wh_thr) & (w2 * h2 / (w1 * h1 + eps) > area_thr) & (ar < ar_thr)


class RandomPerspective:
    """Random rotation (+-degrees), scale (1 +- scale), shear (+-degrees), translation (+-fraction) and perspective.

    Boxes are re-derived from the warped polygons when there are any (tighter), else from warped box corners;
    keypoints leaving the image become invisible. `pre_transform` (e.g. LetterBox) runs first on non-mosaic samples.
    `size` (int or (w, h)) fixes the output size; by default it is the input's plus twice the (mosaic) border.
    Rotated boxes (4-corner polygons) always stay rigid quads, so `preserve_obb` is accepted and needs no switch.
    """

    def __init__(self, degrees: float = 0.0, translate: float = 0.1, scale: float = 0.5, shear: float = 0.0,
                 perspective: float = 0.0, size: int | tuple[int, int] | None = None, preserve_obb: bool = False,
                 border: tuple[int, int] = (0, 0), pre_transform=None) -> None:  # fmt: skip
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.shear = shear
        self.perspective = perspective
        self.border = border
        self.pre_transform = pre_transform
        self.preserve_obb = preserve_obb
        self.out_size = (size, size) if isinstance(size, int) else tuple(size) if size is not None else None
        self.size = (0, 0)

    def _matrix(self, img: np.ndarray) -> tuple[np.ndarray, float]:
        """3x3 homography (centre -> perspective -> rotate/scale -> shear -> translate) and the scale factor."""
        C = np.eye(3, dtype=np.float32)
        C[0, 2], C[1, 2] = -img.shape[1] / 2, -img.shape[0] / 2
        P = np.eye(3, dtype=np.float32)
        P[2, 0], P[2, 1] = (random.uniform(-self.perspective, self.perspective) for _ in range(2))
        R = np.eye(3, dtype=np.float32)
        angle = random.uniform(-self.degrees, self.degrees)
        s = random.uniform(1 - self.scale, 1 + self.scale)
        R[:2] = cv2.getRotationMatrix2D(angle=angle, center=(0, 0), scale=s)
        S = np.eye(3, dtype=np.float32)
        S[0, 1] = math.tan(random.uniform(-self.shear, self.shear) * math.pi / 180)
        S[1, 0] = math.tan(random.uniform(-self.shear, self.shear) * math.pi / 180)
        T = np.eye(3, dtype=np.float32)
        T[0, 2] = random.uniform(0.5 - self.translate, 0.5 + self.translate) * self.size[0]
        T[1, 2] = random.uniform(0.5 - self.translate, 0.5 + self.translate) * self.size[1]
        return T @ S @ R @ P @ C, s

    def affine_transform(self, img: np.ndarray, border: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, float]:
        """Warp img into self.size (w, h); returns the image, the 3x3 matrix and the scale factor."""
        M, s = self._matrix(img)
        if border[0] or border[1] or (M != np.eye(3)).any():
            fill = (PAD_VALUE,) * 3
            if self.perspective:
                img = cv2.warpPerspective(img, M, dsize=self.size, borderValue=fill)
            else:
                img = cv2.warpAffine(img, M[:2], dsize=self.size, borderValue=fill)
            img = img[..., None] if img.ndim == 2 else img
        return img, M, s

    def _warp(self, pts: np.ndarray, M: np.ndarray) -> np.ndarray:
        """Points (..., 2) through the homography M."""
        xy = pts @ M[:2, :2].T + M[:2, 2]
        if self.perspective:
            z = pts @ M[2, :2] + M[2, 2]
            xy = xy / z[..., None]
        return xy

    def apply_bboxes(self, bboxes: np.ndarray, M: np.ndarray) -> np.ndarray:
        """xyxy boxes (N, 4) -> xyxy boxes enclosing their 4 warped corners."""
        if not len(bboxes):
            return bboxes
        corners = bboxes[:, [0, 1, 2, 1, 2, 3, 0, 3]].reshape(-1, 4, 2)
        xy = self._warp(corners, M)
        return np.concatenate([xy.min(1), xy.max(1)], 1).astype(bboxes.dtype)

    def apply_segments(self, segments: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Warp polygons (N, M, 2); boxes (N, 4) xyxy from their in-image points; polygons clipped to those boxes.

        Rotated-box corners (M == 4) stay a rigid quad, unclipped; their box is that of all four corners.
        """
        xy = self._warp(segments.astype(np.float64), M)
        if xy.shape[1] == 4:
            return np.concatenate([xy.min(1), xy.max(1)], 1).astype(np.float32), xy.astype(np.float32)
        bboxes = boxes_from_points(xy, *self.size)
        xy[..., 0] = xy[..., 0].clip(bboxes[:, 0:1], bboxes[:, 2:3])
        xy[..., 1] = xy[..., 1].clip(bboxes[:, 1:2], bboxes[:, 3:4])
        return bboxes, xy.astype(np.float32)

    def apply_keypoints(self, keypoints: np.ndarray, M: np.ndarray) -> np.ndarray:
        """Warp keypoints (N, K, 2|3); those landing outside the image get visibility 0 and coordinates 0."""
        if not len(keypoints):
            return keypoints
        xy = self._warp(keypoints[..., :2].astype(np.float64), M)
        w, h = self.size
        out = (xy[..., 0] < 0) | (xy[..., 1] < 0) | (xy[..., 0] > w) | (xy[..., 1] > h)
        if keypoints.shape[-1] == 2:
            return xy.astype(np.float32)
        xy[out] = 0.0
        vis = np.where(out, 0.0, keypoints[..., 2])
        return np.concatenate([xy, vis[..., None]], -1).astype(np.float32)

    def __call__(self, labels: dict) -> dict:
        if self.pre_transform and "mosaic_border" not in labels:
            labels = self.pre_transform(labels)
        labels.pop("ratio_pad", None)
        img, cls = labels["img"], labels["cls"]
        instances: Instances = labels.pop("instances")
        instances.convert_bbox("xyxy")
        instances.denormalize(*img.shape[:2][::-1])
        border = labels.pop("mosaic_border", self.border)
        self.size = self.out_size or (img.shape[1] + border[1] * 2, img.shape[0] + border[0] * 2)  # (w, h)
        img, M, scale = self.affine_transform(img, border)
        bboxes = self.apply_bboxes(instances.bboxes, M)
        segments, keypoints = instances.segments, instances.keypoints
        if len(segments):
            bboxes, segments = self.apply_segments(segments, M)
        if keypoints is not None:
            keypoints = self.apply_keypoints(keypoints, M)
        new = Instances(bboxes, segments, keypoints, bbox_format="xyxy", normalized=False)
        new.clip(*self.size)
        instances.scale(scale_w=scale, scale_h=scale, bbox_only=True)
        keep = box_candidates(instances.bboxes.T, new.bboxes.T, area_thr=0.01 if len(segments) else 0.10)
        labels["instances"] = new[keep]
        labels["cls"] = cls[keep]
        labels["img"] = img
        labels["resized_shape"] = img.shape[:2]
        return labels


class RandomFlip:
    """Flip image and labels with probability p, 'horizontal' or 'vertical'; flip_idx re-orders keypoints (lr)."""

    def __init__(self, p: float = 0.5, direction: str = "horizontal", flip_idx: list[int] | None = None) -> None:
        if direction not in {"horizontal", "vertical"}:
            raise ValueError(f"RandomFlip direction must be 'horizontal' or 'vertical', got '{direction}'")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomFlip probability must be in [0, 1], got {p}")
        self.p = p
        self.direction = direction
        self.flip_idx = list(flip_idx) if flip_idx is not None and len(flip_idx) else None

    def __call__(self, labels: dict) -> dict:
        img = labels["img"]
        instances: Instances = labels.pop("instances")
        instances.convert_bbox("xywh")
        h, w = (1, 1) if instances.normalized else img.shape[:2]
        if random.random() < self.p:
            if self.direction == "vertical":
                img = np.flipud(img)
                instances.flipud(h)
            else:
                img = np.fliplr(img)
                instances.fliplr(w)
                if self.flip_idx is not None and instances.keypoints is not None:
                    instances.keypoints = np.ascontiguousarray(instances.keypoints[:, self.flip_idx, :])
        labels["img"] = np.ascontiguousarray(img)
        labels["instances"] = instances
        return labels
