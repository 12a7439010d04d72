"""Transform protocol, Compose, and Format (labels dict -> tensors for the collate function)."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import torch

from ultralytics_clone.data.masks import polygons2masks, polygons2masks_overlap
from ultralytics_clone.data.utils import hwc_to_chw
from ultralytics_clone.utils.instance import Instances
from ultralytics_clone.utils.ops import xyxyxyxy2xywhr


class BaseTransform:
    """A labels-dict transform: `__call__(labels) -> labels`, by default image, instances then semantic parts."""

    def __init__(self) -> None:
        pass

    def apply_image(self, labels: dict) -> None:
        """Transform labels['img'] in place."""

    def apply_instances(self, labels: dict) -> None:
        """Transform labels['instances'] in place."""

    def apply_semantic(self, labels: dict) -> None:
        """Transform a semantic mask in place."""

    def __call__(self, labels: dict) -> dict:
        self.apply_image(labels)
        self.apply_instances(labels)
        self.apply_semantic(labels)
        return labels


class Compose:
    """Apply transforms in order; list-like (append, insert, index/slice, tolist)."""

    def __init__(self, transforms: list[Callable] | Callable) -> None:
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]

    def __call__(self, data: dict) -> dict:
        for t in self.transforms:
            data = t(data)
        return data

    def append(self, transform: Callable) -> None:
        self.transforms.append(transform)

    def insert(self, index: int, transform: Callable) -> None:
        self.transforms.insert(index, transform)

    def __getitem__(self, index: int | slice | list[int]) -> Callable | Compose:
        """One transform for an int, a Compose for a slice or a list of indices."""
        if isinstance(index, int):
            return self.transforms[index]
        if isinstance(index, slice):
            return Compose(self.transforms[index])
        if isinstance(index, (list, tuple)):
            return Compose([self.transforms[i] for i in index])
        raise TypeError(f"Compose indices must be int, slice or list of int, got {type(index).__name__}")

    def __setitem__(self, index: int | slice | list[int], value) -> None:
        if isinstance(index, (list, tuple)):
            values = value if isinstance(value, (list, tuple)) else [value] * len(index)
            if len(values) != len(index):
                raise ValueError(f"Compose: {len(index)} indices but {len(values)} transforms given")
            for i, v in zip(index, values):
                self.transforms[i] = v
        else:
            self.transforms[index] = value

    def __len__(self) -> int:
        return len(self.transforms)

    def tolist(self) -> list[Callable]:
        return list(self.transforms)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({', '.join(f'{t}' for t in self.transforms)})"


class Format:
    """Labels dict -> img uint8 Tensor[3, H, W] (RGB unless bgr kept BGR), cls, bboxes and optional masks/keypoints.

    bboxes: (n, 4) in `bbox_format` (normalised when normalize) or, with return_obb, (n, 5) xywhr with xy/wh divided
    by the image width/height and the angle in radians. masks: (1, H/mask_ratio, W/mask_ratio) index mask with
    mask_overlap (instances re-ordered by decreasing area), else (n, H/mask_ratio, W/mask_ratio).
    """

    def __init__(self, bbox_format: str = "xywh", normalize: bool = True, return_mask: bool = False,
                 return_keypoint: bool = False, return_obb: bool = False, mask_ratio: int = 4,
                 mask_overlap: bool = True, batch_idx: bool = True, bgr: float = 0.0) -> None:  # fmt: skip
        self.bbox_format = bbox_format
        self.normalize = normalize
        self.return_mask = return_mask
        self.return_keypoint = return_keypoint
        self.return_obb = return_obb
        self.mask_ratio = mask_ratio
        self.mask_overlap = mask_overlap
        self.batch_idx = batch_idx
        self.bgr = bgr

    def __call__(self, labels: dict) -> dict:
        img = labels.pop("img")
        h, w = img.shape[:2]
        cls = labels.pop("cls")
        instances: Instances = labels.pop("instances")
        instances.convert_bbox(self.bbox_format)
        instances.denormalize(w, h)
        n = len(instances)
        if self.return_mask:
            labels["masks"], instances, cls = self._masks(instances, cls, w, h)
        labels["img"] = self._format_img(img)
        labels["cls"] = torch.from_numpy(np.asarray(cls, dtype=np.float32).reshape(n, 1))
        bboxes = torch.from_numpy(np.asarray(instances.bboxes, dtype=np.float32).reshape(n, 4))
        if self.return_keypoint:
            labels["keypoints"] = self._keypoints(instances, w, h)
        if self.return_obb:
            bboxes = xyxyxyxy2xywhr(torch.from_numpy(instances.segments)) if n else torch.zeros((0, 5))
        if self.normalize:
            bboxes[:, [0, 2]] /= w
            bboxes[:, [1, 3]] /= h
        labels["bboxes"] = bboxes
        if self.batch_idx:
            labels["batch_idx"] = torch.zeros(n)
        return labels

    def _format_img(self, img: np.ndarray) -> torch.Tensor:
        """HWC BGR uint8 -> CHW RGB (or BGR with probability bgr) contiguous tensor."""
        img = img[..., None] if img.ndim == 2 else img
        reverse = img.shape[2] == 3 and random.uniform(0, 1) >= self.bgr
        return torch.from_numpy(hwc_to_chw([img], reverse)[0])

    def _keypoints(self, instances: Instances, w: int, h: int) -> torch.Tensor:
        if instances.keypoints is None:
            return torch.zeros((len(instances), 0, 3))
        k = torch.from_numpy(np.asarray(instances.keypoints, dtype=np.float32).copy())
        if self.normalize:
            k[..., 0] /= w
            k[..., 1] /= h
        return k

    def _masks(self, instances: Instances, cls: np.ndarray, w: int, h: int):
        """Rasterised masks; with overlap the instances and classes come back sorted by decreasing area."""
        r = self.mask_ratio
        if not len(instances) or not len(instances.segments):
            masks = torch.zeros((1 if self.mask_overlap else len(instances), h // r, w // r), dtype=torch.uint8)
            return masks, instances, cls
        if self.mask_overlap:
            masks, order = polygons2masks_overlap((h, w), instances.segments, downsample_ratio=r)
            return torch.from_numpy(masks)[None], instances[order], cls[order]
        return torch.from_numpy(polygons2masks((h, w), instances.segments, color=1, downsample_ratio=r)), instances, cls
