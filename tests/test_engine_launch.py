"""DDP on CPU: two gloo processes, a trainer subclass and a callback defined here (shipped by value), files from
rank 0 alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ultralytics_clone.engine import launch
from ultralytics_clone.models.yolo.detect import DetectionTrainer
from ultralytics_clone.utils.errors import ConfigError


class _MarkingTrainer(DetectionTrainer):
    """Defined in this test module: each rank must run this class, not a re-import of it."""

    marker = "from-the-test-module"


def _unfreeze_and_mark(trainer):
    """Seed-003 style unfreeze at the epoch start; each rank writes what it saw next to the run folder."""
    for p in trainer.model.parameters():
        p.requires_grad = True
    trainer.freeze_layer_names = [".dfl"]
    marks = Path(trainer.args.project).parent / "marks"
    marks.mkdir(exist_ok=True)
    trainable = sum(p.requires_grad for p in trainer.model.parameters())
    world = int(os.environ.get("WORLD_SIZE", 1))
    (marks / f"rank{os.environ.get('RANK')}.txt").write_text(f"{type(trainer).marker} {world} {trainable}")


def test_ddp_devices_parsing():
    assert launch.ddp_devices("0,1") == ["0", "1"] and launch.ddp_devices([0, 1]) == ["0", "1"]
    assert launch.ddp_devices("cpu,cpu") == ["cpu", "cpu"] and launch.ddp_devices(["cpu", "cpu"]) == ["cpu", "cpu"]
    assert launch.ddp_devices("0") == launch.ddp_devices("cpu") == launch.ddp_devices(None) == []
    with pytest.raises(ConfigError, match="mixed or unknown"):
        launch.ddp_devices("cpu,0")


def test_two_process_gloo_ddp_with_custom_trainer_and_callback(tmp_path):
    project = tmp_path / "runs"
    trainer = _MarkingTrainer(overrides={"model": "yolo11n.yaml", "data": "shapes-det.yaml", "device": "cpu,cpu",
                                         "epochs": 1, "imgsz": 32, "batch": 4, "nbs": 4, "fraction": 0.25,
                                         "workers": 0, "plots": False, "project": str(project), "name": "ddp"})  # fmt: skip
    trainer.add_callback("on_train_epoch_start", _unfreeze_and_mark)
    trainer.train()

    marks = sorted((tmp_path / "marks").iterdir())
    assert [m.name for m in marks] == ["rank0.txt", "rank1.txt"]  # the callback ran on both ranks
    seen = [m.read_text().split() for m in marks]
    assert all(s[:2] == ["from-the-test-module", "2"] for s in seen) and seen[0][2] == seen[1][2]
    assert [p.name for p in project.iterdir()] == ["ddp"]  # one run folder: rank 1 made none
    run = project / "ddp"
    assert (run / "weights" / "last.pt").is_file() and (run / "weights" / "best.pt").is_file()
    assert len((run / "results.csv").read_text().strip().splitlines()) == 2  # header + one epoch, written once
    assert trainer.best == run / "weights" / "best.pt"
