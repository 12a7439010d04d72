"""Label converters: COCO JSON -> YOLO txt (boxes, polygons, keypoints), and mask images -> YOLO polygons."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import DatasetError
from ultralytics_clone.utils.files import increment_path

_COCO91_UNUSED = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91}  # category ids the 80-class COCO split leaves out


def coco91_to_coco80_class() -> list[int | None]:
    """Index (COCO 91-id - 1) -> 80-class index, None for the 11 ids unused by the 80-class split."""
    out, k = [], 0
    for cid in range(1, 92):
        out.append(None if cid in _COCO91_UNUSED else k)
        k += cid not in _COCO91_UNUSED
    return out


def coco80_to_coco91_class() -> list[int]:
    """80-class index -> original COCO category id (1-90)."""
    return [cid for cid in range(1, 92) if cid not in _COCO91_UNUSED]


def min_index(arr1: np.ndarray, arr2: np.ndarray) -> tuple[int, int]:
    """Indices (i, j) of the closest pair of points between arr1 (n, 2) and arr2 (m, 2)."""
    a, b = np.asarray(arr1), np.asarray(arr2)
    d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    return int(i), int(j)


def merge_multi_segment(segments: list[list[float]]) -> list[np.ndarray]:
    """Join the parts of a multi-polygon into one outline, walking each thin bridge there and back.

    Parts are linked in order through their closest point pairs; returns the pieces of the outline, which
    concatenate to a single closed polygon (k, 2).
    """
    parts = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in segments]
    links = [min_index(parts[i], parts[i + 1]) for i in range(len(parts) - 1)]

    def walk(i: int, entry: int) -> list[np.ndarray]:
        """Loop around part i from `entry`, detouring into part i + 1 at the linking point."""
        p = np.roll(parts[i], -entry, axis=0)
        p = np.concatenate([p, p[:1]], 0)  # come back to the entry point
        if i == len(parts) - 1:
            return [p]
        exit_at = (links[i][0] - entry) % len(parts[i])
        return [p[: exit_at + 1], *walk(i + 1, links[i][1]), p[exit_at:]]

    return walk(0, 0)


def _ann_to_line(ann: dict, w: int, h: int, cls: int, use_segments: bool, use_keypoints: bool) -> list[float] | None:
    """One YOLO label row for a COCO annotation; None for crowd or empty boxes."""
    if ann.get("iscrowd", False):
        return None
    box = np.asarray(ann["bbox"], dtype=np.float64)  # left, top, width, height in pixels
    box[:2] += box[2:] / 2
    box /= [w, h, w, h]
    if box[2] <= 0 or box[3] <= 0:
        return None
    row = [cls, *box.tolist()]
    if use_keypoints and ann.get("keypoints") is not None:
        kpts = np.asarray(ann["keypoints"], dtype=np.float64).reshape(-1, 3) / [w, h, 1]
        return row + kpts.reshape(-1).tolist()
    if use_segments and isinstance(ann.get("segmentation"), list) and len(ann["segmentation"]):
        seg = ann["segmentation"]
        pts = np.concatenate(merge_multi_segment(seg)) if len(seg) > 1 else np.asarray(seg[0]).reshape(-1, 2)
        return [cls, *(pts / [w, h]).reshape(-1).tolist()]
    return row


def convert_coco(labels_dir: str | Path = "../coco/annotations/", save_dir: str | Path = "coco_converted/",
                 use_segments: bool = False, use_keypoints: bool = False, cls91to80: bool = True,
                 lvis: bool = False) -> Path:  # fmt: skip
    """Write YOLO labels for every COCO `*.json` in labels_dir to <save_dir>/labels/<json stem>/<image>.txt.

    save_dir is incremented when it exists (coco_converted2, ...). Crowd annotations and empty boxes are skipped,
    duplicate boxes written once. Rows are `cls cx cy w h` (+ `x y v` per keypoint with use_keypoints), or
    `cls x1 y1 ...` polygons with use_segments (multi-part polygons joined into one). Returns save_dir.
    """
    labels_dir = Path(labels_dir)
    files = sorted(labels_dir.resolve().glob("*.json"))
    if not files:
        raise DatasetError(f"convert_coco: no *.json annotation files in '{labels_dir}'; pass the annotations folder.")
    save_dir = increment_path(save_dir, sep="")
    for d in (save_dir / "labels", save_dir / "images"):
        d.mkdir(parents=True, exist_ok=True)
    coco80 = coco91_to_coco80_class()
    for json_file in files:
        out_dir = save_dir / "labels" / json_file.stem.replace("lvis_v1_", "").replace("instances_", "")
        out_dir.mkdir(parents=True, exist_ok=True)
        data = json.loads(json_file.read_text())
        images = {int(x["id"]): x for x in data["images"]}
        anns = defaultdict(list)
        for ann in data.get("annotations", []):
            anns[int(ann["image_id"])].append(ann)
        for img_id, img_anns in anns.items():
            img = images[img_id]
            w, h = img["width"], img["height"]
            rows: list[list[float]] = []
            for ann in img_anns:
                cls = coco80[ann["category_id"] - 1] if cls91to80 and not lvis else ann["category_id"] - 1
                if cls is None:
                    continue
                row = _ann_to_line(ann, w, h, cls, use_segments, use_keypoints)
                if row is not None and row not in rows:
                    rows.append(row)
            text = "".join(" ".join(f"{v:g}" for v in r) + "\n" for r in rows)
            (out_dir / Path(img["file_name"]).name).with_suffix(".txt").write_text(text)
        LOGGER.info(f"convert_coco: {json_file.name} -> {out_dir} ({len(anns)} labelled images)")
    return save_dir


def convert_segment_masks_to_yolo_seg(masks_dir: str | Path, output_dir: str | Path, classes: int) -> None:
    """Per mask image (pixel value v = class v - 1, 0 = background) write a YOLO polygon file of the same stem."""
    masks_dir, output_dir = Path(masks_dir), Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in masks_dir.iterdir() if p.suffix.lower() in {".png", ".bmp", ".tif", ".tiff", ".jpg"})
    for path in files:
        mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            LOGGER.warning(f"convert_segment_masks_to_yolo_seg: cannot read '{path}', skipped")
            continue
        h, w = mask.shape
        lines = []
        for value in np.unique(mask):
            if value == 0:
                continue
            if value > classes:
                LOGGER.warning(f"{path.name}: pixel value {value} is outside classes=1..{classes}, skipped")
                continue
            contours = cv2.findContours((mask == value).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
            for c in contours:
                if len(c) < 3:
                    continue
                pts = (c.reshape(-1, 2) / [w, h]).round(6).reshape(-1)
                lines.append(" ".join([str(int(value) - 1), *(f"{v:g}" for v in pts)]))
        (output_dir / f"{path.stem}.txt").write_text("".join(line + "\n" for line in lines))
        LOGGER.info(f"convert_segment_masks_to_yolo_seg: {path.name} -> {len(lines)} polygons")


def yolo_bbox2segment(im_dir: str | Path, save_dir: str | Path | None = None, sam_model: str = "sam_b.pt",
                      device: Any = None) -> Path:  # fmt: skip
    """Turn a detection data set (images/ + labels/ with 'cls x y w h' rows) into segmentation labels with SAM.

    Each image's boxes prompt SAM; the masks' outlines are written with the same classes to `save_dir`
    (default: 'labels-segment' beside `im_dir`). Label files that already hold polygons are copied unchanged.
    Returns the folder written.
    """
    from ultralytics_clone.data.annotator import label_lines, sam_segments
    from ultralytics_clone.data.utils import IMG_FORMATS, img2label_paths, imread
    from ultralytics_clone.models.sam import SAM
    from ultralytics_clone.utils.errors import SourceError
    from ultralytics_clone.utils.files import atomic_write
    from ultralytics_clone.utils.ops import xywhn2xyxy

    im_dir = Path(im_dir)
    images = sorted(p for p in im_dir.iterdir() if p.suffix.lower().lstrip(".") in IMG_FORMATS) if im_dir.is_dir() else []
    if not images:
        raise SourceError(f"yolo_bbox2segment found no images in '{im_dir}'.")
    out = Path(save_dir) if save_dir else im_dir.parent / "labels-segment"
    out.mkdir(parents=True, exist_ok=True)
    sam = sam_model if hasattr(sam_model, "predict") else SAM(sam_model)
    failed = []
    for im_file, lb_file in zip(images, img2label_paths([str(p) for p in images])):
        lb_file = Path(lb_file)
        if not lb_file.is_file():
            continue  # an unlabelled image stays unlabelled
        rows = [r.split() for r in lb_file.read_text().splitlines() if r.strip()]
        if any(len(r) > 5 for r in rows):  # already polygons
            atomic_write(out / lb_file.name, lb_file.read_text())
            continue
        try:
            im = imread(im_file)
            if im is None or any(len(r) != 5 for r in rows):
                raise SourceError("unreadable image" if im is None else "rows must be 'cls x y w h'")
            arr = np.array(rows, dtype=np.float32).reshape(-1, 5)
            h, w = im.shape[:2]
            boxes = xywhn2xyxy(arr[:, 1:], w=w, h=h)
            atomic_write(out / lb_file.name, label_lines(arr[:, 0].astype(int).tolist(), sam_segments(sam, im, boxes, device)))
        except Exception as e:  # report and go on with the rest
            failed.append(f"{im_file.name}: {e}")
    if failed:
        LOGGER.warning("yolo_bbox2segment skipped {} image(s):\n  {}".format(len(failed), "\n  ".join(failed)))
    LOGGER.info(f"yolo_bbox2segment: segmentation labels written to '{out}'")
    return out


DOTA_CLASSES = (
    "plane", "ship", "storage-tank", "baseball-diamond", "tennis-court", "basketball-court", "ground-track-field",
    "harbor", "bridge", "large-vehicle", "small-vehicle", "helicopter", "roundabout", "soccer-ball-field",
    "swimming-pool", "container-crane", "airport", "helipad",
)  # fmt: skip


def convert_dota_to_yolo_obb(dota_root_path: str | Path) -> None:
    """DOTA labels (`labels/{train,val}_original/*.txt`: 8 corner coordinates, class name, difficulty) -> YOLO OBB
    labels (`labels/{train,val}/*.txt`: class x1 y1 ... x4 y4, normalised by the size of `images/<split>/<stem>.*`)."""
    from ultralytics_clone.data.utils import IMG_FORMATS, imread
    from ultralytics_clone.utils.files import atomic_write

    root = Path(dota_root_path)
    class_ids = {name: i for i, name in enumerate(DOTA_CLASSES)}
    for split in ("train", "val"):
        src, images = root / "labels" / f"{split}_original", root / "images" / split
        if not src.is_dir():
            LOGGER.warning(f"convert_dota_to_yolo_obb: '{src}' does not exist, skipping the {split} split.")
            continue
        out = root / "labels" / split
        out.mkdir(parents=True, exist_ok=True)
        for lb in sorted(src.glob("*.txt")):
            im = next((p for p in images.glob(f"{lb.stem}.*") if p.suffix[1:].lower() in IMG_FORMATS), None)
            img = imread(im) if im is not None else None
            if img is None:
                LOGGER.warning(f"convert_dota_to_yolo_obb: no readable image for '{lb.name}' in '{images}', skipped.")
                continue
            h, w = img.shape[:2]
            lines = []
            for row in lb.read_text(encoding="utf-8").splitlines():
                parts = row.split()
                if len(parts) < 9 or parts[8] not in class_ids:
                    continue  # header lines ('imagesource:', 'gsd:') and unknown classes
                xy = np.array(parts[:8], dtype=np.float64).reshape(4, 2) / (w, h)
                lines.append(f"{class_ids[parts[8]]} " + " ".join(f"{v:.6g}" for v in xy.clip(0, 1).ravel()))
            atomic_write(out / lb.name, "\n".join(lines) + ("\n" if lines else ""))
        LOGGER.info(f"convert_dota_to_yolo_obb: {split} labels written to '{out}'")


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference converters left out: clear error)

__getattr__ = module_getattr(__name__)
