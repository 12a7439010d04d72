"""Validation batch mosaics (val_batchN_labels.jpg / val_batchN_pred.jpg), drawn in a background thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


def batch_mosaic(images: np.ndarray, boxes: np.ndarray, cls: np.ndarray, img_idx: np.ndarray, fname: str | Path,
                 names: dict[int, str], conf: np.ndarray | None = None, max_images: int = 16,
                 conf_thres: float = 0.25) -> Path:  # fmt: skip
    """Tile up to max_images RGB uint8 images (Tensor-like (B, 3, H, W)) on a square grid with their xyxy pixel
    boxes (labels, or predictions above conf_thres when conf is given) and save a JPEG at fname."""
    import cv2

    from ultralytics_clone.utils.plotting import Annotator, colors

    images = images[:max_images]
    b, _, h, w = images.shape
    ns = int(np.ceil(b**0.5))
    scale = min(1.0, 1920 / max(ns * h, ns * w))
    th, tw = int(h * scale), int(w * scale)
    mosaic = np.full((ns * th, ns * tw, 3), 114, dtype=np.uint8)
    for i in range(b):  # a drawing loop: off the critical path, in its own thread
        y0, x0 = (i // ns) * th, (i % ns) * tw
        tile = np.ascontiguousarray(images[i].transpose(1, 2, 0)[..., ::-1])  # RGB -> BGR
        mosaic[y0 : y0 + th, x0 : x0 + tw] = cv2.resize(tile, (tw, th)) if scale < 1 else tile
    ann = Annotator(mosaic, line_width=max(1, round(th / 200)))
    keep = img_idx < b if conf is None else (img_idx < b) & (conf > conf_thres)
    for box, c, k, s in zip(boxes[keep], cls[keep].astype(int), img_idx[keep].astype(int),
                            conf[keep] if conf is not None else np.zeros(int(keep.sum()))):  # fmt: skip
        y0, x0 = (k // ns) * th, (k % ns) * tw
        label = names.get(int(c), str(c)) + (f" {s:.2f}" if conf is not None else "")
        ann.box_label(box * scale + [x0, y0, x0, y0], label, color=colors(c, bgr=True))
    for i in range(1, ns):  # grid lines
        cv2.line(ann.im, (i * tw, 0), (i * tw, ns * th), (255, 255, 255), 2)
        cv2.line(ann.im, (0, i * th), (ns * tw, i * th), (255, 255, 255), 2)
    fname = Path(fname)
    fname.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(fname), ann.result())
    return fname


class PlotQueue:
    """Run plotting jobs in daemon threads; `join()` waits for them (at the end of validation)."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def submit(self, fn, *args, **kwargs) -> None:
        t = threading.Thread(target=fn, args=args, kwargs=kwargs, daemon=True)
        t.start()
        self.threads.append(t)

    def join(self) -> None:
        for t in self.threads:
            t.join()
        self.threads.clear()


__all__ = ["batch_mosaic", "PlotQueue"]
