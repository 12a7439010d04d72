"""Dataset file helpers: formats, image->label paths, hashing, robust image reading, autosplit, compression."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import cv2
import numpy as np

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.lazy import lazy_getattr

IMG_FORMATS = {"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm"}
VID_FORMATS = {"asf", "avi", "gif", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "ts", "wmv", "webm"}
HELP_URL = "https://docs.ultralytics.com/datasets"
FORMATS_HELP_MSG = f"Supported formats are:\nimages: {sorted(IMG_FORMATS)}\nvideos: {sorted(VID_FORMATS)}"

_LAZY = {
    "polygon2mask": "ultralytics_clone.data.masks",
    "polygons2masks": "ultralytics_clone.data.masks",
    "polygons2masks_overlap": "ultralytics_clone.data.masks",
    "check_det_dataset": "ultralytics_clone.data.checks",
    "check_cls_dataset": "ultralytics_clone.data.checks",
    "verify_image_label": "ultralytics_clone.data.label_cache",
}
# Keys of a dataset YAML and the value types accepted for them (data/checks.py validates the values).
DATASET_KEY_TYPES = {
    "path": (str,), "train": (str, list), "val": (str, list), "test": (str, list, type(None)),
    "minival": (str, list, type(None)), "names": (dict, list), "nc": (int,), "kpt_shape": (list,),
    "flip_idx": (list,), "kpt_names": (dict,), "channels": (int,), "download": (str, type(None)),
}  # fmt: skip


def __getattr__(name: str):
    """Lazy re-exports (this module imports while its siblings still load); out-of-scope names raise clearly."""
    if name in _LAZY:
        return lazy_getattr(__name__, _LAZY)(name)
    if name == "check_image":
        from ultralytics_clone.data.label_cache import check_image

        return check_image
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


def img2label_paths(img_paths: list[str], label_dir: str = "labels", suffix: str = ".txt") -> list[str]:
    """Label file of each image: the LAST '/images/' in the path becomes f'/{label_dir}/', the suffix `suffix`."""
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}{label_dir}{os.sep}"
    out = []
    for p in img_paths:
        p = str(p)
        head, sep, tail = p.rpartition(sa)
        base = f"{head}{sb}{tail}" if sep else p
        out.append(base.rsplit(".", 1)[0] + suffix)
    return out


def find_dataset_yaml(path: str | Path) -> Path:
    """The dataset YAML for `path`: the file itself, a folder's single YAML (an unzipped dataset), or one of the
    package's built-in dataset YAMLs; DatasetError otherwise."""
    from ultralytics_clone.data import checks

    p = Path(path)
    if p.is_dir():
        found = sorted(p.glob("*.yaml")) or sorted(p.rglob("*.yaml"))
        if len(found) != 1:
            from ultralytics_clone.utils.errors import DatasetError

            raise DatasetError(f"expected exactly one YAML file in '{p}', found {len(found)}: {[f.name for f in found]}.")
        return found[0]
    return checks.find_dataset_yaml(path)


def get_split_fraction(fraction: float, split: str) -> float:
    """The share of a split's images to use: `fraction` for the training split, all (1.0) for the others."""
    return float(fraction) if split == "train" else 1.0


def verify_image(args: tuple) -> tuple[tuple[str, int], int, int, str]:
    """Classification image check: args = ((im_file, cls), prefix) -> ((im_file, cls), found, corrupt, message)."""
    from ultralytics_clone.data.label_cache import _Corrupt, check_image

    (im_file, cls), prefix = args
    try:
        _, msg = check_image(im_file)
        return (im_file, cls), 1, 0, f"{prefix}{im_file}: {msg}" if msg else ""
    except (_Corrupt, OSError) as e:
        return (im_file, cls), 0, 1, f"{prefix}{im_file}: ignoring corrupt image: {e}"


