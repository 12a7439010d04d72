"""Training and validation images/s per task (detect, segment, pose, obb, classify) on the built-in sets.

Run: python benchmarks/tasks.py [--imgsz 320] [--epochs 2] [--batch 16] [--device cpu] [--tasks segment,pose]
Training: the n model from YAML, default augmentation, images of the train split per second over the epochs after
the first (warm-up) one, timed from on_train_epoch_start to on_train_epoch_end. Validation: model.val() on the val
split (conf 0.001, as in training), images per second of the whole call.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time

import torch

TASKS = {
    "detect": ("yolo11n.yaml", "shapes-det.yaml"),
    "segment": ("yolo11n-seg.yaml", "shapes-seg.yaml"),
    "pose": ("yolo11n-pose.yaml", "shapes-pose.yaml"),
    "obb": ("yolo11n-obb.yaml", "shapes-obb.yaml"),
    "classify": ("yolo11n-cls.yaml", "shapes-cls"),
}


def bench(task: str, imgsz: int, epochs: int, batch: int, device: str, project: str) -> tuple[float, float]:
    """(train images/s, val images/s) of one task."""
    from ultralytics_clone import YOLO

    cfg, data = TASKS[task]
    model = YOLO(cfg)
    times: list[float] = []
    model.add_callback("on_train_epoch_start", lambda t: times.append(-time.perf_counter()))
    model.add_callback("on_train_epoch_end", lambda t: times.__setitem__(-1, times[-1] + time.perf_counter()))
    model.train(data=data, imgsz=imgsz, epochs=epochs, batch=batch, device=device, workers=0, val=False, plots=False,
                project=project, name=task, verbose=False)  # fmt: skip
    n_train = len(model.trainer.train_loader.dataset)
    timed = times[1:] or times
    train_rate = n_train * len(timed) / sum(timed)
    seen: list = []
    model.add_callback("on_val_start", seen.append)
    t0 = time.perf_counter()
    model.val(data=data, imgsz=imgsz, batch=batch, device=device, workers=0, plots=False, project=project,
              name=f"{task}-val", verbose=False)  # fmt: skip
    elapsed = time.perf_counter() - t0
    return train_rate, len(seen[-1].dataloader.dataset) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tasks", default=",".join(TASKS))
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"imgsz {args.imgsz}, batch {args.batch}, device {args.device}")  # fmt: skip
    print(f"{'task':10s}{'train img/s':>14s}{'val img/s':>12s}")
    with tempfile.TemporaryDirectory() as project:
        for task in args.tasks.split(","):
            train_rate, val_rate = bench(task, args.imgsz, args.epochs, args.batch, args.device, project)
            print(f"{task:10s}{train_rate:14.1f}{val_rate:12.1f}", flush=True)


if __name__ == "__main__":
    main()
