"""Augmentation for every task, importable as `data.augment.X` like Ultralytics' single module."""

from ultralytics_clone.data.augment.base import BaseTransform, Compose, Format
from ultralytics_clone.data.augment.classify import (
    DEFAULT_CROP_FRACTION,
    DEFAULT_MEAN,
    DEFAULT_STD,
    CenterCrop,
    ClassifyLetterBox,
    ToTensor,
    classify_augmentations,
    classify_transforms,
)
from ultralytics_clone.data.augment.color import Albumentations, RandomHSV
from ultralytics_clone.data.augment.geometric import LetterBox, RandomFlip, RandomPerspective, box_candidates
from ultralytics_clone.data.augment.mix import BaseMixTransform, CopyPaste, CutMix, MixUp, Mosaic
from ultralytics_clone.data.augment.pipelines import v8_transforms

__all__ = [
    "BaseTransform", "Compose", "Format", "LetterBox", "RandomPerspective", "RandomFlip", "RandomHSV",
    "BaseMixTransform", "Mosaic", "MixUp", "CutMix", "CopyPaste", "box_candidates", "v8_transforms",
    "classify_transforms", "classify_augmentations", "ClassifyLetterBox", "CenterCrop", "ToTensor",
    "DEFAULT_MEAN", "DEFAULT_STD", "DEFAULT_CROP_FRACTION", "Albumentations",
]  # fmt: skip

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference transforms left out: clear error)

__getattr__ = module_getattr(__name__)
