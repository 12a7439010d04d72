"""Images/s of the training dataloader (mosaic on) and of validation loading, against a plain cv2 read+resize loop.

Run: python benchmarks/dataloader.py [--runs 3] [--images 128] [--imgsz 640] [--batch 16] [--workers 2]
Data: the built-in shapes-det set, upscaled to 640x512 JPEGs in a temp folder (labels are normalised, so they
still fit). Each run is one full epoch after one warm-up epoch; workers are started once and kept (as in training).
Baseline, same files, same process: cv2.imread + aspect-keeping resize to imgsz, one thread, no augmentation.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import torch


def make_data(root: Path, n: int, split: str = "train") -> Path:
    """root/images/<split> with n 640x512 JPEGs (+ labels) made from shapes-det; returns the image folder."""
    from ultralytics_clone.data.synthetic import build_synthetic

    src = build_synthetic("shapes-det", root / "src", n_train=min(n, 64), n_val=1)
    img_dir, lbl_dir = root / "images" / split, root / "labels" / split
    img_dir.mkdir(parents=True)
    lbl_dir.mkdir(parents=True)
    files = sorted((src / "images" / "train").glob("*.jpg"))
    for i in range(n):
        f = files[i % len(files)]
        im = cv2.resize(cv2.imread(str(f)), (640, 512), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(str(img_dir / f"{i:05d}.jpg"), im, [cv2.IMWRITE_JPEG_QUALITY, 90])
        shutil.copy(src / "labels" / "train" / f"{f.stem}.txt", lbl_dir / f"{i:05d}.txt")
    return img_dir


def time_loader(loader, runs: int) -> list[float]:
    """Images/s of `runs` epochs after one warm-up epoch."""
    for _ in loader:
        pass
    rates = []
    for _ in range(runs):
        n, t0 = 0, time.perf_counter()
        for batch in loader:
            n += len(batch["img"])
        rates.append(n / (time.perf_counter() - t0))
    return rates


def time_baseline(files: list[Path], imgsz: int, runs: int) -> list[float]:
    """Images/s of cv2.imread + resize (longer side imgsz), single thread."""
    rates = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        for f in files:
            im = cv2.imread(str(f))
            h, w = im.shape[:2]
            r = imgsz / max(h, w)
            cv2.resize(im, (round(w * r), round(h * r)), interpolation=cv2.INTER_LINEAR)
        rates.append(len(files) / (time.perf_counter() - t0))
    return rates[1:]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--images", type=int, default=128)
    p.add_argument("--imgsz", type=int, default=640)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    os.environ.setdefault("YOLO_VERBOSE", "false")
    from ultralytics_clone.cfg import get_cfg
    from ultralytics_clone.data.build import build_dataloader
    from ultralytics_clone.data.dataset import YOLODataset
    from ultralytics_clone.utils import set_verbosity

    set_verbosity(False)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dataloader-"))
    try:
        img_dir = make_data(tmp, a.images)
        data = {"names": {0: "circle", 1: "square", 2: "triangle"}, "nc": 3}
        hyp = get_cfg(overrides={"imgsz": a.imgsz, "mosaic": 1.0})
        rows = []
        for name, augment in (("train (mosaic, augment)", True), ("val (letterbox)", False)):
            ds = YOLODataset(
                img_path=str(img_dir), data=data, imgsz=a.imgsz, augment=augment, hyp=hyp, batch_size=a.batch
            )
            loader = build_dataloader(ds, a.batch, a.workers, shuffle=augment)
            try:
                rows.append((f"{name}, workers={a.workers}", time_loader(loader, a.runs)))
            finally:
                loader.close()
        files = sorted(img_dir.glob("*.jpg"))
        rows.append(("baseline cv2.imread+resize, 1 thread", time_baseline(files, a.imgsz, a.runs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cpu = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, torch {torch.__version__} ({threads} threads), "  # noqa: T201
          f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads); {a.images} images 640x512 -> imgsz {a.imgsz}, "
          f"batch {a.batch}")  # fmt: skip
    print(f"{'case':44s} {'median img/s':>12s} {'min':>8s} {'max':>8s}  (n={a.runs} epochs)")  # noqa: T201
    for name, rates in rows:
        print(f"{name:44s} {statistics.median(rates):12.1f} {min(rates):8.1f} {max(rates):8.1f}")  # noqa: T201


if __name__ == "__main__":
    main()
