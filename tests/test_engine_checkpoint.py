"""engine.checkpoint: Ultralytics-compatible keys, atomic saving, optimizer stripping, resume lookup."""

from __future__ import annotations

import os
import time

import pytest
import torch
from torch import nn

from ultralytics_clone import __version__
from ultralytics_clone.cfg import DEFAULT_CFG
from ultralytics_clone.engine import checkpoint as ck
from ultralytics_clone.utils.errors import CheckpointError

SEED_003_KEYS = {  # the keys of seed 003's save_model example
    "epoch", "best_fitness", "model", "ema", "updates", "optimizer", "scaler", "train_args", "train_metrics",
    "train_results", "date", "version", "license", "docs",
}  # fmt: skip


class _Boom:
    """Pickling this raises, as an interrupt in the middle of torch.save would."""

    def __reduce__(self):
        raise KeyboardInterrupt("simulated interrupt while writing")


def _tiny() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_make_checkpoint_has_ultralytics_keys_in_order():
    model = _tiny()
    ck_dict = ck.make_checkpoint(model, epoch=3, best_fitness=0.5, train_args=DEFAULT_CFG,
                                 train_metrics={"fitness": 0.5})  # fmt: skip
    assert set(ck_dict) == SEED_003_KEYS
    assert tuple(ck_dict) == ck.CKPT_KEYS
    assert ck_dict["version"] == __version__
    assert ck_dict["model"] is model and ck_dict["epoch"] == 3
    assert isinstance(ck_dict["train_args"], dict) and ck_dict["train_args"]["imgsz"] == DEFAULT_CFG.imgsz
    assert ck_dict["train_results"] == {}
    assert "Apache" in ck_dict["license"]
    extra = ck.make_checkpoint(model, stopper={"best_epoch": 2})
    assert extra["stopper"] == {"best_epoch": 2}


def test_save_checkpoint_round_trip(tmp_path):
    model = _tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.rand(1, 3, 8, 8)).sum().backward()
    opt.step()
    ckpt = ck.make_checkpoint(model, optimizer=opt.state_dict(), epoch=1, train_args={"epochs": 5})
    path = ck.save_checkpoint(ckpt, tmp_path / "w" / "last.pt")
    assert path.is_file() and _leftovers(path.parent) == []
    back = torch.load(path, weights_only=False)
    assert list(back) == list(ckpt)
    for k, v in model.state_dict().items():
        assert torch.equal(back["model"].state_dict()[k], v)
    assert back["optimizer"]["state"][0]["momentum_buffer"].shape == model[0].weight.shape


def test_save_interrupted_mid_write_keeps_old_file(tmp_path):
    path = ck.save_checkpoint(ck.make_checkpoint(_tiny(), epoch=0), tmp_path / "last.pt")
    before = path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(ck.make_checkpoint(_tiny(), epoch=1, boom=_Boom()), path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_save_failure_after_bytes_written_leaves_no_partial_file(tmp_path, monkeypatch):
    def failing_fsync(fd):
        assert os.fstat(fd).st_size > 0  # the temp file really holds (part of) the checkpoint at this point
        raise OSError(28, "No space left on device")

    import ultralytics_clone.utils.files as files

    monkeypatch.setattr(files.os, "fsync", failing_fsync)  # the one atomic-write mechanism lives in utils.files
    with pytest.raises(OSError, match="No space"):
        ck.save_checkpoint(ck.make_checkpoint(_tiny()), tmp_path / "best.pt")
    assert list(tmp_path.iterdir()) == []


def test_serialize_once_write_many(tmp_path):
    data = ck.serialize_checkpoint(ck.make_checkpoint(_tiny(), epoch=7))
    paths = ck.write_checkpoint_bytes(data, tmp_path / "last.pt", tmp_path / "best.pt")
    assert [p.read_bytes() for p in paths] == [data, data]
    assert torch.load(paths[1], weights_only=False)["epoch"] == 7


def test_model_for_checkpoint_is_detached_copy():
    model = _tiny()
    wrapped = nn.DataParallel(model)
    copy = ck.model_for_checkpoint(wrapped, half=True)
    assert isinstance(copy, nn.Sequential) and copy[0].weight.dtype is torch.float16
    assert model[0].weight.dtype is torch.float32  # the original is untouched


def test_latest_run_and_resume_lookup(tmp_path):
    assert ck.get_latest_run(tmp_path) is None
    with pytest.raises(CheckpointError, match="no last"):
        ck.resolve_resume_checkpoint(True, tmp_path)
    old = tmp_path / "detect" / "train" / "weights" / "last.pt"
    new = tmp_path / "detect" / "train2" / "weights" / "last.pt"
    for p in (old, new):
        p.parent.mkdir(parents=True)
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 100, time.time() - 100))
    assert ck.get_latest_run(tmp_path) == new
    assert ck.resolve_resume_checkpoint(True, tmp_path) == new
    assert ck.resolve_resume_checkpoint(str(old), tmp_path) == old
    with pytest.raises(CheckpointError, match="nope.pt"):
        ck.resolve_resume_checkpoint(tmp_path / "nope.pt", tmp_path)


