"""Colour transforms: RandomHSV."""

from __future__ import annotations

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
