"""Offline quickstart: train YOLO11n from its YAML on the built-in shapes dataset, validate it, predict on images.

    python examples/quickstart.py                 # 100 epochs at imgsz 96: about 1 min on 2 CPU cores, mAP50 0.30-0.47
    python examples/quickstart.py --epochs 1 --imgsz 64

Nothing is downloaded: the dataset is generated into settings["datasets_dir"] on first use. The built-in set has only
32 training images, so the recipe steps the optimizer every batch (nbs=batch) and leaves mosaic off: with the
defaults (nbs=64, mosaic=1.0) a model from scratch needs far more epochs before it finds anything. 100 epochs at
imgsz 96 (about the compute of 50 at 128) gave mAP50 0.30-0.47 over six seeds (0.470, 0.461, 0.404, 0.295, 0.351,
0.474 for seeds 0-5; boxes on 3 of the 4 images for five of them, on 1 for seed 4); 50 epochs at 128 gave 0.26-0.37
and often boxes on only one image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ultralytics_clone import YOLO
from ultralytics_clone.data.checks import check_det_dataset


def main(epochs: int = 100, imgsz: int = 96, batch: int = 8, workers: int = 0) -> dict:
    model = YOLO("yolo11n.yaml")
    model.train(data="shapes-det.yaml", epochs=epochs, imgsz=imgsz, batch=batch, workers=workers, nbs=batch, mosaic=0.0)
    metrics = model.val(data="shapes-det.yaml", imgsz=imgsz, batch=batch, workers=workers)
    print(f"mAP50-95 {metrics.box.map:.3f}  mAP50 {metrics.box.map50:.3f}")

    val_images = sorted(Path(check_det_dataset("shapes-det.yaml")["val"]).glob("*.jpg"))[:4]
    results = model.predict(val_images, imgsz=imgsz, conf=0.25)
    for r in results:
        print(f"{Path(r.path).name}: {len(r.boxes)} boxes {r.boxes.cls.tolist()}")
    return {"metrics": metrics, "results": results, "model": model}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="ultralytics_clone offline quickstart")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--imgsz", type=int, default=96)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0)
    a = parser.parse_args()
    main(a.epochs, a.imgsz, a.batch, a.workers)
