"""torchvision pipelines for classification: evaluation (resize + centre crop) and training augmentation."""

from __future__ import annotations

import math

import torch
import torchvision.transforms as T

DEFAULT_MEAN = (0.0, 0.0, 0.0)
DEFAULT_STD = (1.0, 1.0, 1.0)
DEFAULT_CROP_FRACTION = 1.0
_POLICIES = ("randaugment", "autoaugment", "augmix")


def _interp(name: str | T.InterpolationMode) -> T.InterpolationMode:
    """An InterpolationMode from its name ('BILINEAR', 'bicubic', ...)."""
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
