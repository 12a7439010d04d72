"""torchvision pipelines for classification: evaluation (resize + centre crop) and training augmentation."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

if TYPE_CHECKING:  # annotations only; the runtime import happens in _transforms()
    import torchvision.transforms as T


def _transforms():
    """torchvision.transforms, imported on first use so detection keeps working when torchvision is broken."""
    try:
        import torchvision.transforms as transforms
    except (ImportError, RuntimeError) as err:
        from ultralytics_clone.utils.errors import ConfigError

        raise ConfigError(
            f"classification transforms need a working torchvision ({type(err).__name__}: {err}). Fix: pip install "
            f"torchvision matching torch {torch.__version__.split('+')[0]}."
        ) from err
    return transforms

DEFAULT_MEAN = (0.0, 0.0, 0.0)
DEFAULT_STD = (1.0, 1.0, 1.0)
DEFAULT_CROP_FRACTION = 1.0
_POLICIES = ("randaugment", "autoaugment", "augmix")


def _interp(name: str | T.InterpolationMode) -> T.InterpolationMode:
    """An InterpolationMode from its name ('BILINEAR', 'bicubic', ...)."""
    T = _transforms()
    if isinstance(name, T.InterpolationMode):
        return name
    try:
        return T.InterpolationMode[str(name).upper()]
    except KeyError:
        names = ", ".join(m.name for m in T.InterpolationMode)
        raise ValueError(f"unknown interpolation '{name}'; accepted: {names}") from None


def classify_transforms(size: int | tuple[int, int] = 224, mean: tuple = DEFAULT_MEAN, std: tuple = DEFAULT_STD,
                        interpolation: str = "BILINEAR", crop_fraction: float | None = None) -> T.Compose:  # fmt: skip
    """PIL RGB image -> float Tensor[3, size, size]: resize the short side to size / crop_fraction, centre crop."""
    T = _transforms()
    crop_fraction = DEFAULT_CROP_FRACTION if crop_fraction is None else crop_fraction
    if not 0.0 < crop_fraction <= 1.0:
        raise ValueError(f"crop_fraction must be in (0, 1], got {crop_fraction}")
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"classify_transforms size must be an int or (h, w), got {size}")
        scale = tuple(math.floor(x / crop_fraction) for x in size)
    else:
        scale = (math.floor(size / crop_fraction),) * 2
    mode = _interp(interpolation)
    resize = T.Resize(scale[0], interpolation=mode) if scale[0] == scale[1] else T.Resize(scale, interpolation=mode)
    return T.Compose([resize, T.CenterCrop(size), T.ToTensor(), T.Normalize(torch.tensor(mean), torch.tensor(std))])


def _policy(auto_augment: str, mode: T.InterpolationMode):
    T = _transforms()
    if auto_augment == "randaugment":
        return T.RandAugment(interpolation=mode)
    if auto_augment == "autoaugment":
        return T.AutoAugment(interpolation=mode)
    if auto_augment == "augmix":
        return T.AugMix(interpolation=mode)
    raise ValueError(f"auto_augment '{auto_augment}' is not a policy; accepted: {', '.join(_POLICIES)} or None")


def classify_augmentations(size: int = 224, mean: tuple = DEFAULT_MEAN, std: tuple = DEFAULT_STD,
                           scale: tuple[float, float] | None = None, ratio: tuple[float, float] | None = None,
                           hflip: float = 0.5, vflip: float = 0.0, auto_augment: str | None = None,
                           hsv_h: float = 0.015, hsv_s: float = 0.4, hsv_v: float = 0.4,
                           force_color_jitter: bool = False, erasing: float = 0.0,
                           interpolation: str = "BILINEAR", *, fliplr: float | None = None,
                           flipud: float | None = None, crop_fraction: float | None = None) -> T.Compose:  # fmt: skip
    """PIL RGB image -> float Tensor[3, size, size] with random resized crop, flips, a policy or colour jitter, erasing.

    A policy replaces the colour jitter unless force_color_jitter. fliplr/flipud are aliases of hflip/vflip named
    like the training args; crop_fraction only applies to evaluation and is accepted for call compatibility.
    """
    T = _transforms()
    hflip = hflip if fliplr is None else fliplr
    vflip = vflip if flipud is None else flipud
    if not 0.0 <= erasing <= 1.0:
        raise ValueError(f"erasing must be a probability in [0, 1], got {erasing}")
    mode = _interp(interpolation)
    tfl = [T.RandomResizedCrop(size, scale=tuple(scale or (0.08, 1.0)), ratio=tuple(ratio or (3 / 4, 4 / 3)),
                               interpolation=mode)]  # fmt: skip
    if hflip > 0:
        tfl.append(T.RandomHorizontalFlip(p=hflip))
    if vflip > 0:
        tfl.append(T.RandomVerticalFlip(p=vflip))
    if auto_augment:
        tfl.append(_policy(str(auto_augment).lower(), mode))
    if force_color_jitter or not auto_augment:
        tfl.append(T.ColorJitter(brightness=hsv_v, contrast=hsv_v, saturation=hsv_s, hue=hsv_h))
    tfl += [T.ToTensor(), T.Normalize(torch.tensor(mean), torch.tensor(std)), T.RandomErasing(p=erasing, inplace=True)]
    return T.Compose(tfl)


def _hw(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


class ClassifyLetterBox:
    """numpy HWC image -> letterboxed to size (h, w) with grey padding; auto pads only to a multiple of stride."""

    def __init__(self, size: int | tuple[int, int] = (640, 640), auto: bool = False, stride: int = 32) -> None:
        self.h, self.w = _hw(size)
        self.auto = auto
        self.stride = stride

    def __call__(self, im: np.ndarray) -> np.ndarray:
        imh, imw = im.shape[:2]
        r = min(self.h / imh, self.w / imw)
        h, w = round(imh * r), round(imw * r)
        hs, ws = (math.ceil(x / self.stride) * self.stride for x in (h, w)) if self.auto else (self.h, self.w)
        top, left = round((hs - h) / 2 - 0.1), round((ws - w) / 2 - 0.1)
        out = np.full((hs, ws, im.shape[2]), 114, dtype=im.dtype)
        out[top : top + h, left : left + w] = cv2.resize(im, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
        return out


class CenterCrop:
    """numpy HWC image -> its largest centred square, resized to size (h, w)."""

    def __init__(self, size: int | tuple[int, int] = (640, 640)) -> None:
        self.h, self.w = _hw(size)

    def __call__(self, im: np.ndarray) -> np.ndarray:
        imh, imw = im.shape[:2]
        m = min(imh, imw)
        top, left = (imh - m) // 2, (imw - m) // 2
        return cv2.resize(im[top : top + m, left : left + m], (self.w, self.h), interpolation=cv2.INTER_LINEAR)


class ToTensor:
    """numpy HWC BGR uint8 image -> float Tensor[3, H, W] RGB in [0, 1] (half precision when half)."""

    def __init__(self, half: bool = False) -> None:
        self.half = half

    def __call__(self, im: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(im.transpose(2, 0, 1)[::-1]))
        return (t.half() if self.half else t.float()) / 255.0
