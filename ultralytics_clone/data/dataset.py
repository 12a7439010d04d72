"""YOLODataset (detect, segment, pose, obb) with its collate_fn, and ClassificationDataset over class folders."""

from __future__ import annotations

import copy
import json
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.data.base import BaseDataset, available_memory
from ultralytics_clone.data.label_cache import CACHE_VERSION, check_image, load_labels
from ultralytics_clone.data.utils import IMG_FORMATS, get_hash, img2label_paths, imread
from ultralytics_clone.utils import LOGGER, NUM_THREADS
from ultralytics_clone.utils.errors import DatasetError
from ultralytics_clone.utils.files import atomic_open, atomic_write

TASKS = ("detect", "segment", "pose", "obb")
_CAT_KEYS = {"masks", "keypoints", "bboxes", "cls", "segments", "obb"}


def _no_mix(hyp: Any) -> Any:
    """A copy of `hyp` with mosaic, mixup, cutmix and copy_paste switched off."""
    hyp = hyp.copy() if hasattr(hyp, "copy") else copy.copy(hyp)
    for k in ("mosaic", "mixup", "copy_paste"):
        setattr(hyp, k, 0.0)
    if getattr(hyp, "cutmix", None) is not None:
        hyp.cutmix = 0.0
    return hyp


class YOLODataset(BaseDataset):
    """YOLO-format images/labels for detect, segment, pose or obb; `data` is the check_det_dataset dict."""

    def __init__(self, *args: Any, data: dict | None = None, task: str = "detect", **kwargs: Any) -> None:
        if task not in TASKS:
            raise DatasetError(f"task '{task}' is not a YOLODataset task; use one of {TASKS} or ClassificationDataset.")
        self.task = task
        self.use_segments, self.use_keypoints, self.use_obb = task == "segment", task == "pose", task == "obb"
        self.data = data or {}
        if self.use_keypoints and not self.data.get("kpt_shape"):
            raise DatasetError("task 'pose' needs 'kpt_shape' (e.g. [17, 3]) in the dataset YAML; it is missing.")
        super().__init__(*args, channels=self.data.get("channels", 3), **kwargs)

    def get_labels(self) -> list[dict]:
        """Checked labels of every usable image, from the `.cache` next to the labels when it is current."""
        self.label_files = img2label_paths(self.im_files)
        names = self.data.get("names")
        return load_labels(
            self.im_files, self.label_files, task=self.task, nc=len(names) if names else None,
            kpt_shape=self.data.get("kpt_shape") if self.use_keypoints else None, prefix=self.prefix,
        )  # fmt: skip

    def build_transforms(self, hyp: Any = None):
        """Training: v8_transforms (mosaic etc. off in rect mode); otherwise LetterBox. Format always last."""
        from ultralytics_clone.data.augment import Compose, Format, LetterBox, v8_transforms

        if self.augment:
            if self.rect:
                hyp = _no_mix(hyp)
            transforms = v8_transforms(self, self.imgsz, hyp)
        else:
            transforms = Compose([LetterBox(new_shape=(self.imgsz, self.imgsz), scaleup=False)])
        transforms.append(
            Format(
                bbox_format="xywh", normalize=True, return_mask=self.use_segments, return_keypoint=self.use_keypoints,
                return_obb=self.use_obb, batch_idx=True, mask_ratio=hyp.mask_ratio, mask_overlap=hyp.overlap_mask,
                bgr=hyp.bgr if self.augment else 0.0,
            )  # fmt: skip
        )
        return transforms

    def close_mosaic(self, hyp: Any) -> None:
        """Switch mosaic, mixup and copy_paste off and rebuild the pipeline (workers pick it up on loader reset)."""
        self.transforms = self.build_transforms(_no_mix(hyp))

    def update_labels_info(self, label: dict) -> dict:
        """Raw arrays -> `instances` (Instances, xywh normalised); polygons resampled to one length (obb: 4 corners)."""
        from ultralytics_clone.utils.instance import Instances
        from ultralytics_clone.utils.ops import resample_segments

        bboxes, segments = label.pop("bboxes"), label.pop("segments", [])
        keypoints = label.pop("keypoints", None)
        fmt, normalized = label.pop("bbox_format", "xywh"), label.pop("normalized", True)
        if self.use_obb:
            segs = np.stack(segments).astype(np.float32) if len(segments) else np.zeros((0, 4, 2), np.float32)
        elif len(segments):
            n = max(1000, max(len(s) for s in segments))
            segs = np.stack(resample_segments(list(segments), n=n)).astype(np.float32)
        else:
            segs = np.zeros((0, 1000, 2), np.float32)
        label["instances"] = Instances(bboxes, segs, keypoints, bbox_format=fmt, normalized=normalized)
        return label

    @staticmethod
    def collate_fn(batch: list[dict]) -> dict:
        """Samples -> batch: img (B, 3, H, W) uint8; cls/bboxes/masks/keypoints concatenated; batch_idx (N,) float."""
        out: dict[str, Any] = {}
        for k in batch[0]:
            vals = [b[k] for b in batch]
            if k == "img":
                out[k] = torch.stack(vals, 0)
            elif k == "batch_idx":
                out[k] = torch.cat([v + i for i, v in enumerate(vals)], 0)
            elif k in _CAT_KEYS:
                out[k] = torch.cat(vals, 0)
            else:
                out[k] = tuple(vals)
        return out


