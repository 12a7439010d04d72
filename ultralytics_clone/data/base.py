"""BaseDataset: image list, fraction, RAM/disk image cache, aspect-keeping resize, rect batch shapes, mosaic buffer."""

from __future__ import annotations

import copy
import math
import shutil
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from torch.utils.data import Dataset

from ultralytics_clone.data.utils import FORMATS_HELP_MSG, IMG_FORMATS, imread
from ultralytics_clone.utils import LOGGER, NUM_THREADS
from ultralytics_clone.utils.errors import DatasetError
from ultralytics_clone.utils.files import atomic_open


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (psutil, else /proc/meminfo); None when unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def list_image_files(img_path: str | Path | list, prefix: str = "") -> list[str]:
    """Sorted image files from a folder (recursive), a .txt list (lines relative to it), an image, or a list."""
    files: list[str] = []
    for p in img_path if isinstance(img_path, (list, tuple)) else [img_path]:
        p = Path(p).expanduser()
        if p.is_dir():
            files += [str(f) for f in p.rglob("*") if f.is_file()]
        elif p.is_file() and p.suffix.lower() == ".txt":
            parent = p.parent
            for line in p.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line:
                    q = Path(line)
                    files.append(str(q if q.is_absolute() else (parent / q).resolve() if (parent / q).exists() else q))
        elif p.is_file():
            files.append(str(p))
        else:
            raise DatasetError(f"{prefix}image source '{p}' does not exist; expected a folder, .txt list or image.")
    out = sorted({f for f in files if f.rsplit(".", 1)[-1].lower() in IMG_FORMATS})
    if not out:
        raise DatasetError(f"{prefix}no images found in {img_path}. {FORMATS_HELP_MSG}")
    return out


