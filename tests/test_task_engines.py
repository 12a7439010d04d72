"""Segment, pose, OBB and classify through train -> val -> predict with the n models from YAML on the built-in sets.

Kept tiny for a shared CPU: 64 px, a few epochs, augmentation off, validation on the training images. Each test
checks that the task's own loss term falls, that validation returns the task's metric keys, and that prediction
returns the task's kind of Results. (Metrics stay near zero after so few steps; they are not asserted to rise.)
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ultralytics_clone import YOLO
from ultralytics_clone.utils.files import yaml_save

pytestmark = pytest.mark.usefixtures("torch_single_thread")

NO_AUGMENTATION = dict(mosaic=0.0, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0, fliplr=0.0, translate=0.0, scale=0.0)
TASKS = {  # task: (model YAML, loss term that must fall, metric keys' suffix)
    "segment": ("yolo11n-seg.yaml", "train/seg_loss", "(M)"),
    "pose": ("yolo11n-pose.yaml", "train/pose_loss", "(P)"),
    "obb": ("yolo11n-obb.yaml", "train/cls_loss", "(B)"),
}


def _same_split(data: dict, tmp_path, task: str) -> str:
    """The built-in set with val = train (the test checks memorisation, not generalisation)."""
    extra = {k: data[k] for k in ("kpt_shape", "flip_idx") if k in data}
    return str(yaml_save(tmp_path / f"{task}.yaml", {"path": data["path"], "train": "images/train",
                                                     "val": "images/train", "names": data["names"], **extra}))  # fmt: skip


def _rows(run_dir) -> list[dict]:
    with open(run_dir / "results.csv") as f:
        return [{k.strip(): float(v) for k, v in r.items()} for r in csv.DictReader(f)]


@pytest.mark.parametrize("task", list(TASKS))
def test_task_trains_validates_predicts(task, shapes_data, tmp_path):
    cfg, loss_key, family = TASKS[task]
    data = _same_split(shapes_data[task], tmp_path, task)
    model = YOLO(cfg)
    assert model.task == task
    model.train(data=data, epochs=3, imgsz=64, batch=16, nbs=16, workers=0, warmup_epochs=0, val=False, plots=False,
                project=str(tmp_path), name="run", **NO_AUGMENTATION)  # fmt: skip
    rows = _rows(tmp_path / "run")
    assert len(rows) == 3 and rows[-1][loss_key] < rows[0][loss_key], [r[loss_key] for r in rows]
    assert type(model.trainer).__name__ == {"segment": "SegmentationTrainer", "pose": "PoseTrainer",
                                            "obb": "OBBTrainer"}[task]  # fmt: skip
    metrics = model.val(data=data, imgsz=64, batch=16, workers=0, plots=False, project=str(tmp_path), name="val")
    assert f"metrics/mAP50-95{family}" in metrics.results_dict and "fitness" in metrics.results_dict
    r = model.predict(shapes_data[task]["val"], imgsz=64, conf=0.0001, max_det=5, verbose=False)[0]
    kind = {"segment": "masks", "pose": "keypoints", "obb": "obb"}[task]
    assert getattr(r, kind) is not None and len(getattr(r, kind)) > 0
    assert r.plot().shape == r.orig_img.shape


def test_classify_trains_validates_predicts(shapes_data, tmp_path):
    data = shapes_data["classify"]
    model = YOLO("yolo11n-cls.yaml")
    assert model.task == "classify"
    model.train(data=data["path"], epochs=5, imgsz=64, batch=8, nbs=8, workers=0, warmup_epochs=0, plots=False,
                project=str(tmp_path), name="run", lr0=0.002, optimizer="AdamW", erasing=0.0, auto_augment=None,
                scale=0.0, fliplr=0.0, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0)  # fmt: skip
    assert type(model.trainer).__name__ == "ClassificationTrainer"
    rows = _rows(tmp_path / "run")
    losses = [r["train/loss"] for r in rows]
    assert min(losses[1:]) < losses[0], losses  # the first epoch starts from random weights
    assert {"metrics/accuracy_top1", "metrics/accuracy_top5", "val/loss"} <= set(rows[0])
    metrics = model.val(data=data["path"], imgsz=64, batch=16, workers=0, plots=False, project=str(tmp_path),
                        name="val")  # fmt: skip
    assert set(metrics.results_dict) == {"metrics/accuracy_top1", "metrics/accuracy_top5", "fitness"}
    assert metrics.top5 == 1.0 and 0 <= metrics.top1 <= 1  # three classes: always in the top 5
    r = model.predict(next(Path(data["val"]).rglob("*.jpg")), imgsz=64, verbose=False)[0]
    assert r.probs is not None and len(r.probs.data) == 3 and abs(float(r.probs.data.sum()) - 1) < 1e-4
    assert r.plot().shape == r.orig_img.shape


def test_cli_task_modes(fixtures_dir, subprocess_env, tmp_path):
    """`yolo classify val ...` runs; `yolo pose train` on a set without kpt_shape is one clear sentence, exit != 0."""
    import subprocess
    import sys

    cli = [sys.executable, "-m", "ultralytics_clone.cfg.cli"]
    run = subprocess.run([*cli, "classify", "val", f"model={fixtures_dir / 'yolo11n-cls.pt'}", "data=shapes-cls",
                          "imgsz=32", "batch=8", f"project={tmp_path}", "name=v"], capture_output=True, text=True,
                         env=subprocess_env, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "top1_acc" in run.stdout + run.stderr
    bad = subprocess.run([*cli, "pose", "train", "model=yolo11n-pose.yaml", "data=shapes-seg.yaml", "epochs=1",
                          "imgsz=32", f"project={tmp_path}", "name=t"], capture_output=True, text=True,
                         env=subprocess_env, timeout=600)  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "kpt_shape" in bad.stderr, bad.stderr[-2000:]