class ClassificationDataset:
    """Images in `root/<class>/*`; items are {'img': Tensor[3, H, W] float, 'cls': int}.

    Class indices follow the sorted folder names, or `names` ({index: name} or a list) when given, so a split
    missing some classes keeps the dataset's numbering.
    """

    def __init__(self, root: str | Path, args: Any = None, augment: bool = False, prefix: str = "",
                 names: dict[int, str] | list[str] | None = None) -> None:  # fmt: skip
        if args is None:
            from ultralytics_clone.cfg import DEFAULT_CFG as args
        self.root, self.prefix, self.augment = Path(root), prefix, augment
        if not self.root.is_dir():
            raise DatasetError(f"{prefix}classification folder '{root}' does not exist; expected {root}/<class>/*.jpg.")
        self.classes = sorted(d.name for d in self.root.iterdir() if d.is_dir())
        if not self.classes:
            raise DatasetError(f"{prefix}'{root}' has no class sub-folders; expected {root}/<class>/*.jpg.")
        if names is not None:
            ordered = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
            unknown = sorted(set(self.classes) - set(ordered))
            if unknown:
                raise DatasetError(f"{prefix}'{root}' has class folders {unknown} that are not among the names {ordered}.")
            self.classes = ordered
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        samples = [
            (str(f), i) for i, c in enumerate(self.classes) for f in sorted((self.root / c).rglob("*"))
            if f.is_file() and f.suffix[1:].lower() in IMG_FORMATS
        ]  # fmt: skip
        fraction = float(getattr(args, "fraction", 1.0) or 1.0)
        if augment and fraction < 1.0:
            samples = samples[: max(1, round(len(samples) * fraction))]
        self.samples = self._verified(samples)
        self.cache = self._choose_cache(getattr(args, "cache", False))
        self.ims: list[np.ndarray | None] = [None] * len(self.samples)
        if self.cache == "ram":
            with ThreadPool(NUM_THREADS) as pool:
                self.ims = list(pool.imap(lambda s: imread(s[0]), self.samples))
        elif self.cache == "disk":
            with ThreadPool(NUM_THREADS) as pool:
                list(pool.imap(self._save_npy, self.samples))
        self.torch_transforms = self._build_transforms(args)

    def _build_transforms(self, args: Any):
        """classify_augmentations when augmenting, else classify_transforms (resize + centre crop)."""
        from ultralytics_clone.data.augment import classify_augmentations, classify_transforms

        if self.augment:
            return classify_augmentations(
                size=args.imgsz, scale=(1.0 - args.scale, 1.0), hflip=args.fliplr, vflip=args.flipud,
                erasing=args.erasing, auto_augment=args.auto_augment, hsv_h=args.hsv_h, hsv_s=args.hsv_s,
                hsv_v=args.hsv_v,
            )  # fmt: skip
        return classify_transforms(size=args.imgsz, crop_fraction=args.crop_fraction)

    def _verified(self, samples: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Drop undecodable images (reported); results cached in `<root>.cache` (JSON) keyed by names/sizes/mtimes."""
        path = self.root.with_suffix(".cache") if self.root.suffix == "" else Path(f"{self.root}.cache")
        key = get_hash([s[0] for s in samples])
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("key") == key and cached.get("version") == "clone-cls-1":
                return [samples[i] for i in cached["ok"]]
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            from ultralytics_clone.nn.weights import probe_pickle

            if path.is_file() and (why := probe_pickle(path)):
                LOGGER.warning(f"{self.prefix}cache {path} is not read ({why}); rebuilding it")
        ok, msgs = [], []

        def one(s):
            try:
                check_image(s[0])
                return ""
            except Exception as e:  # a bad file is reported, never fatal
                return f"{s[0]}: ignoring corrupt image: {e}"

        with ThreadPool(NUM_THREADS) as pool:
            for i, msg in enumerate(pool.imap(one, samples)):
                (msgs.append(msg) if msg else ok.append(i))
        for m in msgs:
            LOGGER.warning(f"{self.prefix}{m}")
        nc = len(self.classes)
        LOGGER.info(f"{self.prefix}{len(samples)} images, {nc} classes, {len(msgs)} corrupt in {self.root}")
        key = get_hash([s[0] for s in samples])  # after JPEG repairs
        try:
            atomic_write(path, json.dumps({"version": "clone-cls-1", "key": key, "ok": ok}))
        except OSError as e:
            LOGGER.warning(f"{self.prefix}cannot write {path} ({e})")
        if not ok:
            raise DatasetError(f"{self.prefix}no usable images in '{self.root}'.")
        return [samples[i] for i in ok]

    def _choose_cache(self, cache: Any) -> str | None:
        """'ram' (when about 1.5x the decoded size fits in available memory), 'disk' or None."""
        mode = {"true": "ram", "ram": "ram", "disk": "disk"}.get(str(cache).lower())
        if mode == "ram":
            from PIL import Image

            step = max(1, len(self.samples) // 30)
            sizes = []
            for f, _ in self.samples[::step]:
                with Image.open(f) as im:
                    sizes.append(im.width * im.height * 3)
            need, have = float(np.mean(sizes)) * len(self.samples) * 1.5, available_memory()
            if have is not None and need > have:
                gb = f"~{need / 2**30:.2f} GB, {have / 2**30:.2f} GB free"
                LOGGER.warning(f"{self.prefix}cache='ram' needs {gb}; not caching")
                return None
        return mode

    def _save_npy(self, s: tuple[str, int]) -> None:
        """Decoded image as `<image>.npy` beside it (atomic), unless present."""
        fn = Path(s[0]).with_suffix(".npy")
        if not fn.exists():
            im = imread(s[0])
            if im is not None:
                with atomic_open(fn) as f:
                    np.save(f, im, allow_pickle=False)

    def __getitem__(self, i: int) -> dict:
        """{'img': transformed RGB tensor, 'cls': class index}."""
        from PIL import Image

        f, j = self.samples[i]
        im = self.ims[i]
        if im is None:
            fn = Path(f).with_suffix(".npy")
            im = np.load(fn, allow_pickle=False) if self.cache == "disk" and fn.exists() else imread(f)
        if im is None:
            raise DatasetError(f"{self.prefix}image '{f}' could not be decoded although it passed the check.")
        return {"img": self.torch_transforms(Image.fromarray(im[..., ::-1])), "cls": j}

    def __len__(self) -> int:
        """Number of usable images."""
        return len(self.samples)


DATASET_CACHE_VERSION = CACHE_VERSION  # Ultralytics' name for the label-cache format version


class YOLOConcatDataset(torch.utils.data.ConcatDataset):
    """Several YOLODatasets as one (e.g. multiple training folders), batched with YOLODataset.collate_fn."""

    @staticmethod
    def collate_fn(batch: list[dict]) -> dict:
        """Same batch layout as YOLODataset.collate_fn."""
        return YOLODataset.collate_fn(batch)

    def close_mosaic(self, hyp: Any) -> None:
        """Turn mosaic-style mixing off in every member dataset that supports it."""
        for d in self.datasets:
            if hasattr(d, "close_mosaic"):
                d.close_mosaic(hyp)


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference datasets left out: clear error)

__getattr__ = module_getattr(__name__)

__all__ = ["YOLODataset", "ClassificationDataset", "YOLOConcatDataset", "DATASET_CACHE_VERSION"]
