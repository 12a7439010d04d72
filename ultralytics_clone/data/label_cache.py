"""Label checks on first use (parallel, one report line per bad file) and the `.cache` file that skips them later."""

from __future__ import annotations

import json
import os
import threading
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from ultralytics_clone.data.utils import IMG_FORMATS, exif_size, get_hash, imread, imwrite
from ultralytics_clone.utils import LOGGER, NUM_THREADS
from ultralytics_clone.utils.files import atomic_open

CACHE_VERSION = "clone-1"
_TRUNCATED_LOCK = threading.Lock()
_EPS = 1e-6  # coordinates within this of [0, 1] are clipped silently (float print rounding)


class Checked(NamedTuple):
    """Outcome of checking one image and its label file; `label` is None when `status` is 'corrupt'."""

    label: dict | None
    status: str  # "ok", "missing" (no label file), "empty" (empty label file) or "corrupt"
    msg: str


class _Corrupt(Exception):
    """Internal: the image or label cannot be used; the message says why."""


def check_image(im_file: str) -> tuple[tuple[int, int], str]:
    """(h, w) of a usable image after EXIF rotation; repairs a truncated but decodable JPEG by re-saving it."""
    from PIL import Image

    try:
        with Image.open(im_file) as im:
            im.verify()
        with Image.open(im_file) as im:
            fmt = (im.format or "").lower()
            w, h = exif_size(im)
    except Exception as e:  # PIL raises many types for garbage files
        raise _Corrupt(f"unreadable image ({type(e).__name__}: {e})") from e
    if fmt not in IMG_FORMATS:
        raise _Corrupt(f"image format '{fmt}' is not one of {sorted(IMG_FORMATS)}")
    if h < 10 or w < 10:
        raise _Corrupt(f"image size {w}x{h} is below 10 pixels")
    msg = ""
    if fmt in {"jpeg", "mpo"}:
        with open(im_file, "rb") as f:
            f.seek(-2, 2)
            complete = f.read() == b"\xff\xd9"
        if not complete:
            im = _decode_partial(im_file)
            if im is None or not imwrite(im_file, im, [cv2.IMWRITE_JPEG_QUALITY, 100]):
                raise _Corrupt("truncated JPEG that cannot be decoded")
            h, w = im.shape[:2]
            msg = "truncated JPEG repaired by re-saving"
    return (h, w), msg


def _decode_partial(im_file: str) -> np.ndarray | None:
    """(H, W, 3) BGR of a JPEG that may be cut short (missing rows come out grey), EXIF-rotated; None if hopeless."""
    im = imread(im_file)
    if im is not None:
        return im
    from PIL import Image, ImageFile, ImageOps

    with _TRUNCATED_LOCK:  # PIL's switch is process-wide: flip it only for this decode
        old, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, True
        try:
            with Image.open(im_file) as pil:
                rgb = np.asarray(ImageOps.exif_transpose(pil).convert("RGB"))
        except Exception:  # undecodable after all
            return None
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = old
    return np.ascontiguousarray(rgb[..., ::-1])


def _expected_columns(task: str, kpt_shape: list[int] | None) -> str:
    """Human-readable column rule for error messages."""
    if task == "pose":
        return f"5 + {kpt_shape[0]}x{kpt_shape[1]} = {5 + kpt_shape[0] * kpt_shape[1]}"
    if task == "obb":
        return "9 (class x1 y1 x2 y2 x3 y3 x4 y4)"
    return "5 (class cx cy w h) or an odd number >= 7 (class x1 y1 x2 y2 x3 y3 ...)"


