"""Offline quickstart: train YOLO11n from its YAML on the built-in shapes dataset, validate it, predict on images.

    python examples/quickstart.py                 # 100 epochs at imgsz 96, batch 4: mAP50 0.53-0.73 over 14 runs
    python examples/quickstart.py --seed 3        # another seed (training from scratch is chaotic: expect a range)
    python examples/quickstart.py --epochs 1 --imgsz 64

Nothing is downloaded: the dataset is generated into settings["datasets_dir"] on first use. The built-in set has only
32 training images, so the recipe takes small batches and steps the optimizer every batch (batch=4, nbs=batch: 800
steps in 100 epochs), uses AdamW at lr0=0.003 without the bias-LR warmup, and leaves mosaic off. Measured with
OMP_NUM_THREADS=1 over seeds 0-4: mAP50 0.689, 0.544, 0.619, 0.634, 0.656; after CPU training went channels-last
(other kernels), seeds 0-3: 0.600, 0.718, 0.529, 0.588 (all float32); in bfloat16, the default on CPUs with native
bf16 (amp=True), seeds 0-3: 0.633, 0.728, 0.638, 0.631, and seed 0 on two threads 0.589. mAP50-95 0.31-0.53, boxes
at conf 0.25 on 2 or 3 of the 4 predicted images, 2.5-3 minutes of one CPU core per run. The recipe before it (batch 8 with optimizer=auto,
which picks AdamW at lr 0.0014) gave mAP50 0.30-0.47 over six seeds, and 0.263 with boxes on one image on another
CPU; AdamW at lr0=0.003 with batch 8 gave 0.39-0.55 over five seeds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ultralytics_clone import YOLO
from ultralytics_clone.data.checks import check_det_dataset

# AdamW at lr0 0.003 (optimizer='auto' would pick 0.0014 here) without the bias-LR warmup; mosaic off
RECIPE = dict(optimizer="AdamW", lr0=0.003, momentum=0.9, warmup_bias_lr=0.0, mosaic=0.0)


def main(epochs: int = 100, imgsz: int = 96, batch: int = 4, workers: int = 0, seed: int = 0) -> dict:
    model = YOLO("yolo11n.yaml")
    model.train(data="shapes-det.yaml", epochs=epochs, imgsz=imgsz, batch=batch, workers=workers, seed=seed, **RECIPE,
                nbs=batch)
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
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    main(a.epochs, a.imgsz, a.batch, a.workers, a.seed)
