"""Built-in offline data sets: coloured circles, squares and triangles on noisy backgrounds, drawn from exact labels."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np

from ultralytics_clone.utils import LOGGER

SHAPE_NAMES = {0: "circle", 1: "square", 2: "triangle"}
KPT_SHAPE = [4, 3]  # pose: the 4 corners of a square, (x, y, visibility)
FLIP_IDX = [1, 0, 3, 2]  # left-right flip swaps top-left<->top-right and bottom-right<->bottom-left
GENERATORS = {
    "shapes-det": "detect", "shapes-seg": "segment", "shapes-pose": "pose", "shapes-obb": "obb",
    "shapes-cls": "classify",
}  # fmt: skip
NAMES = {
    "detect": SHAPE_NAMES, "segment": SHAPE_NAMES, "classify": SHAPE_NAMES, "pose": {0: "shape"}, "obb": {0: "plate"},
}  # fmt: skip
_SIZES = [(128, 160), (160, 128), (160, 160), (128, 128)]  # (h, w): mixed aspect ratios exercise rect batching
_DONE = ".complete"


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(h, w, 3) uint8 BGR: a random flat colour plus Gaussian noise."""
    base = rng.integers(30, 200, size=3)
    noise = rng.normal(0, 12, size=(h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _polygon(kind: int, cx: float, cy: float, r: float, angle: float = 0.0, aspect: float = 1.0) -> np.ndarray:
    """(P, 2) pixel vertices of a circle (48 points), square/rectangle or triangle, rotated by `angle` radians."""
    if kind == 0:
        t = np.linspace(0, 2 * math.pi, 48, endpoint=False)
        local = np.stack([np.cos(t), np.sin(t)], 1) * r
    elif kind == 1:  # corners in order top-left, top-right, bottom-right, bottom-left (the pose keypoints)
        local = np.array([[-1, -aspect], [1, -aspect], [1, aspect], [-1, aspect]], np.float64) * r
    else:
        local = np.array([[-1, -0.8], [1, -0.8], [0, 0.9]], np.float64) * r
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return local @ rot.T + (cx, cy)


def _place(rng: np.random.Generator, h: int, w: int, taken: list, r_min: float, r_max: float, reach: float):
    """Centre and radius of a shape that fits inside the image and overlaps no earlier one (None after 50 tries)."""
    for _ in range(50):
        r = rng.uniform(r_min, r_max)
        margin = r * reach + 1
        if 2 * margin >= min(h, w):
            continue
        cx, cy = rng.uniform(margin, w - margin), rng.uniform(margin, h - margin)
        if all(math.hypot(cx - x, cy - y) > (r + rr) * reach + 2 for x, y, rr in taken):
            taken.append((cx, cy, r))
            return cx, cy, r
    return None


def _draw(img: np.ndarray, poly: np.ndarray, rng: np.random.Generator) -> None:
    """Fill `poly` (pixels) in a random colour, sub-pixel precise, without anti-aliasing."""
    colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
    cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], colour, lineType=cv2.LINE_8, shift=4)


def _fmt(values) -> str:
    """Space-separated numbers with 6 decimals."""
    return " ".join(f"{v:.6f}" for v in values)


def _make_image(task: str, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """One image and its YOLO label lines for a detection-style task."""
    h, w = _SIZES[rng.integers(len(_SIZES))]
    img, lines, taken = _background(rng, h, w), [], []
    for _ in range(int(rng.integers(1, 4))):
        kind = 1 if task in {"pose", "obb"} else int(rng.integers(3))
        aspect = rng.uniform(0.35, 0.6) if task == "obb" else 1.0
        angle = rng.uniform(0, math.pi) if task == "obb" else rng.uniform(-0.5, 0.5) if task == "pose" else 0.0
        reach = (1.05, 1.5, 1.3)[kind]  # circumradius / r, with a margin
        spot = _place(rng, h, w, taken, 10, 24, reach)
        if spot is None:
            continue
        poly = _polygon(kind, *spot, angle=angle, aspect=aspect)
        _draw(img, poly, rng)
        norm = poly / (w, h)
        lo, hi = norm.min(0), norm.max(0)
        box = [*(lo + hi) / 2, *(hi - lo)]
        cls = 0 if task in {"pose", "obb"} else kind
        if task == "detect":
            lines.append(f"{cls} {_fmt(box)}")
        elif task == "pose":
            kpts = np.concatenate([norm, np.full((4, 1), 2.0)], 1).ravel()
            lines.append(f"{cls} {_fmt(box)} {_fmt(kpts)}")
        else:  # segment polygons and obb corners
            lines.append(f"{cls} {_fmt(norm.ravel())}")
    return img, lines


def _write_image(path: Path, img: np.ndarray) -> None:
    """JPEG at quality 95."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    buf.tofile(str(path))


def _build_detection_like(root: Path, task: str, counts: dict[str, int], rng: np.random.Generator) -> None:
    """images/{split}/*.jpg and labels/{split}/*.txt."""
    for split, n in counts.items():
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            img, lines = _make_image(task, rng)
            _write_image(root / "images" / split / f"{split}_{i:04d}.jpg", img)
            (root / "labels" / split / f"{split}_{i:04d}.txt").write_text("\n".join(lines) + "\n" if lines else "")


def _build_classify(root: Path, counts: dict[str, int], rng: np.random.Generator) -> None:
    """{split}/{class name}/*.jpg with one centred shape per image."""
    for split, n in counts.items():
        for cls, name in SHAPE_NAMES.items():
            (root / split / name).mkdir(parents=True)
            for i in range(max(1, n // len(SHAPE_NAMES))):
                img = _background(rng, 96, 96)
                r = rng.uniform(18, 28)
                poly = _polygon(cls, 48 + rng.uniform(-8, 8), 48 + rng.uniform(-8, 8), r, angle=rng.uniform(-0.3, 0.3))
                _draw(img, poly, rng)
                _write_image(root / split / name / f"{name}_{i:04d}.jpg", img)


def build_synthetic(
    name: str, root: str | Path | None = None, n_train: int = 32, n_val: int = 16, seed: int = 0
) -> Path:
    """Create built-in data set `name` (see GENERATORS) under `root` (default datasets_dir/name) once; returns root."""
    from ultralytics_clone.utils.errors import DatasetError

    if name not in GENERATORS:
        raise DatasetError(f"unknown built-in data set '{name}'; built-in generators are {sorted(GENERATORS)}")
    if root is None:
        from ultralytics_clone.utils.settings import SETTINGS

        root = Path(SETTINGS["datasets_dir"]) / name
    root = Path(root)
    if (root / _DONE).exists():
        return root
    task = GENERATORS[name]
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        rng = np.random.default_rng(seed)
        counts = {"train": n_train, "val": n_val}
        if task == "classify":
            _build_classify(tmp, counts, rng)
        else:
            _build_detection_like(tmp, task, counts, rng)
        (tmp / _DONE).write_text(f"{name} seed={seed} train={n_train} val={n_val}\n")
        if root.exists() and not (root / _DONE).exists():
            shutil.rmtree(root)  # a half-built set from an interrupted run
        try:
            os.replace(tmp, root)
        except OSError:  # another process finished first
            if not (root / _DONE).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    LOGGER.info(f"Built-in data set '{name}' ({task}) created in {root}")
    return root


__all__ = ["GENERATORS", "NAMES", "KPT_SHAPE", "FLIP_IDX", "build_synthetic"]