def _parse_rows(lb_file: str, task: str, kpt_shape: list[int] | None) -> tuple[list[np.ndarray], str]:
    """Numeric rows of a label file, duplicates removed (reported); raises _Corrupt on a bad row."""
    with open(lb_file, encoding="utf-8-sig", errors="replace") as f:  # -sig: tolerate a BOM
        lines = [(i, line.split()) for i, line in enumerate(f.read().splitlines(), 1) if line.strip()]
    rows, seen, ndup = [], set(), 0
    for i, parts in lines:
        n = len(parts)
        if task == "pose":
            good = n == 5 + kpt_shape[0] * kpt_shape[1]
        elif task == "obb":
            good = n == 9
        else:
            good = n == 5 or (n >= 7 and n % 2 == 1)
        if not good:
            raise _Corrupt(f"line {i} has {n} columns, expected {_expected_columns(task, kpt_shape)}")
        try:
            row = np.array([float(p) for p in parts], dtype=np.float32)
        except ValueError as e:
            raise _Corrupt(f"line {i} is not numeric ({e})") from e
        if not np.isfinite(row).all():
            raise _Corrupt(f"line {i} holds nan or inf")
        key = row.tobytes()
        if key in seen:
            ndup += 1
            continue
        seen.add(key)
        rows.append(row)
    return rows, (f"{ndup} duplicate rows removed" if ndup else "")


def _check_values(rows: list[np.ndarray], task: str, nc: int | None, kpt_shape: list[int] | None) -> list[np.ndarray]:
    """Class ids integer in [0, nc), coordinates in [0, 1] (tiny overshoot clipped); raises _Corrupt otherwise."""
    out = []
    for i, row in enumerate(rows, 1):
        c = row[0]
        if c < 0 or c != int(c) or (nc is not None and c >= nc):
            raise _Corrupt(f"row {i}: class {c:g} is not an integer in [0, {nc if nc is not None else 'nc'})")
        coords = row[1:]
        if task == "pose":  # visibility flags are not coordinates
            kd = kpt_shape[1]
            kxy = coords[4:].reshape(-1, kd)[:, :2].ravel()
            coords = np.concatenate([coords[:4], kxy])
        if coords.min() < -_EPS:
            raise _Corrupt(f"row {i}: negative coordinate {coords.min():g}")
        if coords.max() > 1 + _EPS:
            raise _Corrupt(f"row {i}: coordinate {coords.max():g} > 1, labels must be normalised to [0, 1]")
        row = row.copy()
        if task == "pose":
            row[1:5] = np.clip(row[1:5], 0, 1)
            k = row[5:].reshape(-1, kpt_shape[1])
            k[:, :2] = np.clip(k[:, :2], 0, 1)
            row[5:] = k.ravel()
        else:
            row[1:] = np.clip(row[1:], 0, 1)
        out.append(row)
    return out


def _poly_to_xywh(points: np.ndarray) -> np.ndarray:
    """points (P, 2) normalised -> (4,) xywh normalised box around them."""
    lo, hi = points.min(0), points.max(0)
    return np.concatenate([(lo + hi) / 2, hi - lo]).astype(np.float32)


def _rows_to_label(rows: list[np.ndarray], task: str, kpt_shape: list[int] | None) -> dict:
    """cls/bboxes/segments/keypoints arrays of one image from its checked rows."""
    n = len(rows)
    cls = np.array([[r[0]] for r in rows], dtype=np.float32).reshape(n, 1)
    segments: list[np.ndarray] = []
    keypoints = None
    if task == "pose":
        arr = np.stack(rows) if n else np.zeros((0, 5 + kpt_shape[0] * kpt_shape[1]), np.float32)
        bboxes = arr[:, 1:5]
        keypoints = arr[:, 5:].reshape(n, kpt_shape[0], kpt_shape[1]).astype(np.float32)
    elif task in {"obb", "segment"} or any(len(r) > 5 for r in rows):
        for r in rows:
            if len(r) == 5:  # a plain box in a polygon file: its rectangle is the polygon
                cx, cy, w, h = r[1:]
                r = np.array([0, cx - w / 2, cy - h / 2, cx + w / 2, cy - h / 2, cx + w / 2, cy + h / 2,
                              cx - w / 2, cy + h / 2], np.float32)  # fmt: skip
            segments.append(r[1:].reshape(-1, 2).astype(np.float32))
        bboxes = np.stack([_poly_to_xywh(s) for s in segments]) if n else np.zeros((0, 4), np.float32)
        if task == "detect":
            segments = []
    else:
        bboxes = np.stack([r[1:5] for r in rows]) if n else np.zeros((0, 4), np.float32)
    return {"cls": cls, "bboxes": bboxes.astype(np.float32).reshape(n, 4), "segments": segments, "keypoints": keypoints}


