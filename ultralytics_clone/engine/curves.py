"""Training plots, drawn on a worker thread off the training loop: results.png, labels.jpg, train_batchN.jpg.

Each function takes plain numpy data (the trainer copies what it needs before submitting), so the loop never waits
for matplotlib. Matplotlib runs with the Agg backend through its object API (no pyplot state shared with the user).
"""

from __future__ import annotations

import csv
import math
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ultralytics_clone.utils import LOGGER


class Plotter:
    """One background thread; submit() queues a plot, wait() blocks until all are drawn (a failure is logged)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: list[Future] = []

    def submit(self, fn: Any, *args: Any) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plots")
        self._jobs.append(self._pool.submit(fn, *args))

    def wait(self) -> None:
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            try:
                job.result()
            except Exception as e:  # a plot is never worth failing a run for
                LOGGER.warning(f"plotting failed: {type(e).__name__}: {e}")

    def close(self) -> None:
        self.wait()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _figure(nrows: int, ncols: int, size: tuple[float, float]):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, tight_layout=True)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    return fig, axes


def _smooth(y: np.ndarray, f: float = 0.1) -> np.ndarray:
    """Box filter over a fraction `f` of the points (odd width, edges padded)."""
    nf = round(len(y) * f * 2) // 2 + 1
    if nf < 3:
        return y
    p = np.ones(nf // 2)
    yp = np.concatenate((p * y[0], y, p * y[-1]))
    return np.convolve(yp, np.ones(nf) / nf, mode="valid")


def plot_results(csv_file: str | Path, out: str | Path | None = None) -> Path:
    """results.png: every results.csv column over the epochs, raw and smoothed."""
    csv_file = Path(csv_file)
    with open(csv_file, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keys = [k for k in (rows[0] if rows else {}) if k not in {"epoch", "time"}]
    x = np.array([float(r["epoch"]) for r in rows])
    ncols = min(5, max(len(keys), 1))
    fig, axes = _figure(math.ceil(max(len(keys), 1) / ncols), ncols, (3 * ncols, 2.6 * math.ceil(max(len(keys), 1) / ncols)))
    for ax, k in zip(axes, keys):
        y = np.array([float(r[k]) if r.get(k) not in (None, "") else np.nan for r in rows])
        ax.plot(x, y, marker=".", linewidth=2, markersize=6, label="results")
        if len(y) > 2 and np.isfinite(y).all():
            ax.plot(x, _smooth(y), ":", linewidth=2, label="smooth")
        ax.set_title(k, fontsize=10)
    if keys:
        axes[0].legend()
    out = Path(out or csv_file.with_name("results.png"))
    fig.savefig(out, dpi=150)
    return out


def plot_labels(cls: np.ndarray, boxes: np.ndarray, names: dict, out: str | Path) -> Path:
    """labels.jpg: instances per class, box centres (x, y) and box sizes (w, h), from normalised xywh boxes."""
    cls = np.asarray(cls, dtype=int).reshape(-1)
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    nc = max(len(names), int(cls.max()) + 1 if len(cls) else 1)
    fig, axes = _figure(1, 3, (12, 4))
    counts = np.bincount(cls, minlength=nc)
    axes[0].bar(range(nc), counts, color=[_rgb(i) for i in range(nc)])
    axes[0].set_ylabel("instances")
    if nc <= 30:
        axes[0].set_xticks(range(nc), [str(names.get(i, i)) for i in range(nc)], rotation=90, fontsize=8)
    for ax, (a, b), (xl, yl) in zip(axes[1:], ((0, 1), (2, 3)), (("x", "y"), ("width", "height"))):
        ax.hist2d(boxes[:, a], boxes[:, b], bins=40, range=[[0, 1], [0, 1]], cmap="Blues")
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
    out = Path(out)
    fig.savefig(out, dpi=150)
    return out


def plot_training_batch(images: np.ndarray, batch_idx: np.ndarray, cls: np.ndarray, boxes: np.ndarray,
                        names: dict, out: str | Path, max_images: int = 16) -> Path:  # fmt: skip
    """train_batchN.jpg: up to 16 images of a batch (B, 3, H, W; 0-1 float or uint8) tiled, with their boxes."""
    images = np.asarray(images)[:max_images]
    if images.dtype != np.uint8:
        images = (np.clip(images, 0, 1) * 255).astype(np.uint8)
    n, _, h, w = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    canvas = np.full((rows * h, cols * w, 3), 114, dtype=np.uint8)
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    for i in range(n):
        y0, x0 = (i // cols) * h, (i % cols) * w
        canvas[y0 : y0 + h, x0 : x0 + w] = images[i].transpose(1, 2, 0)
        j = np.asarray(batch_idx).reshape(-1) == i
        xywh = boxes[j] * [w, h, w, h]
        xyxy = np.concatenate((xywh[:, :2] - xywh[:, 2:] / 2, xywh[:, :2] + xywh[:, 2:] / 2), 1) + [x0, y0, x0, y0]
        for (x1, y1, x2, y2), c in zip(xyxy.round().astype(int), np.asarray(cls).reshape(-1)[j].astype(int)):
            color = tuple(int(v * 255) for v in _rgb(c)[::-1])
            cv2.rectangle(canvas, (x1, y1), (x2, y2), color, 1)
            if h >= 96:
                cv2.putText(canvas, str(names.get(c, c)), (x1, max(y1 - 2, 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.3, color)
        cv2.rectangle(canvas, (x0, y0), (x0 + w - 1, y0 + h - 1), (255, 255, 255), 1)
    scale = 640 / max(canvas.shape[:2])
    if scale > 1:  # small training images: enlarge so the boxes are visible
        canvas = cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    out = Path(out)
    cv2.imwrite(str(out), np.ascontiguousarray(canvas[..., ::-1]))  # RGB -> BGR for OpenCV
    return out


def _rgb(i: int) -> tuple[float, float, float]:
    """A distinct colour per class index (matplotlib's tab20), RGB in 0-1."""
    from matplotlib import colormaps

    return tuple(colormaps["tab20"](int(i) % 20)[:3])


__all__ = ["Plotter", "plot_results", "plot_labels", "plot_training_batch"]