def check_file_speeds(
    files: list[str], threshold_ms: float = 10, threshold_mb: float = 50, max_files: int = 5, prefix: str = ""
) -> None:
    """Warn when a sample of `files` is slow to stat (> threshold_ms) or read (< threshold_mb MB/s): a slow disk or
    network mount that will starve training."""
    import time

    if not files:
        LOGGER.warning(f"{prefix}check_file_speeds: no files to check.")
        return
    sample = random.Random(0).sample(list(files), min(max_files, len(files)))
    stat_ms, mbps = [], []
    for f in sample:
        t0 = time.perf_counter()
        try:
            size = os.stat(f).st_size
        except OSError:
            continue
        stat_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        with open(f, "rb") as fh:
            fh.read()
        dt = time.perf_counter() - t0
        if dt > 0 and size > 0:
            mbps.append(size / 2**20 / dt)
    if not stat_ms:
        LOGGER.warning(f"{prefix}check_file_speeds: none of the sampled files could be read.")
        return
    ping = sum(stat_ms) / len(stat_ms)
    speed = sum(mbps) / len(mbps) if mbps else float("inf")
    if ping > threshold_ms or speed < threshold_mb:
        LOGGER.warning(f"{prefix}slow dataset storage: {ping:.1f} ms per file access, {speed:.0f} MB/s reads "
                       "(a network or slow disk?); consider copying the dataset to a local SSD or cache=ram.")  # fmt: skip
    else:
        LOGGER.info(f"{prefix}fast dataset storage: {ping:.1f} ms per file access, {speed:.0f} MB/s reads")