def check_image_label(
    im_file: str, lb_file: str, task: str = "detect", nc: int | None = None, kpt_shape: list[int] | None = None
) -> Checked:
    """Check one image and its YOLO label file; never raises for bad data (status 'corrupt' with the reason instead)."""
    try:
        shape, msg_im = check_image(im_file)
        status, msg_lb, rows = "ok", "", []
        if not os.path.isfile(lb_file):
            status = "missing"
        else:
            rows, msg_lb = _parse_rows(lb_file, task, kpt_shape)
            rows = _check_values(rows, task, nc, kpt_shape)
            status = "ok" if rows else "empty"
        if task == "pose" and not rows:
            kpt = np.zeros((0, *kpt_shape), np.float32)
        label = {"im_file": im_file, "shape": shape, **_rows_to_label(rows, task, kpt_shape)}
        if task == "pose" and not rows:
            label["keypoints"] = kpt
        label.update(normalized=True, bbox_format="xywh")
        msg = "; ".join(m for m in (msg_im, msg_lb) if m)
        return Checked(label, status, f"{im_file}: {msg}" if msg else "")
    except _Corrupt as e:
        return Checked(None, "corrupt", f"{im_file}: ignoring corrupt image/label: {e}")
    except OSError as e:
        return Checked(None, "corrupt", f"{im_file}: ignoring unreadable file: {e}")
    except Exception as e:  # per-file boundary of a parallel scan: one odd file must never stop it
        return Checked(None, "corrupt", f"{im_file}: ignoring image/label ({type(e).__name__}: {e})")


def verify_image_label(args: tuple) -> Checked:
    """Pool-friendly wrapper: args = (im_file, lb_file, task, nc, kpt_shape)."""
    return check_image_label(*args)


def cache_path_for(label_files: list[str]) -> Path:
    """Where the cache of a split lives: `labels/train.cache` for `labels/train/*.txt`."""
    return Path(label_files[0]).parent.with_suffix(".cache")


def _cache_key(im_files: list[str], label_files: list[str], task: str, nc, kpt_shape) -> str:
    """Hash of every image and label name, size and mtime, plus the check parameters."""
    return get_hash([*label_files, *im_files]) + f"|{task}|{nc}|{kpt_shape}|{CACHE_VERSION}"


def save_cache(path: Path, key: str, labels: list[dict], counts: dict, msgs: list[str]) -> None:
    """Write labels as plain arrays + JSON (no pickle) atomically; a read-only folder only logs a warning."""
    n = [len(lb["cls"]) for lb in labels]
    segs = [s for lb in labels for s in lb["segments"]]
    meta = {
        "version": CACHE_VERSION, "key": key, "counts": counts, "msgs": msgs,
        "im_files": [lb["im_file"] for lb in labels], "nseg": [len(lb["segments"]) for lb in labels],
        "has_kpt": bool(labels) and labels[0]["keypoints"] is not None,
    }  # fmt: skip
    arrays = {
        "meta": np.array(json.dumps(meta)),
        "shapes": np.array([lb["shape"] for lb in labels], np.int64).reshape(-1, 2),
        "n": np.array(n, np.int64),
        "cls": np.concatenate([lb["cls"] for lb in labels]) if labels else np.zeros((0, 1), np.float32),
        "bboxes": np.concatenate([lb["bboxes"] for lb in labels]) if labels else np.zeros((0, 4), np.float32),
        "seg_len": np.array([len(s) for s in segs], np.int64),
        "seg_pts": np.concatenate(segs) if segs else np.zeros((0, 2), np.float32),
    }
    if meta["has_kpt"]:
        arrays["kpts"] = np.concatenate([lb["keypoints"] for lb in labels])
    try:
        with atomic_open(path) as f:
            np.savez(f, **arrays)
    except OSError as e:
        LOGGER.warning(f"cannot write label cache {path} ({e}); labels will be checked again next time")