class BaseDataset(Dataset):
    """Images + labels on disk -> augmented samples; subclasses supply get_labels() and build_transforms()."""

    def __init__(
        self, img_path: str | Path | list, imgsz: int = 640, cache: bool | str = False, augment: bool = True,
        hyp: Any = None, prefix: str = "", rect: bool = False, batch_size: int = 16, stride: int = 32,
        pad: float = 0.5, single_cls: bool = False, classes: list[int] | None = None, fraction: float = 1.0,
        channels: int = 3,
    ) -> None:  # fmt: skip
        super().__init__()
        if hyp is None:
            from ultralytics_clone.cfg import DEFAULT_CFG

            hyp = DEFAULT_CFG
        self.img_path, self.imgsz, self.augment = img_path, int(imgsz), augment
        self.single_cls, self.prefix, self.fraction, self.channels = single_cls, prefix, fraction, channels
        self.im_files = list_image_files(img_path, prefix)
        if not 0.0 < fraction <= 1.0:
            raise DatasetError(f"{prefix}fraction={fraction} is outside (0, 1]; use e.g. 0.5 for half the images.")
        self.im_files = self.im_files[: max(1, round(len(self.im_files) * fraction))]
        self.labels = self.get_labels()
        if not self.labels:
            raise DatasetError(f"{prefix}no usable images in {img_path}: all are corrupt (see the warnings above).")
        self.im_files = [lb["im_file"] for lb in self.labels]
        self.update_labels(include_class=classes)
        self.ni = len(self.labels)
        self.rect, self.batch_size, self.stride, self.pad = rect, batch_size, stride, pad
        if rect:
            assert self.batch_size is not None
            self.set_rectangle()
        self.buffer: list[int] = []
        self.max_buffer_length = min(self.ni, self.batch_size * 8, 1000) if augment else 0
        self.ims: list[np.ndarray | None] = [None] * self.ni
        self.im_hw0: list[tuple[int, int] | None] = [None] * self.ni
        self.im_hw: list[tuple[int, int] | None] = [None] * self.ni
        self.npy_files = [Path(f).with_suffix(".npy") for f in self.im_files]
        self.cache = self._choose_cache(cache)
        if self.cache:
            self.cache_images()
        self.transforms = self.build_transforms(hyp=copy.copy(hyp))

    # ----------------------------------------------------------------------------------------------- labels
    def get_labels(self) -> list[dict]:
        """One label dict per usable image (see the data contract); implemented by subclasses."""
        raise NotImplementedError

    def update_labels(self, include_class: list[int] | None) -> None:
        """Keep only instances of `include_class` (images left empty become backgrounds); single_cls sets class 0."""
        keep_cls = np.array(include_class, dtype=np.float32).reshape(1, -1) if include_class is not None else None
        for lb in self.labels:
            if keep_cls is not None:
                j = (lb["cls"] == keep_cls).any(1)
                lb["cls"], lb["bboxes"] = lb["cls"][j], lb["bboxes"][j]
                if lb.get("segments"):
                    lb["segments"] = [s for s, k in zip(lb["segments"], j) if k]
                if lb.get("keypoints") is not None:
                    lb["keypoints"] = lb["keypoints"][j]
            if self.single_cls:
                lb["cls"] = np.zeros_like(lb["cls"])

    # ----------------------------------------------------------------------------------------------- images
    def load_image(self, i: int, rect_mode: bool = True) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
        """Image i as (H, W, 3) uint8 BGR, longer side imgsz (aspect kept; stretched to square if not rect_mode).

        Returns (img, (h0, w0) original, (h, w) resized).
        """
        im = self.ims[i]
        if im is not None:
            return im, self.im_hw0[i], self.im_hw[i]
        im, (h0, w0) = self._resized(i, rect_mode)
        if self.augment:  # keep recent images for mosaic; drop the oldest unless the whole set lives in RAM
            self.ims[i], self.im_hw0[i], self.im_hw[i] = im, (h0, w0), im.shape[:2]
            self.buffer.append(i)
            if len(self.buffer) > self.max_buffer_length:
                j = self.buffer.pop(0)
                if self.cache != "ram":
                    self.ims[j] = self.im_hw0[j] = self.im_hw[j] = None
        return im, (h0, w0), im.shape[:2]

    def _resized(self, i: int, rect_mode: bool = True) -> tuple[np.ndarray, tuple[int, int]]:
        """Image i read and resized (no caching side effects), with its original (h0, w0)."""
        im = self._read(i)
        h0, w0 = im.shape[:2]
        if rect_mode:
            r = self.imgsz / max(h0, w0)
            if r != 1:
                w, h = min(math.ceil(w0 * r), self.imgsz), min(math.ceil(h0 * r), self.imgsz)
                im = cv2.resize(im, (w, h), interpolation=cv2.INTER_LINEAR if self.augment or r > 1 else cv2.INTER_AREA)
        elif (h0, w0) != (self.imgsz, self.imgsz):
            im = cv2.resize(im, (self.imgsz, self.imgsz), interpolation=cv2.INTER_LINEAR)
        return im, (h0, w0)

    def _read(self, i: int) -> np.ndarray:
        """Decoded original image i: from its .npy when disk-cached, else from the image file."""
        f, fn = self.im_files[i], self.npy_files[i]
        if self.cache == "disk" and fn.exists():
            try:
                return np.load(fn, allow_pickle=False)
            except (OSError, ValueError) as e:
                LOGGER.warning(f"{self.prefix}removing unreadable disk cache {fn} ({e})")
                fn.unlink(missing_ok=True)
        im = imread(f)
        if im is None:
            raise DatasetError(f"{self.prefix}image '{f}' could not be decoded although it passed the label check.")
        return im

    # ----------------------------------------------------------------------------------------------- caching
    def _choose_cache(self, cache: bool | str) -> str | None:
        """'ram', 'disk' or None; falls back to None with a warning when memory or disk space is short."""
        mode = {"true": "ram", "ram": "ram", "disk": "disk"}.get(str(cache).lower())
        if mode is None:
            if str(cache).lower() not in {"false", "none", "0", ""}:
                LOGGER.warning(f"{self.prefix}cache={cache!r} is not one of True/'ram', 'disk', False; not caching")
            return None
        need, have = self._cache_need(mode)
        if have is not None and need > have:
            where = "memory" if mode == "ram" else "disk space"
            LOGGER.warning(
                f"{self.prefix}cache='{mode}' needs ~{need / 2**30:.2f} GB but only {have / 2**30:.2f} GB {where} is "
                "available; not caching images"
            )
            return None
        return mode

    def _cache_need(self, mode: str) -> tuple[float, int | None]:
        """(bytes needed with a 50% / 10% safety margin, bytes available) for caching in `mode`."""
        shapes = np.array([lb.get("shape", (self.imgsz, self.imgsz)) for lb in self.labels], np.float64).reshape(-1, 2)
        if mode == "ram":
            r = self.imgsz / shapes.max(1)
            need = float((shapes[:, 0] * r * shapes[:, 1] * r * 3).sum()) * 1.5
            return need, available_memory()
        need = float((shapes[:, 0] * shapes[:, 1] * 3).sum()) * 1.1
        return need, shutil.disk_usage(Path(self.im_files[0]).parent).free

    def cache_images(self) -> None:
        """Fill the RAM cache (resized images) or write .npy files (decoded originals), in parallel."""
        from tqdm.auto import tqdm

        fn = self._cache_one_ram if self.cache == "ram" else self._cache_one_disk
        nbytes = 0
        with ThreadPool(NUM_THREADS) as pool:
            bar = tqdm(pool.imap(fn, range(self.ni)), total=self.ni, desc=f"{self.prefix}Caching images ({self.cache})",
                       disable=self.ni < 64, leave=False)  # fmt: skip
            for b in bar:
                nbytes += b
        LOGGER.info(f"{self.prefix}Cached {self.ni} images ({nbytes / 2**20:.1f} MB, {self.cache})")

    def _cache_one_ram(self, i: int) -> int:
        """Load image i into self.ims; returns its size in bytes."""
        im, hw0 = self._resized(i)
        self.ims[i], self.im_hw0[i], self.im_hw[i] = im, hw0, im.shape[:2]
        return im.nbytes

    def _cache_one_disk(self, i: int) -> int:
        """Write image i's decoded original to its .npy (atomically) unless present; returns the file size."""
        fn = self.npy_files[i]
        if not fn.exists():
            im = imread(self.im_files[i])
            if im is None:
                return 0
            with atomic_open(fn) as f:
                np.save(f, im, allow_pickle=False)
        return fn.stat().st_size

    # ----------------------------------------------------------------------------------------------- rect batches
    def set_rectangle(self) -> None:
        """Sort images by aspect ratio and give each batch the smallest stride-multiple shape that fits them all."""
        bi = np.floor(np.arange(self.ni) / self.batch_size).astype(int)
        nb = int(bi[-1]) + 1
        s = np.array([lb["shape"] for lb in self.labels], np.float64)  # (h, w)
        ar = s[:, 0] / s[:, 1]
        order = ar.argsort(kind="stable")
        self.im_files = [self.im_files[i] for i in order]
        self.labels = [self.labels[i] for i in order]
        ar = ar[order]
        shapes = np.ones((nb, 2))
        for i in range(nb):
            ari = ar[bi == i]
            mini, maxi = ari.min(), ari.max()
            if maxi < 1:
                shapes[i] = [maxi, 1]
            elif mini > 1:
                shapes[i] = [1, 1 / mini]
        self.batch_shapes = np.ceil(shapes * self.imgsz / self.stride + self.pad).astype(int) * self.stride
        self.batch = bi

    # ----------------------------------------------------------------------------------------------- samples
    def __getitem__(self, index: int) -> dict:
        """The transformed sample `index` (see Format for its keys)."""
        return self.transforms(self.get_image_and_label(index))

    def get_image_and_label(self, index: int) -> dict:
        """Label dict of `index` plus img, ori_shape, resized_shape, ratio_pad (and rect_shape in rect mode)."""
        label = copy.deepcopy(self.labels[index])
        label.pop("shape", None)
        label["img"], label["ori_shape"], label["resized_shape"] = self.load_image(index)
        (h0, w0), (h, w) = label["ori_shape"], label["resized_shape"]
        label["ratio_pad"] = (h / h0, w / w0)
        if self.rect:
            label["rect_shape"] = tuple(int(v) for v in self.batch_shapes[self.batch[index]])
        return self.update_labels_info(label)

    def update_labels_info(self, label: dict) -> dict:
        """Hook for subclasses to turn raw label arrays into what the transforms expect."""
        return label

    def build_transforms(self, hyp: Any = None):
        """The transform pipeline; implemented by subclasses."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of usable images."""
        return len(self.labels)


__all__ = ["BaseDataset", "available_memory", "list_image_files"]
