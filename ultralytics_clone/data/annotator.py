"""auto_annotate: a detector's boxes prompt SAM; the masks become YOLO segmentation labels, one file per image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ultralytics_clone.utils import LOGGER


def sam_segments(sam: Any, image: np.ndarray, boxes_xyxy: np.ndarray, device: Any = None) -> list[np.ndarray]:
    """One normalised polygon (float32[k, 2], xy in 0-1) per box: SAM's mask for that box, outlined (largest part)."""
    from ultralytics_clone.utils.mask_ops import masks2segments

    if not len(boxes_xyxy):
        return []
    kwargs = {"verbose": False, "save": False, **({"device": device} if device else {})}
    result = sam(image, bboxes=np.asarray(boxes_xyxy, dtype=np.float32), conf=0.0, **kwargs)[0]
    h, w = image.shape[:2]
    polygons = masks2segments(result.masks.data, strategy="largest")
    return [p / np.array([w, h], dtype=np.float32) for p in polygons]


def label_lines(classes: list[int], segments: list[np.ndarray]) -> str:
    """YOLO segmentation label text: 'cls x1 y1 x2 y2 ...' per polygon with at least 3 points."""
    lines = [
        " ".join([str(int(c)), *(f"{v:.6f}" for v in seg.reshape(-1))])
        for c, seg in zip(classes, segments)
        if len(seg) >= 3
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def auto_annotate(
    data: str | Path,
    det_model: str = "yolo26x.pt",
    sam_model: str = "sam_b.pt",
    device: str = "",
    conf: float = 0.25,
    iou: float = 0.45,
    imgsz: int = 640,
    max_det: int = 300,
    classes: list[int] | None = None,
    output_dir: str | Path | None = None,
) -> Path:
    """Label every image in the folder `data` in segmentation format; returns the labels folder.

    Each image gets `<output_dir>/<stem>.txt` (empty when nothing was detected), written atomically. An image that
    cannot be read or processed is skipped and reported; the others are still labelled.
    """
    from ultralytics_clone.data.utils import IMG_FORMATS, imread
    from ultralytics_clone.models.sam import SAM
    from ultralytics_clone.models.yolo.model import YOLO
    from ultralytics_clone.utils.errors import SourceError
    from ultralytics_clone.utils.files import atomic_write

    data = Path(data)
    if not data.is_dir():
        raise SourceError(f"auto_annotate data='{data}' is not a folder of images.")
    files = sorted(p for p in data.iterdir() if p.suffix.lower().lstrip(".") in IMG_FORMATS)
    if not files:
        raise SourceError(f"auto_annotate found no images in '{data}' (accepted: {', '.join(sorted(IMG_FORMATS))}).")
    det = det_model if hasattr(det_model, "predict") else YOLO(det_model)
    sam = sam_model if hasattr(sam_model, "predict") else SAM(sam_model)
    out = Path(output_dir) if output_dir else data.parent / f"{data.stem}_auto_annotate_labels"
    out.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    for f in files:
        try:
            im = imread(f)
            if im is None:
                raise SourceError(f"'{f}' could not be read as an image")
            r = det.predict(im, conf=conf, iou=iou, imgsz=imgsz, max_det=max_det, classes=classes, verbose=False,
                            save=False, **({"device": device} if device else {}))[0]  # fmt: skip
            boxes = r.boxes.xyxy.cpu().numpy()
            cls = r.boxes.cls.int().tolist()
            atomic_write(out / f"{f.stem}.txt", label_lines(cls, sam_segments(sam, im, boxes, device)))
        except Exception as e:  # one bad image must not stop the rest
            failed.append(f"{f.name}: {e}")
    LOGGER.info(f"auto_annotate: {len(files) - len(failed)}/{len(files)} images labelled in '{out}'")
    if failed:
        LOGGER.warning("auto_annotate skipped {} image(s):\n  {}".format(len(failed), "\n  ".join(failed)))
    return out