def load_cache(path: Path, key: str) -> tuple[list[dict], dict, list[str]] | None:
    """Labels from a cache written for exactly `key`; None when missing, stale or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("version") != CACHE_VERSION or meta.get("key") != key:
                LOGGER.info(f"label cache {path} is stale, rebuilding")
                return None
            a = {k: z[k] for k in z.files if k != "meta"}
    except Exception as e:  # any damage means: do not trust it
        from ultralytics_clone.nn.weights import probe_pickle

        why = probe_pickle(path) or type(e).__name__
        LOGGER.warning(f"label cache {path} is unreadable ({why}), rebuilding")
        return None
    labels, ends = [], np.cumsum(a["n"])
    seg_ends = np.cumsum(a["seg_len"])
    si = 0
    for i, im_file in enumerate(meta["im_files"]):
        s, e = int(ends[i] - a["n"][i]), int(ends[i])
        segs = []
        for _ in range(meta["nseg"][i]):
            segs.append(a["seg_pts"][int(seg_ends[si] - a["seg_len"][si]) : int(seg_ends[si])])
            si += 1
        labels.append({
            "im_file": im_file, "shape": tuple(int(v) for v in a["shapes"][i]), "cls": a["cls"][s:e],
            "bboxes": a["bboxes"][s:e], "segments": segs, "keypoints": a["kpts"][s:e] if meta["has_kpt"] else None,
            "normalized": True, "bbox_format": "xywh",
        })  # fmt: skip
    return labels, meta["counts"], meta["msgs"]


def scan_labels(
    im_files: list[str], label_files: list[str], task: str, nc: int | None, kpt_shape, prefix: str = ""
) -> tuple[list[dict], dict, list[str]]:
    """Check every pair in parallel: usable labels (corrupt ones dropped), counts and per-file messages."""
    from tqdm.auto import tqdm

    labels, msgs = [], []
    counts = {"images": len(im_files), "found": 0, "missing": 0, "empty": 0, "corrupt": 0}
    args = [(im, lb, task, nc, kpt_shape) for im, lb in zip(im_files, label_files)]
    workers = min(NUM_THREADS, max(1, len(args)))
    with ThreadPool(workers) as pool:
        results = pool.imap(verify_image_label, args)
        for r in tqdm(results, total=len(args), desc=f"{prefix}Scanning labels", disable=len(args) < 64, leave=False):
            counts["found" if r.status == "ok" else r.status] += 1
            if r.label is not None:
                labels.append(r.label)
            if r.msg:
                msgs.append(r.msg)
    return labels, counts, msgs


def summary_line(counts: dict) -> str:
    """'N images, M backgrounds, K corrupt' (N: every image scanned; backgrounds: missing or empty label files)."""
    return f"{counts['images']} images, {counts['missing'] + counts['empty']} backgrounds, {counts['corrupt']} corrupt"


def load_labels(
    im_files: list[str], label_files: list[str], task: str = "detect", nc: int | None = None,
    kpt_shape: list[int] | None = None, prefix: str = "",
) -> list[dict]:  # fmt: skip
    """Usable labels of a split, from the cache when it matches the files on disk, otherwise checked and cached."""
    path = cache_path_for(label_files)
    key = _cache_key(im_files, label_files, task, nc, kpt_shape)
    cached = load_cache(path, key)
    if cached is not None:
        labels, counts, msgs = cached
        source = f"cache {path}"
    else:
        labels, counts, msgs = scan_labels(im_files, label_files, task, nc, kpt_shape, prefix)
        key = _cache_key(im_files, label_files, task, nc, kpt_shape)  # after repairs rewrote files
        if path.parent.exists():
            save_cache(path, key, labels, counts, msgs)
        source = f"scan of {path.parent}"
    for m in msgs:
        LOGGER.warning(f"{prefix}{m}")
    all_bg = counts["missing"] + counts["empty"] == counts["images"]
    log = LOGGER.warning if msgs or all_bg else LOGGER.info
    log(f"{prefix}{summary_line(counts)} ({source})")
    if counts["found"] == 0 and counts["images"] > counts["corrupt"]:
        LOGGER.warning(f"{prefix}no labels found in {path.parent}: every image is a background, training may not work")
    return labels


__all__ = [
    "Checked", "check_image", "check_image_label", "verify_image_label", "cache_path_for",
    "save_cache", "load_cache", "scan_labels", "summary_line", "load_labels",
]  # fmt: skip
