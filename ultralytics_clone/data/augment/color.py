"""Colour transforms: RandomHSV, Albumentations (pixel-level, optional package)."""

from __future__ import annotations

import random

import cv2
import numpy as np


class RandomHSV:
    """Random hue/saturation/value jitter of a BGR uint8 image; gains are fractions (hsv_h/s/v)."""

    def __init__(self, hgain: float = 0.5, sgain: float = 0.5, vgain: float = 0.5) -> None:
        self.hgain = hgain
        self.sgain = sgain
        self.vgain = vgain

    def __call__(self, labels: dict) -> dict:
        img = labels["img"]
        if img.ndim != 3 or img.shape[-1] != 3 or not (self.hgain or self.sgain or self.vgain):
            return labels
        r = np.random.uniform(-1, 1, 3) * [self.hgain, self.sgain, self.vgain]  # hue shift, sat/val gain - 1
        x = np.arange(256, dtype=np.float64)
        lut_hue = ((x + r[0] * 180) % 180).astype(np.uint8)  # OpenCV hue spans 0..179
        lut_sat = np.clip(x * (1 + r[1]), 0, 255).astype(np.uint8)
        lut_val = np.clip(x * (1 + r[2]), 0, 255).astype(np.uint8)
        hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
        hsv = cv2.merge((cv2.LUT(hue, lut_hue), cv2.LUT(sat, lut_sat), cv2.LUT(val, lut_val)))
        labels["img"] = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)  # a new array: never alter a cached image
        return labels


class Albumentations:
    """Pixel-level albumentations transforms (blur, CLAHE, gray, brightness/contrast, gamma, JPEG quality) applied
    with probability p; labels are unchanged. Without the optional `albumentations` package it passes samples
    through (logged once). `transforms` replaces the default list; spatial transforms are refused (ConfigError)
    because labels would no longer match; `flip_idx` is accepted for compatibility."""

    def __init__(self, p: float = 1.0, transforms: list | None = None, flip_idx: list[int] | None = None) -> None:
        self.p, self.flip_idx, self.transform = p, flip_idx, None
        try:
            import albumentations as A
        except ImportError:
            from ultralytics_clone.utils import warn_once

            warn_once("Albumentations: the optional 'albumentations' package is not installed; skipping it "
                      "(pip install albumentations).")  # fmt: skip
            return
        if transforms is None:
            transforms = [A.Blur(p=0.01), A.MedianBlur(p=0.01), A.ToGray(p=0.01), A.CLAHE(p=0.01),
                          A.RandomBrightnessContrast(p=0.0), A.RandomGamma(p=0.0), A.ImageCompression(p=0.0)]  # fmt: skip
        spatial = [type(t).__name__ for t in transforms if not isinstance(t, A.ImageOnlyTransform)]
        if spatial:
            from ultralytics_clone.utils.errors import ConfigError

            raise ConfigError(f"Albumentations: only pixel-level transforms are supported, got spatial {spatial}.")
        self.transform = A.Compose(transforms)

    def __call__(self, labels: dict) -> dict:
        if self.transform is not None and random.random() < self.p:
            labels["img"] = self.transform(image=labels["img"])["image"]
        return labels
