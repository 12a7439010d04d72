"""Ultralytics-written checkpoints load without the `ultralytics` package and reproduce the reference outputs."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.nn.weights import load_checkpoint
from ultralytics_clone.utils.errors import CheckpointError

pytestmark = pytest.mark.usefixtures("torch_single_thread")

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not (SHARED / "fixtures").is_dir():  # a checkout with shared/ inside it (as in conftest.py)
    SHARED = Path(__file__).resolve().parents[1] / "shared"
FIXTURES = SHARED / "fixtures" / "ultralytics"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.pt"))
INPUT = torch.from_numpy(np.load(FIXTURES / "input.npy"))


def tol(ref: np.ndarray) -> float:
    return 1e-4 * max(1.0, float(np.abs(ref).max()))


@pytest.fixture(scope="module")
def loaded():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = load_checkpoint(FIXTURES / f"{name}.pt")
        return cache[name]

    return get


def eval_output(model, x=INPUT):
    model.eval()
    with torch.no_grad():
        return model(x)


def test_fixture_set_is_complete():
    assert {"yolo11n", "yolov8n", "yolo26n", "yolo11n-seg", "yolo11n-pose", "yolo11n-obb", "yolo11n-cls"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_output_matches_reference(name, loaded):
    model, ckpt = loaded(name)
    assert "ultralytics" not in sys.modules
    assert not any(m == "ultralytics" or m.startswith("ultralytics.") for m in sys.modules)
    out = eval_output(model)
    y = (out[0] if isinstance(out, tuple) else out).numpy()
    ref = np.load(FIXTURES / f"{name}.output.npy")
    assert y.shape == ref.shape
    assert np.abs(y - ref).max() <= tol(ref)
    assert ckpt["model"] is model and ckpt["version"] == "8.4.190"
    assert isinstance(model.names, dict) and len(model.names) == model.yaml["nc"]


def test_segment_prototypes_match(loaded):
    model, _ = loaded("yolo11n-seg")
    _, (feats, coeffs, proto) = eval_output(model)
    ref = np.load(FIXTURES / "yolo11n-seg.proto.npy")
    assert proto.shape == ref.shape == (1, 32, 64, 64)
    assert np.abs(proto.numpy() - ref).max() <= tol(ref)


def test_yolo26_one_to_one_branch_matches_reference(loaded):
    model, _ = loaded("yolo26n")
    assert model.end2end is False  # the checkpoint stores the one-to-many branch as its default
    model.end2end = True
    try:
        y = eval_output(model)[0][0].numpy()
    finally:
        model.end2end = False
    ref = np.load(FIXTURES / "yolo26n.e2e.output.npy")[0]
    assert y.shape == ref.shape == (300, 6)
    t = tol(ref)
    assert np.abs(y[:, 4] - ref[:, 4]).max() <= t  # scores, best first
    # rows whose scores tie to float precision may swap: match each row against the reference rows of equal score
    for row in y:
        same = ref[np.abs(ref[:, 4] - row[4]) <= 1e-6]
        assert np.abs(same - row).max(1).min() <= t


def test_loaded_model_keeps_checkpoint_metadata(loaded):
    model, ckpt = loaded("yolo11n-pose")
    assert model.kpt_shape == [4, 3] and model.model[-1].kpt_shape == [4, 3]
    assert model.names == {0: "shape"}
    assert model.stride.tolist() == [8.0, 16.0, 32.0] and model.model[-1].stride.tolist() == [8.0, 16.0, 32.0]
    assert model.args["task"] == "pose" and ckpt["train_args"]["imgsz"] == 256
    assert model.task == "pose"
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_known_strides_skip_the_dry_run_and_match_it(monkeypatch):
    """A checkpoint's strides are taken as they are (the loader's shortcut); they are those the dry run finds."""
    from ultralytics_clone.nn import tasks

    found = DetectionModel("yolo11n.yaml", verbose=False)
    monkeypatch.setattr(DetectionModel, "_infer_strides", lambda *a, **k: pytest.fail("dry run despite known strides"))
    with tasks.known_strides(found.stride):
        known = DetectionModel("yolo11n.yaml", verbose=False)
    assert torch.equal(known.stride, found.stride) and torch.equal(known.model[-1].stride, found.model[-1].stride)
    model, _ = load_checkpoint(FIXTURES / "yolo11n.pt")
    assert torch.equal(model.stride, found.stride)
    with tasks.known_strides(torch.tensor([8.0, 16.0])):  # one per head level, else the dry run decides
        monkeypatch.undo()
        assert torch.equal(DetectionModel("yolo11n.yaml", verbose=False).stride, found.stride)


class _Evil:
    def __reduce__(self):
        import os

        return os.system, ("echo should-never-run > /dev/null",)


def test_unknown_global_is_refused_and_not_executed(tmp_path):
    f = tmp_path / "evil.pt"
    torch.save({"model": _Evil()}, f)
    with pytest.raises(CheckpointError, match=r"refusing to unpickle the global '(posix|os|nt)\.system'"):
        load_checkpoint(f)


def test_unknown_class_is_refused(tmp_path):
    f = tmp_path / "cls.pt"
    torch.save({"model": _Evil}, f)  # a class reference from this test module
    with pytest.raises(CheckpointError, match="test_nn_weights._Evil"):
        load_checkpoint(f)


def test_truncated_and_missing_files(tmp_path):
    f = tmp_path / "cut.pt"
    f.write_bytes((FIXTURES / "yolo11n.pt").read_bytes()[:4096])
    with pytest.raises(CheckpointError, match="could not be read"):
        load_checkpoint(f)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")


def test_our_own_checkpoint_round_trips(tmp_path):
    model = DetectionModel("yolo11n.yaml", nc=3, verbose=False).eval()
    model.names = {0: "a", 1: "b", 2: "c"}
    f = tmp_path / "ours.pt"
    ckpt = {"epoch": 3, "model": model, "ema": None, "train_args": {"imgsz": 64}}
    torch.save(ckpt, f, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    loaded, ckpt = load_checkpoint(f)
    assert ckpt["epoch"] == 3 and loaded is not model
    assert loaded.names == model.names
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    x = torch.rand(1, 3, 64, 64)
    assert torch.equal(eval_output(model, x)[0], eval_output(loaded, x)[0])


def test_plain_state_dict_and_base_model_load(tmp_path, caplog):
    src = DetectionModel("yolo11n.yaml", nc=3, verbose=False)
    f = tmp_path / "sd.pt"
    torch.save(src.state_dict(), f)
    model, sd = load_checkpoint(f)
    assert model is None and set(sd) == set(src.state_dict())
    dst = DetectionModel("yolo11n.yaml", nc=5, verbose=False)  # class layers differ in shape
    with caplog.at_level("INFO", logger="ultralytics_clone"):
        dst.load(src)
    n_total = len(dst.state_dict())
    ssd = src.state_dict()
    moved = [k for k, v in dst.state_dict().items() if v.shape == ssd[k].shape and torch.equal(v, ssd[k])]
    assert 0 < len(moved) < n_total
    assert f"/{n_total} items" in caplog.text
    # from a fixture path: everything but the 3-class output layers transfers into an 80-class model
    dst80 = DetectionModel("yolo11n.yaml", verbose=False).load(FIXTURES / "yolo11n.pt")
    assert isinstance(dst80, DetectionModel)


def test_attempt_load_helpers():
    from ultralytics_clone.nn.tasks import attempt_load_one_weight, attempt_load_weights

    model, ckpt = attempt_load_one_weight(FIXTURES / "yolo11n.pt", fuse=True)
    assert not model.training and model.is_fused() and ckpt["train_args"]["epochs"] == 96
    assert isinstance(attempt_load_weights([FIXTURES / "yolov8n.pt"]), DetectionModel)


def test_numpy_and_plain_data_in_checkpoints_are_allowed(tmp_path):
    import datetime

    model = DetectionModel("yolo11n.yaml", nc=2, verbose=False)
    extra = {"arr": np.arange(6, dtype=np.float32).reshape(2, 3), "when": datetime.datetime(2026, 1, 1), "p": Path("x")}
    f = tmp_path / "np.pt"
    torch.save({"model": model, "train_metrics": extra}, f)  # protocol 2: bytes go through _codecs.encode
    _, ckpt = load_checkpoint(f)
    assert np.array_equal(ckpt["train_metrics"]["arr"], extra["arr"]) and ckpt["train_metrics"]["p"] == Path("x")
