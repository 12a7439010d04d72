"""Runs people trust: exact resume after kill -9, the finished-run refusal, roll-back on NaN, no folder for a run
that never trained."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ultralytics_clone.engine.checkpoint import load_checkpoint_dict
from ultralytics_clone.models.yolo.detect import DetectionTrainer
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.utils.errors import CheckpointError

ROOT = Path(__file__).resolve().parents[1]
# mosaic on (its buffer of recent images must come back), close_mosaic inside the resumed part, 2 batches an epoch
RUN = dict(data="shapes-det.yaml", imgsz=32, batch=8, nbs=8, fraction=0.5, epochs=4, close_mosaic=1, workers=0,
           plots=False, val=False, deterministic=True, seed=3)  # fmt: skip

CHILD = """
import os, signal, sys, torch
torch.set_num_threads(1)
from ultralytics_clone import YOLO
project, name, mode = sys.argv[1:4]
if mode == "resume":
    YOLO(os.path.join(project, "killed", "weights", "last.pt")).train(resume=True)
    raise SystemExit
model = YOLO("yolo11n.yaml")
if mode == "kill":  # a real kill -9 right after epoch 2 of 4 was checkpointed
    model.add_callback("on_fit_epoch_end", lambda t: t.epoch == 1 and os.kill(os.getpid(), signal.SIGKILL))
model.train(project=project, name=name, exist_ok=True, **eval(sys.argv[4]))
"""


def _child(project: Path, name: str, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(project), name, mode, repr(RUN)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _rows(run: Path) -> list[dict]:
    with open(run / "results.csv") as f:
        return [{k: v for k, v in r.items() if k != "time"} for r in csv.DictReader(f)]  # time is wall-clock


def test_kill_9_then_resume_matches_the_uninterrupted_run(tmp_path):
    whole = _child(tmp_path, "whole", "whole")  # one after the other: the two runs share the data set's caches
    err_w = whole.communicate(timeout=800)[1]
    killed = _child(tmp_path, "killed", "kill")
    err_k = killed.communicate(timeout=800)[1]
    assert whole.returncode == 0, err_w[-3000:]
    assert killed.returncode == -9, err_k[-3000:]
    assert [r["epoch"] for r in _rows(tmp_path / "killed")] == ["1", "2"]
    resumed = _child(tmp_path, "killed", "resume")
    err_r = resumed.communicate(timeout=800)[1]
    assert resumed.returncode == 0, err_r[-3000:]

    assert _rows(tmp_path / "killed") == _rows(tmp_path / "whole")
    for f in ("last.pt", "best.pt"):
        a = load_checkpoint_dict(tmp_path / "whole" / "weights" / f)["model"].state_dict()
        b = load_checkpoint_dict(tmp_path / "killed" / "weights" / f)["model"].state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), f

    last = tmp_path / "whole" / "weights" / "last.pt"
    with pytest.raises(CheckpointError, match=r"cannot be resumed: it is a finished run") as e:
        DetectionTrainer(overrides={"resume": str(last)}).train()
    assert str(e.value).count(". ") == 0  # one sentence


class _FlakyModel(DetectionModel):
    """Its 5th training loss is NaN, once: epoch 2, batch 1 (epoch 1 runs twice, see the test)."""

    calls = 0

    def loss(self, batch, preds=None):
        loss, items = super().loss(batch, preds)
        _FlakyModel.calls += self.training
        return (loss * float("nan"), items) if self.training and _FlakyModel.calls == 5 else (loss, items)


class _FlakyTrainer(DetectionTrainer):
    def get_model(self, cfg=None, weights=None, verbose=True):
        return _FlakyModel(cfg, nc=self.data["nc"], verbose=False)


def _poison_ema_once(trainer):
    if trainer.epoch == 0 and not getattr(trainer, "_poisoned", False):
        trainer._poisoned = True
        next(trainer.ema.ema.parameters()).data.fill_(float("inf"))


def test_nan_loss_and_inf_ema_roll_back_and_training_goes_on(tmp_path, data_log):
    trainer = _FlakyTrainer(overrides={"model": "yolo11n.yaml", "project": str(tmp_path), "name": "nan",
                                       **{**RUN, "epochs": 2, "close_mosaic": 0}})  # fmt: skip
    epochs = []
    trainer.add_callback("on_train_epoch_start", lambda t: epochs.append(t.epoch))
    trainer.add_callback("on_train_epoch_end", _poison_ema_once)
    trainer.train()
    assert trainer.nan_recovery_attempts == 2 and epochs == [0, 0, 1, 1]  # each bad epoch ran again from the last good state
    rolled = [m for m in data_log if "rolling back" in m]
    assert len(rolled) == 2 and "EMA weights are not finite after epoch 1" in rolled[0]
    assert "training loss is nan at epoch 2, batch 1" in rolled[1]
    assert [int(r["epoch"]) for r in _rows(trainer.save_dir)] == [1, 2]
    assert all(torch.isfinite(p).all() for p in load_checkpoint_dict(trainer.best)["model"].parameters())


@pytest.mark.parametrize("bad", ["missing.yaml", "empty_dir"])
def test_a_run_failing_before_its_first_epoch_leaves_no_folder(tmp_path, bad):
    data = tmp_path / bad
    if bad == "empty_dir":
        data.mkdir()
    project = tmp_path / "runs"
    trainer = DetectionTrainer(overrides={"model": "yolo11n.yaml", "data": str(data), "project": str(project)})
    assert not project.exists()  # constructing is argument handling only
    with pytest.raises(Exception, match=bad):
        trainer.train()
    assert not project.exists() or not list(project.iterdir())


def test_model_errors_after_the_folder_was_made_remove_it(tmp_path):
    project = tmp_path / "runs"
    trainer = DetectionTrainer(overrides={"model": "no_such_model.yaml", "data": "shapes-det.yaml",
                                          "project": str(project)})  # fmt: skip
    with pytest.raises(Exception, match="no_such_model"):
        trainer.train()
    assert not list(project.iterdir())


def test_seed001_custom_model_cfg_weights_positional(tmp_path):
    """Seed 001: `MyCustomModel(cfg, weights)` inside get_model(self, cfg, weights): DetectionModel's 2nd positional
    parameter is `ch`, and None there means the default 3 channels."""

    class MyCustomModel(DetectionModel):
        pass

    class CustomTrainer(DetectionTrainer):
        def get_model(self, cfg, weights):
            return MyCustomModel(cfg, weights)

    from ultralytics_clone import YOLO

    model = YOLO("yolo11n.yaml")
    model.train(trainer=CustomTrainer, project=str(tmp_path), name="c", **{**RUN, "epochs": 1, "close_mosaic": 0})
    assert isinstance(model.trainer.model, MyCustomModel) and model.trainer.best.is_file()


def test_compile_that_cannot_work_here_trains_uncompiled_and_says_why(monkeypatch, data_log):
    import torch

    from ultralytics_clone.engine.trainer import _compile

    def broken(model, mode="default"):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(torch, "compile", broken)
    net = torch.nn.Conv2d(3, 4, 3)
    assert _compile(net, True, torch.device("cpu")) is net and net.training
    assert any("compile=default: torch.compile does not work here (RuntimeError: no C++ compiler)" in m for m in data_log)
