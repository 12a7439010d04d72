"""Drawing predictions on images: a 20-colour palette and a small OpenCV Annotator (boxes, labels, keypoints, masks)."""

from __future__ import annotations

import cv2
import numpy as np

# A fixed, high-contrast palette (RGB hex), cycled by class index.
_HEX = ("FF3838", "FF9D97", "FF701F", "FFB21D", "CFD231", "48F90A", "92CC17", "3DDB86", "1A9334", "00D4BB",
        "2C99A8", "00C2FF", "344593", "6473FF", "0018EC", "8438FF", "520085", "CB38FF", "FF95C8", "FF37C7")  # fmt: skip


class Colors:
    """`colors(i, bgr=False)` -> an (r, g, b) tuple (or b, g, r) from the palette, cycling by index."""

    def __init__(self) -> None:
        self.palette = [tuple(int(h[k : k + 2], 16) for k in (0, 2, 4)) for h in _HEX]
        self.n = len(self.palette)

    def __call__(self, i: int, bgr: bool = False) -> tuple[int, int, int]:
        c = self.palette[int(i) % self.n]
        return (c[2], c[1], c[0]) if bgr else c


colors = Colors()


# COCO person skeleton: pairs of 1-based keypoint indices joined by a line.
SKELETON = ((16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9), (8, 10),
            (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7))  # fmt: skip


class Annotator:
    """Draw on a copy of a BGR uint8 image: box_label, kpts, masks, text; `result()` returns the array."""

    def __init__(self, im: np.ndarray, line_width: int | None = None, font_size: float | None = None,
                 font: str = "", pil: bool = False, example: str = "") -> None:  # fmt: skip
        self.im = np.ascontiguousarray(im).copy()
        self.lw = line_width or max(round(sum(self.im.shape[:2]) / 2 * 0.003), 2)
        self.tf = max(self.lw - 1, 1)
        self.sf = font_size or self.lw / 3

    def box_label(self, box, label: str = "", color: tuple = (128, 128, 128), txt_color: tuple = (255, 255, 255)) -> None:
        """Rectangle for an xyxy box (or a polygon for 4x2 corners) with a filled label tag above it."""
        box = np.asarray(box, dtype=np.float32)
        if box.size == 8:
            pts = box.reshape(-1, 1, 2).astype(np.int32)
            cv2.polylines(self.im, [pts], True, color, self.lw)
            p1 = (int(box.reshape(-1, 2)[:, 0].min()), int(box.reshape(-1, 2)[:, 1].min()))
        else:
            p1, p2 = (int(box[0]), int(box[1])), (int(box[2]), int(box[3]))
            cv2.rectangle(self.im, p1, p2, color, thickness=self.lw, lineType=cv2.LINE_AA)
        if label:
            w, h = cv2.getTextSize(label, 0, fontScale=self.sf, thickness=self.tf)[0]
            outside = p1[1] >= h + 3
            p2 = (p1[0] + w, p1[1] - h - 3 if outside else p1[1] + h + 3)
            cv2.rectangle(self.im, p1, p2, color, -1, cv2.LINE_AA)
            org = (p1[0], p1[1] - 2 if outside else p1[1] + h + 2)
            cv2.putText(self.im, label, org, 0, self.sf, txt_color, thickness=self.tf, lineType=cv2.LINE_AA)

    def masks(self, masks: np.ndarray, colors: list[tuple], alpha: float = 0.5) -> None:
        """Blend (N, H, W) binary masks (image-sized) onto the image, one colour per mask."""
        if len(masks) == 0:
            return
        masks = np.asarray(masks, dtype=np.float32)
        if masks.shape[1:] != self.im.shape[:2]:
            masks = np.stack([cv2.resize(m, (self.im.shape[1], self.im.shape[0])) for m in masks])
        tint = np.asarray(colors, dtype=np.float32)[:, None, None, :] * masks[..., None] * alpha  # (N, H, W, 3)
        cover = np.clip(masks.sum(0), 0, 1)[..., None] * alpha
        blended = self.im.astype(np.float32) * (1 - cover) + tint.sum(0).clip(0, 255)
        self.im = blended.clip(0, 255).astype(np.uint8)

    def kpts(self, kpts: np.ndarray, shape: tuple = (640, 640), radius: int | None = None, kpt_line: bool = True,
             conf_thres: float = 0.25) -> None:  # fmt: skip
        """Dots for (K, 2|3) keypoints in pixels; points with visibility below conf_thres are skipped. A 17-keypoint
        (COCO person) pose also gets its skeleton when kpt_line."""
        kpts = np.asarray(kpts, dtype=np.float32)
        r = radius or max(self.lw, 2)
        keep = kpts[:, 2] >= conf_thres if kpts.shape[-1] == 3 else np.ones(len(kpts), bool)
        inside = (kpts[:, 0] > 0) & (kpts[:, 0] < self.im.shape[1]) & (kpts[:, 1] > 0) & (kpts[:, 1] < self.im.shape[0])
        if kpt_line and len(kpts) == 17:
            for a, b in SKELETON:  # one line per limb
                if keep[a - 1] and keep[b - 1] and inside[a - 1] and inside[b - 1]:
                    p1, p2 = kpts[a - 1, :2].astype(int), kpts[b - 1, :2].astype(int)
                    cv2.line(self.im, (int(p1[0]), int(p1[1])), (int(p2[0]), int(p2[1])), colors(a, True),
                             thickness=max(self.lw // 2, 1), lineType=cv2.LINE_AA)  # fmt: skip
        for k, (x, y) in enumerate(kpts[:, :2]):  # drawing primitives take one point each
            if keep[k] and 0 < x < self.im.shape[1] and 0 < y < self.im.shape[0]:
                cv2.circle(self.im, (int(x), int(y)), r, colors(k, True), -1, lineType=cv2.LINE_AA)

    def text(self, xy: tuple[int, int], text: str, txt_color: tuple = (255, 255, 255)) -> None:
        cv2.putText(self.im, text, (int(xy[0]), int(xy[1])), 0, self.sf, txt_color, thickness=self.tf,
                    lineType=cv2.LINE_AA)  # fmt: skip

    def result(self) -> np.ndarray:
        """The annotated image, BGR uint8 (H, W, 3)."""
        return self.im


__all__ = ["Colors", "colors", "Annotator"]