def visualize_image_annotations(image_path: str | Path, txt_path: str | Path, label_map: dict[int, str]) -> None:
    """Show an image with the YOLO boxes of its label file drawn and named with `label_map` (matplotlib window)."""
    import matplotlib.pyplot as plt

    img = imread(image_path)
    if img is None:
        from ultralytics_clone.utils.errors import SourceError

        raise SourceError(f"cannot read image '{image_path}'")
    h, w = img.shape[:2]
    fig, ax = plt.subplots(1)
    ax.imshow(img[..., ::-1])
    for line in Path(txt_path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        c, x, y, bw, bh = int(float(parts[0])), *(float(v) for v in parts[1:5])
        x0, y0 = (x - bw / 2) * w, (y - bh / 2) * h
        ax.add_patch(plt.Rectangle((x0, y0), bw * w, bh * h, fill=False, linewidth=2, edgecolor="red"))
        ax.text(x0, y0 - 2, label_map.get(c, str(c)), color="white", backgroundcolor="red", fontsize=8)
    ax.axis("off")
    plt.show()


def get_hash(paths: list[str | Path]) -> str:
    """SHA-256 over the names, sizes and mtimes (ns) of `paths`; a missing file contributes its name only."""
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode("utf-8", "surrogateescape"))
        try:
            st = os.stat(p)
            h.update(f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(b"\0missing\n")
    return h.hexdigest()


def imread(filename: str | Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray | None:
    """Decode an image file (any path, non-ASCII too); IMREAD_COLOR gives (H, W, 3) uint8 BGR; None if undecodable."""
    try:
        buf = np.fromfile(str(filename), np.uint8)
    except OSError:
        return None
    if buf.size == 0:
        return None
    im = cv2.imdecode(buf, flags)
    if im is None or flags != cv2.IMREAD_COLOR:
        return im
    return to_bgr_uint8(im)


def to_bgr_uint8(im: np.ndarray) -> np.ndarray:
    """Any decoded image (gray, gray+alpha, BGRA, 16-bit, float) as a contiguous (H, W, 3) uint8 BGR array."""
    if im.dtype == np.uint16:
        im = (im >> 8).astype(np.uint8)
    elif im.dtype != np.uint8:
        scale = 255.0 if im.dtype.kind == "f" and float(im.max(initial=0)) <= 1.0 else 1.0
        im = np.clip(im * scale, 0, 255).astype(np.uint8)
    if im.ndim == 2:
        im = cv2.cvtColor(im, cv2.COLOR_GRAY2BGR)
    elif im.shape[2] == 1:
        im = cv2.cvtColor(im[..., 0], cv2.COLOR_GRAY2BGR)
    elif im.shape[2] == 2:
        im = cv2.cvtColor(im[..., 0], cv2.COLOR_GRAY2BGR)
    elif im.shape[2] == 4:
        im = cv2.cvtColor(im, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(im)


def hwc_to_chw(images: list[np.ndarray], reverse: bool = True) -> np.ndarray:
    """Same-shape HWC images -> one (B, C, H, W) array, channel order reversed (BGR -> RGB) when `reverse`.

    cv2.split writes each channel plane straight into place: about 15x faster at 640 than numpy's element-by-element
    copy through reversed, transposed views.
    """
    h, w = images[0].shape[:2]
    ch = images[0].shape[2] if images[0].ndim == 3 else 1
    out = np.empty((len(images), ch, h, w), images[0].dtype)
    for planes, x in zip(out, images):
        if ch == 1:
            planes[0] = x.reshape(h, w)
        else:
            cv2.split(x, list(planes[::-1] if reverse else planes))
    return out


UNIT_SCALE = np.arange(256, dtype=np.float32) / np.float32(255)  # uint8 v -> v / 255, exactly as torch.div gives it


def bgr_to_unit_rgb(images: list[np.ndarray]) -> np.ndarray:
    """Same-shape BGR HWC uint8 images -> one float32 (B, H, W, 3) RGB array in 0-1 (a channels-last batch once
    permuted to BCHW): one colour conversion and one lookup-table pass, about twice as fast as planes plus a divide."""
    h, w = images[0].shape[:2]
    rgb = np.empty((len(images), h, w, 3), np.uint8)
    for out, x in zip(rgb, images):
        cv2.cvtColor(x, cv2.COLOR_BGR2RGB, dst=out)
    return cv2.LUT(rgb.reshape(-1, w * 3), UNIT_SCALE).reshape(rgb.shape)


def imwrite(filename: str | Path, img: np.ndarray, params: list[int] | None = None) -> bool:
    """Encode by the file's suffix and write (any path, non-ASCII included); False when encoding fails."""
    ok, buf = cv2.imencode(Path(filename).suffix or ".jpg", img, params or [])
    if ok:
        buf.tofile(str(filename))
    return bool(ok)


def exif_size(img) -> tuple[int, int]:
    """(width, height) of a PIL image after its EXIF orientation is applied."""
    w, h = img.size
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:  # malformed EXIF must not reject an otherwise valid image
        orientation = 1
    return (h, w) if orientation in {5, 6, 7, 8} else (w, h)


def autosplit(
    path: str | Path = "images",
    weights: tuple[float, float, float] = (0.9, 0.1, 0.0),
    annotated_only: bool = False,
    seed: int = 0,
) -> list[Path]:
    """Write autosplit_train/val/test.txt next to `path` (random, seeded); returns the files written."""
    path = Path(path)
    files = sorted(f for f in path.rglob("*.*") if f.suffix[1:].lower() in IMG_FORMATS)
    rng = random.Random(seed)
    indices = rng.choices([0, 1, 2], weights=weights, k=len(files))
    names = ["autosplit_train.txt", "autosplit_val.txt", "autosplit_test.txt"]
    outs = [path.parent / n for n in names]
    for out in outs:
        out.unlink(missing_ok=True)
    LOGGER.info(f"Autosplitting images from {path}" + ", using *.txt labeled images only" * annotated_only)
    for img, i in zip(files, indices):
        if annotated_only and not Path(img2label_paths([str(img)])[0]).exists():
            continue
        with open(outs[i], "a", encoding="utf-8") as f:
            f.write(f"./{img.relative_to(path.parent).as_posix()}\n")
    return [o for o in outs if o.exists()]


def compress_one_image(f: str | Path, f_new: str | Path | None = None, max_dim: int = 1920, quality: int = 50) -> None:
    """Re-save as JPEG at `quality`, longer side shrunk to `max_dim` (never enlarged); in place by default."""
    f = Path(f)
    try:
        from PIL import Image

        with Image.open(f) as im:
            r = max_dim / max(im.height, im.width)
            if r < 1.0:
                im = im.resize((int(im.width * r), int(im.height * r)))
            im = im.convert("RGB") if im.mode not in {"RGB", "L"} else im
            im.save(f_new or f, "JPEG", quality=quality, optimize=True)
    except Exception as e:  # PIL could not handle it: fall back to OpenCV
        LOGGER.warning(f"compress_one_image: PIL failed on {f} ({e}), using OpenCV")
        im = imread(f)
        if im is None:
            LOGGER.warning(f"compress_one_image: cannot decode {f}, left unchanged")
            return
        h, w = im.shape[:2]
        r = max_dim / max(h, w)
        if r < 1.0:
            im = cv2.resize(im, (int(w * r), int(h * r)), interpolation=cv2.INTER_AREA)
        imwrite(f_new or f, im, [cv2.IMWRITE_JPEG_QUALITY, quality])


__all__ = [
    "bgr_to_unit_rgb",
    "hwc_to_chw",
    "IMG_FORMATS",
    "VID_FORMATS",
    "HELP_URL",
    "FORMATS_HELP_MSG",
    "img2label_paths",
    "get_hash",
    "imread",
    "imwrite",
    "to_bgr_uint8",
    "exif_size",
    "autosplit",
    "compress_one_image",
    "polygon2mask",
    "polygons2masks",
    "polygons2masks_overlap",
    "check_det_dataset",
    "check_cls_dataset",
    "verify_image_label",
]
