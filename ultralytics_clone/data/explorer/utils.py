"""Explorer helpers: the optional-extra import check, table fingerprints and image grids with labels drawn."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

EXTRA_HINT = "pip install 'ultralytics-clone[explorer]'"


def require(package: str) -> Any:
    """Import an Explorer dependency, or raise one sentence naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ImportError(f"Explorer needs the '{package}' package, which is not installed: {EXTRA_HINT}") from None


def fingerprint(files: list[str], model: str, imgsz: int) -> str:
    """Hash of the image files (names, sizes, mtimes), the model file and the embedding size."""
    h = hashlib.sha256(json.dumps([model, imgsz]).encode())
    for f in [*files, model]:
        p = Path(f)
        st = p.stat() if p.exists() else None
        h.update(f"{f}|{st.st_size if st else 0}|{st.st_mtime_ns if st else 0}".encode())
    return h.hexdigest()


def plot_query_result(rows: Any, plot_labels: bool = True, cols: int = 4, tile: int = 256) -> np.ndarray:
    """A BGR grid image of the rows' images (im_file column), with their boxes and class names when asked."""
    import cv2

    from ultralytics_clone.data.utils import imread
    from ultralytics_clone.utils.plotting import colors

    table = rows.to_pydict() if hasattr(rows, "to_pydict") else rows.to_dict(orient="list")
    files = table.get("im_file", [])
    if not files:
        return np.full((tile, tile, 3), 255, np.uint8)
    n = len(files)
    cols = min(cols, n)
    grid = np.full((tile * ((n + cols - 1) // cols), tile * cols, 3), 255, np.uint8)
    for i, f in enumerate(files):
        im = imread(f)
        if im is None:
            continue
        h, w = im.shape[:2]
        s = tile / max(h, w)
        im = cv2.resize(im, (max(1, round(w * s)), max(1, round(h * s))))
        if plot_labels:
            for box, c, name in zip(table["bboxes"][i], table["cls"][i], table["labels"][i]):
                x1, y1, x2, y2 = (np.asarray(box) * s).round().astype(int)
                cv2.rectangle(im, (x1, y1), (x2, y2), colors(int(c), True), 2)
                cv2.putText(im, str(name), (x1, max(y1 - 3, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colors(int(c), True), 1)
        r, c = divmod(i, cols)
        grid[r * tile : r * tile + im.shape[0], c * tile : c * tile + im.shape[1]] = im
    return grid
