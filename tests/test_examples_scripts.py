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


def test_custom_loss_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "custom_loss.py"), run_name="example")["main"](epochs=1, imgsz=32, fraction=0.5)
    criterion, counts = out["criterion"], out["counts"]
    assert type(criterion).__name__ == "RareClassLoss"  # the trainer's model trained with the custom criterion
    weights = criterion.bce.pos_weight.cpu()
    assert len(counts) == 3 and counts.sum() > 0
    expected = [counts.max() / c if c else 1.0 for c in counts]
    assert all(abs(w - e) < 1e-5 for w, e in zip(weights.tolist(), expected)) and min(weights.tolist()) == 1.0
    assert out["model"].trainer.best.is_file()


def test_ddp_launch_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = runpy.run_path(str(EXAMPLES / "ddp_launch.py"), run_name="example")["main"](
        epochs=2, imgsz=32, batch=4, fraction=0.25, project=str(tmp_path / "runs"))
    ranks = out["ranks"]
    assert sorted(ranks) == ["rank0", "rank1"]  # the script's callback ran in both processes
    for rows in ranks.values():
        assert [r["epoch"] for r in rows] == [0, 1] and all(r["world"] == 2 for r in rows)
        assert rows[1]["trainable"] > rows[0]["trainable"]  # frozen backbone in epoch 0, unfrozen in epoch 1
    assert ranks["rank0"] == [{**r, "rank": 0} for r in ranks["rank1"]]  # both replicas saw the same model state
    assert out["trainer"].best.is_file()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["ranks", "train"]  # one run folder, from rank 0