def test_check_resumable():
    ok = ck.make_checkpoint(_tiny(), optimizer={"state": {}}, epoch=2, train_args={"epochs": 10})
    ck.check_resumable(ok, "last.pt")
    stripped = ck.make_checkpoint(_tiny(), epoch=-1, train_args={"epochs": 10})
    with pytest.raises(CheckpointError, match="stripped"):
        ck.check_resumable(stripped, "best.pt")
    done = ck.make_checkpoint(_tiny(), optimizer={"state": {}}, epoch=9, train_args={"epochs": 10})
    with pytest.raises(CheckpointError, match="already finished"):
        ck.check_resumable(done, "last.pt")


def test_strip_optimizer_keeps_ema_as_half_model(tmp_path):
    from ultralytics_clone import YOLO
    from ultralytics_clone.nn.tasks import DetectionModel

    model = DetectionModel("yolo11n.yaml", nc=2, verbose=False)
    ema = ck.model_for_checkpoint(model)
    with torch.no_grad():
        for p in ema.parameters():
            p.add_(0.25)  # EMA weights differ from the raw model: strip must keep the EMA ones
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ckpt = ck.make_checkpoint(None, ema=ema.half(), updates=12, optimizer=opt.state_dict(), epoch=4,
                              best_fitness=0.3, train_args={"epochs": 10, "imgsz": 96, "task": "detect"})  # fmt: skip
    last = ck.save_checkpoint(ckpt, tmp_path / "last.pt")
    original = last.read_bytes()

    out = ck.strip_optimizer(last, s=tmp_path / "stripped.pt")
    assert last.read_bytes() == original  # s= given: the source stays as it was
    assert out["epoch"] == -1 and all(out[k] is None for k in ck.TRAINING_ONLY_KEYS)
    raw = torch.load(tmp_path / "stripped.pt", weights_only=False)
    assert raw["optimizer"] is None and raw["ema"] is None and raw["train_args"]["imgsz"] == 96
    assert all(p.dtype is torch.float16 and not p.requires_grad for p in raw["model"].parameters())
    loaded = YOLO(tmp_path / "stripped.pt")
    assert loaded.overrides["imgsz"] == 96 and loaded.names == {0: "0", 1: "1"}
    for a, b in zip(loaded.model.parameters(), ema.parameters()):
        assert torch.equal(a, b.float())
    ck.strip_optimizer(last)  # in place
    with pytest.raises(CheckpointError, match="stripped"):
        ck.check_resumable(ck.load_checkpoint_dict(last), last)


def test_strip_optimizer_refuses_a_file_without_model(tmp_path):
    path = ck.save_checkpoint(ck.make_checkpoint(None, epoch=1), tmp_path / "empty.pt")
    with pytest.raises(CheckpointError, match="empty.pt"):
        ck.strip_optimizer(path)
