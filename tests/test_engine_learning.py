"""The whole training stack learns: yolo11n from scratch memorises the built-in training images (augmentation off).

A guard for the loss, assigner, optimizer and EMA together, which unit tests of each piece cannot give.
Measured: mAP50 0.96 after 200 steps; the bound leaves room for platform differences. The run checks itself every
5 epochs and stops once it is clearly past the bound, so a machine running at half speed still finishes in time.
"""

from __future__ import annotations

from ultralytics_clone import YOLO
from ultralytics_clone.utils.files import yaml_save

NO_AUGMENTATION = dict(mosaic=0.0, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0, fliplr=0.0, translate=0.0, scale=0.0)


def _stop_once_learned(trainer):
    """Every 5 epochs, validate the EMA (checkpointed as last.pt this epoch); stop well past the test's bounds."""
    if trainer.stop or (trainer.epoch + 1) % 5:
        return
    metrics, _ = trainer.validate()
    trainer.stop = metrics["metrics/mAP50(B)"] > 0.85 and metrics["metrics/mAP50-95(B)"] > 0.65


def test_yolo11n_from_scratch_memorises_its_training_images(shapes_data, tmp_path):
    data = shapes_data["detect"]
    same_split = yaml_save(tmp_path / "memorise.yaml", {"path": data["path"], "train": "images/train",
                                                         "val": "images/train", "names": data["names"]})  # fmt: skip
    model = YOLO("yolo11n.yaml")
    model.add_callback("on_fit_epoch_end", _stop_once_learned)
    model.train(data=str(same_split), epochs=50, imgsz=128, batch=8, nbs=8, workers=0, warmup_epochs=0, val=False,
                project=str(tmp_path), name="memorise", **NO_AUGMENTATION)  # fmt: skip
    metrics = model.val(data=str(same_split), imgsz=128, batch=8, workers=0)
    assert metrics.box.map50 > 0.7, metrics.results_dict
    assert metrics.box.map > 0.5, metrics.results_dict
