"""Validation alone (model=): the fixture checkpoint on the built-in shapes set, events, speed, direct use."""

from __future__ import annotations

import json

import pytest

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo.detect import DetectionValidator

KEYS = ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "fitness"]


def test_val_fixture_on_builtin_shapes(fixtures_dir, tmp_path):
    """yolo11n.pt was trained by the reference on a similar shapes set, so it must score well on ours too."""
    model = YOLO(fixtures_dir / "yolo11n.pt")
    fired = []
    for event in ("on_val_start", "on_val_batch_start", "on_val_batch_end", "on_val_end"):
        model.add_callback(event, lambda v, e=event: fired.append(e))
    metrics = model.val(data="shapes-det.yaml", imgsz=256, batch=8, workers=0, project=str(tmp_path), name="val",
                        save_json=True)  # fmt: skip
    d = metrics.results_dict
    assert list(d) == KEYS
    assert d["metrics/mAP50(B)"] > 0.8 and 0 < d["metrics/mAP50-95(B)"] <= d["metrics/mAP50(B)"]
    assert d["fitness"] == pytest.approx(d["metrics/mAP50-95(B)"])
    assert set(metrics.speed) == {"preprocess", "inference", "loss", "postprocess"} and metrics.speed["inference"] > 0
    assert fired[0] == "on_val_start" and fired[-1] == "on_val_end"
    assert fired.count("on_val_batch_start") == fired.count("on_val_batch_end") == 2  # 16 val images, batch 8
    rows = json.loads((tmp_path / "val" / "predictions.json").read_text())
    assert rows and set(rows[0]) == {"image_id", "category_id", "bbox", "score"}
    assert model.metrics is metrics


def test_validator_direct_use(fixtures_dir, tmp_path):
    args = {"model": str(fixtures_dir / "yolo11n.pt"), "data": "shapes-det.yaml", "imgsz": 128, "batch": 16,
            "workers": 0, "project": str(tmp_path), "name": "v", "verbose": True, "plots": True}  # fmt: skip
    v = DetectionValidator(args=args)
    stats = v()
    assert list(stats) == KEYS and v.seen == 16 and v.args.conf == 0.001
    assert v.save_dir == tmp_path / "v" and v.metrics.box.ap_class_index.tolist() == [0, 1, 2]
    assert (v.save_dir / "confusion_matrix_normalized.png").is_file() and (v.save_dir / "BoxPR_curve.png").is_file()
    tp, _ = v.confusion_matrix.tp_fp()
    assert tp.sum() > 0 and v.confusion_matrix.matrix.sum() >= 28
