"""The scenario scripts in examples/ run as written, at tiny sizes."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_custom_trainer_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "custom_trainer.py"), run_name="example")["main"](epochs=2, imgsz=64)
    groups = out["optimizer"].param_groups
    assert len(groups) == 6  # biases / decayed / norm weights, each split into backbone and head
    assert abs(groups[3]["lr"] - 10 * groups[0]["lr"]) < 1e-9 * max(1.0, groups[0]["lr"])
    assert any(n.startswith("model.0.") for n in out["moved"]), "the backbone trains once unfrozen"
    assert any(n.startswith("model.23.") for n in out["moved"]), "the head trains"


def test_export_deploy_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "export_deploy.py"), run_name="example")["main"](imgsz=64)
    ref = out["reference"].boxes
    for fmt in ("onnx", "torchscript"):
        boxes = out[fmt].boxes
        assert len(boxes) == len(ref) > 0
        assert (boxes.xyxy - ref.xyxy).abs().max() < 0.5  # pixels: the exported graph computes the same boxes


def test_callbacks_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "callbacks.py"), run_name="example")["main"](epochs=2, imgsz=64)
    assert [h["epoch"] for h in out["history"]][:2] == [1, 2]
    assert "metrics/mAP50(B)" in out["history"][0]
    assert len(out["counts"]) == 2


def test_explorer_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "explorer.py"), run_name="example")["main"](uri=str(tmp_path / "db"))
    assert len(out["similar"]) == 3
    assert out["label"] and all(out["label"] in labels for labels in out["matches"]["labels"])


def test_track_video_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = runpy.run_path(str(EXAMPLES / "track_video.py"), run_name="example")["main"](imgsz=64, conf=0.0)
    assert len(results) == 12  # one Results per frame of the written clip
    assert all(r.boxes.is_track for r in results)  # track mode marks every frame, even one without confirmed tracks
