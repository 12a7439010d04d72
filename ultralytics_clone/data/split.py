"""Dataset splitting: autosplit (image lists per split) and split_classify_dataset (class folders -> train/val)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from ultralytics_clone.data.utils import IMG_FORMATS, autosplit
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import DatasetError


def split_classify_dataset(source_dir: str | Path, train_ratio: float = 0.8) -> Path:
    """Copy a classification folder (one sub-folder of images per class) into `<source_dir>_split/{train,val}/<class>/`,
    `train_ratio` of each class's images (seeded shuffle) going to train; returns the new folder."""
    source = Path(source_dir)
    if not 0 < train_ratio < 1:
        raise DatasetError(f"train_ratio={train_ratio} must lie strictly between 0 and 1, e.g. 0.8.")
    classes = sorted(d for d in source.iterdir() if d.is_dir()) if source.is_dir() else []
    if not classes:
        raise DatasetError(f"'{source}' has no class sub-folders; expected {source}/<class_name>/<images>.")
    out = source.parent / f"{source.name}_split"
    rng = random.Random(0)
    for cls in classes:
        images = sorted(f for f in cls.iterdir() if f.suffix[1:].lower() in IMG_FORMATS)
        rng.shuffle(images)
        n_train = int(len(images) * train_ratio)
        for split, files in (("train", images[:n_train]), ("val", images[n_train:])):
            dest = out / split / cls.name
            dest.mkdir(parents=True, exist_ok=True)
            for f in files:
                shutil.copy2(f, dest / f.name)
        LOGGER.info(f"{cls.name}: {n_train} train, {len(images) - n_train} val")
    return out


__all__ = ["autosplit", "split_classify_dataset"]
