"""A drawn scene for tracker tests: shapes that move, cross and pass behind an occluder, with known identities.

`make_scene()` -> (frames, truth): BGR frames and, per frame, rows (id, x1, y1, x2, y2, cls, visible fraction).
`noisy_detections()` turns the truth into what a decent detector gives: jitter, misses, low scores, false positives.
"""

from __future__ import annotations

import cv2
import numpy as np

SIZE = 256
OCCLUDER = (90, 160, 170, 190)  # x1, y1, x2, y2 of a grey bar drawn over the scene
# id, class (0 circle, 1 square, 2 triangle), start centre, velocity per frame, half size, BGR colour
OBJECTS = (
    (1, 0, (30.0, 70.0), (2.2, 0.0), 18, (40, 40, 220)),  # left -> right ...
    (2, 1, (226.0, 82.0), (-2.2, 0.0), 18, (220, 60, 40)),  # ... crossing this one right -> left mid-scene
    (3, 2, (130.0, 60.0), (0.0, 1.8), 18, (40, 200, 60)),  # top -> bottom, behind the occluder for a while
    (4, 0, (180.0, 230.0), (0.4, -1.3), 16, (200, 200, 30)),  # bottom -> up, away from the others
)


def _polygon(cls: int, cx: float, cy: float, r: float) -> np.ndarray:
    if cls == 1:
        return np.array([[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
    if cls == 2:
        return np.array([[cx, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)


def _overlap(box: np.ndarray, other: tuple) -> float:
    """Fraction of `box` covered by `other` (both xyxy)."""
    iw = max(0.0, min(box[2], other[2]) - max(box[0], other[0]))
    ih = max(0.0, min(box[3], other[3]) - max(box[1], other[1]))
    return iw * ih / ((box[2] - box[0]) * (box[3] - box[1]))


def make_scene(n_frames: int = 100, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Frames and per-frame truth rows (id, x1, y1, x2, y2, cls, visible fraction) for objects inside the image."""
    rng = np.random.default_rng(seed)
    base = np.full((SIZE, SIZE, 3), (120, 130, 125), np.uint8)
    frames, truth = [], []
    for f in range(n_frames):
        img = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
        rows = []
        for oid, cls, (x, y), (vx, vy), r, colour in OBJECTS:
            cx, cy = x + vx * f, y + vy * f
            box = np.array([cx - r, cy - r, cx + r, cy + r])
            if box[0] < 0 or box[1] < 0 or box[2] > SIZE or box[3] > SIZE:
                continue
            cv2.fillPoly(img, [np.round(_polygon(cls, cx, cy, r) * 16).astype(np.int32)], colour, cv2.LINE_AA, 4)
            rows.append([oid, *box, cls, 1.0 - _overlap(box, OCCLUDER)])
        x1, y1, x2, y2 = OCCLUDER
        cv2.rectangle(img, (x1, y1), (x2, y2), (90, 90, 90), -1)
        frames.append(img)
        truth.append(np.array(rows, dtype=np.float64).reshape(-1, 7))
    return frames, truth


class FakeBoxes:
    """The slice of a Boxes view trackers read: xyxy, xywh, conf, cls (numpy)."""

    def __init__(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float32).reshape(-1, 6)
        self.xyxy, self.conf, self.cls = rows[:, :4], rows[:, 4], rows[:, 5]
        self.xywh = np.concatenate([(self.xyxy[:, :2] + self.xyxy[:, 2:]) / 2, self.xyxy[:, 2:] - self.xyxy[:, :2]], 1)

    def __len__(self) -> int:
        return len(self.conf)


def noisy_detections(truth: list[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """Per frame (N, 6) x1, y1, x2, y2, conf, cls: visible objects jittered, some missed or low-scored, whole frames
    dropped now and then, and false positives."""
    rng = np.random.default_rng(seed)
    out = []
    for rows in truth:
        dets = []
        if rng.random() > 0.03:  # 3% of frames the detector returns nothing at all
            for _, x1, y1, x2, y2, cls, visible in rows:
                if visible < 0.5 or rng.random() < 0.05:
                    continue
                score = rng.uniform(0.12, 0.24) if rng.random() < 0.1 else rng.uniform(0.5, 0.95)
                dets.append([*(np.array([x1, y1, x2, y2]) + rng.normal(0, 1.5, 4)), score, cls])
            if rng.random() < 0.15:
                x, y, s = rng.uniform(0, SIZE - 40), rng.uniform(0, SIZE - 40), rng.uniform(20, 40)
                dets.append([x, y, x + s, y + s, rng.uniform(0.3, 0.6), rng.integers(0, 3)])
        out.append(np.array(dets, dtype=np.float64).reshape(-1, 6))
    return out


def iou_cost(gt: np.ndarray, hyp: np.ndarray, max_cost: float = 0.5) -> np.ndarray:
    """1 - IoU between xyxy boxes, NaN where the overlap is too small to count as the same object (motmetrics)."""
    iw = np.minimum(gt[:, None, 2], hyp[None, :, 2]) - np.maximum(gt[:, None, 0], hyp[None, :, 0])
    ih = np.minimum(gt[:, None, 3], hyp[None, :, 3]) - np.maximum(gt[:, None, 1], hyp[None, :, 1])
    inter = iw.clip(0) * ih.clip(0)
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    cost = 1 - inter / (area(gt)[:, None] + area(hyp)[None, :] - inter)
    cost[cost > max_cost] = np.nan
    return cost


def mot_summary(truth: list[np.ndarray], tracks: list[np.ndarray]) -> dict[str, float]:
    """MOTA, IDF1 and ID switches (motmetrics) of per-frame tracks (id, x1, y1, x2, y2) against the visible truth."""
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=True)
    for rows, hyp in zip(truth, tracks):
        gt = rows[rows[:, 6] >= 0.5]
        acc.update(gt[:, 0].astype(int).tolist(), hyp[:, 0].astype(int).tolist(), iou_cost(gt[:, 1:5], hyp[:, 1:5]))
    s = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches"], name="scene")
    return {"mota": float(s["mota"].iloc[0]), "idf1": float(s["idf1"].iloc[0]),
            "switches": int(s["num_switches"].iloc[0])}  # fmt: skip
