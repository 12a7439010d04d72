"""engine.model: the facade's loading rules, errors, save/load round trip, callbacks, dispatch and passthrough."""

from __future__ import annotations

import shutil

import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.engine import checkpoint as ck
from ultralytics_clone.engine.model import Model, NotPyTorchModelError
from ultralytics_clone.models.yolo import _engines
from ultralytics_clone.utils.downloads import attempt_download_asset
from ultralytics_clone.utils.errors import CheckpointError, ConfigError, DownloadError, SourceError

MODES = ("train", "val", "predict", "export", "track", "benchmark")


@pytest.fixture(scope="module")
def det_pt(fixtures_dir):
    return fixtures_dir / "yolo11n.pt"


def _state_equal(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]), k


# ------------------------------------------------------------------------------------------------------- loading
def test_missing_local_checkpoint_names_the_path(tmp_path):
    missing = tmp_path / "runs" / "best.pt"
    with pytest.raises(SourceError, match="best.pt") as err:
        YOLO(missing)
    assert isinstance(err.value, FileNotFoundError) and str(missing) in str(err.value)


def test_unknown_bare_name_is_a_source_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="my_custom_model.pt"):
        YOLO("my_custom_model.pt")


def test_release_name_offline_propagates_download_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YOLO_OFFLINE", "1")
    with pytest.raises(DownloadError) as direct:
        attempt_download_asset("yolo11n.pt")
    with pytest.raises(DownloadError) as through_facade:
        YOLO("yolo11n.pt")
    assert str(through_facade.value) == str(direct.value) and "yolo11n.pt" in str(direct.value)
    with pytest.raises(DownloadError, match="yolo11n-seg.pt"):
        YOLO("yolo11n-seg")  # suffix-less release names get .pt


def test_release_name_found_in_weights_dir(session_dir, det_pt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stored = session_dir / "weights" / "yolov8n.pt"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(det_pt, stored)
    try:
        model = YOLO("yolov8n.pt")
        assert model.ckpt_path == str(stored) and model.model_name == "yolov8n.pt"
    finally:
        stored.unlink()


def test_unsupported_suffix_lists_accepted(tmp_path):
    bad = tmp_path / "model.txt"
    bad.write_text("x")
    with pytest.raises(ConfigError, match=r"unsupported suffix '\.txt'.*\.yaml.*\.pt.*\.onnx"):
        YOLO(bad)


@pytest.mark.parametrize("content", [b"", b"not a zip or pickle at all", b"PK\x03\x04broken zip"])
def test_corrupt_checkpoint_is_a_checkpoint_error_naming_the_file(tmp_path, content):
    path = tmp_path / "corrupt.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="corrupt.pt"):
        YOLO(path)


def test_non_checkpoint_pickle_is_refused(tmp_path):
    path = tmp_path / "tensor.pt"
    torch.save(torch.zeros(3), path)
    with pytest.raises(CheckpointError, match="tensor.pt"):
        YOLO(path)


def test_state_dict_file_needs_an_architecture(tmp_path):
    source = YOLO("yolo11n.yaml")
    path = tmp_path / "weights_only.pt"
    torch.save(source.model.state_dict(), path)
    with pytest.raises(CheckpointError, match="state_dict.*weights_only.pt"):
        YOLO(path)
    target = YOLO("yolo11n.yaml").load(path)  # the advertised way out works
    _state_equal(source.model, target.model)


def test_folder_instead_of_file(tmp_path):
    folder = tmp_path / "weights.pt"
    folder.mkdir()
    with pytest.raises(SourceError, match="folder"):
        YOLO(folder)


def test_overrides_keep_only_persistent_ckpt_args(det_pt):
    model = YOLO(det_pt)
    assert set(model.overrides) == {"imgsz", "data", "task", "single_cls", "model"}
    assert model.overrides["imgsz"] == 256 and model.overrides["model"] == str(det_pt)
    assert "epochs" not in model.overrides and model.ckpt["train_args"]["epochs"] == 96


def test_wrapping_a_model_instance_and_a_facade():
    base = YOLO("yolo11n.yaml")
    wrapped = YOLO(base.model)
    assert wrapped.model is base.model and wrapped.task == "detect"
    again = YOLO(base)
    assert again.model is base.model and again.overrides == base.overrides


# ---------------------------------------------------------------------------------------------- save / load
def test_save_then_load_round_trips_exactly(det_pt, tmp_path):
    model = YOLO(det_pt)
    path = model.save(tmp_path / "ours.pt")
    assert path == tmp_path / "ours.pt" and [p.name for p in tmp_path.iterdir()] == ["ours.pt"]
    back = YOLO(path)
    _state_equal(model.model, back.model)
    assert back.task == model.task and back.names == model.names and back.overrides["imgsz"] == 256
    assert back.model.yaml == model.model.yaml
    for key in ("train_args", "train_metrics", "epoch"):
        assert back.ckpt[key] == model.ckpt[key], key
    assert set(ck.CKPT_KEYS) <= set(back.ckpt)
    raw = torch.load(path, weights_only=False)  # a plain dict with the module in it, as Ultralytics-era tools expect
    assert isinstance(raw, dict) and isinstance(raw["model"], torch.nn.Module) and raw["ema"] is None


def test_save_yaml_model_round_trips_random_weights(tmp_path):
    model = YOLO("yolo11n-pose.yaml")
    back = YOLO(model.save(tmp_path / "pose.pt"))
    _state_equal(model.model, back.model)  # float32 kept: no precision lost
    assert back.task == "pose" and back.model.kpt_shape == model.model.kpt_shape
    assert back.ckpt["train_args"]["task"] == "pose"


def test_load_transfers_matching_tensors(det_pt):
    model = YOLO("yolo11n.yaml")  # nc=80 head: only the backbone/neck tensors match the 3-class fixture
    source = YOLO(det_pt).model
    assert model.load(det_pt) is model
    assert model.overrides["pretrained"] == str(det_pt)
    torch.testing.assert_close(model.model.model[0].conv.weight, source.model[0].conv.weight.float())
    assert model.model.model[-1].nc == 80


def test_reset_weights_changes_tensors(det_pt):
    model = YOLO(det_pt)
    before = model.model.model[0].conv.weight.clone()
    model.reset_weights()
    assert not torch.equal(before, model.model.model[0].conv.weight)
    assert all(p.requires_grad for p in model.model.parameters())


def test_info_and_fuse(det_pt):
    model = YOLO(det_pt)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        before = model.model.eval()(x)[0]
    layers, params, grads, gflops = model.info(verbose=False)
    assert params == sum(p.numel() for p in model.model.parameters()) and layers > 100
    assert 5.0 < gflops < 8.0  # yolo11n at 640 is about 6.5 GFLOPs
    assert not model.model.is_fused()
    assert model.fuse() is model and model.model.is_fused()
    with torch.no_grad():
        after = model.model(x)[0]
    torch.testing.assert_close(before, after, atol=1e-4, rtol=1e-4)


# -------------------------------------------------------------------------------------------------- facade
def test_passthrough_repr_device_and_to(det_pt):
    model = YOLO(det_pt)
    assert torch.equal(model.stride, model.model.stride) and model.yaml is model.model.yaml
    with pytest.raises(AttributeError, match="no attribute 'definitely_missing'"):
        model.definitely_missing  # noqa: B018
    text = repr(model)
    assert text.startswith("YOLO(") and "task='detect'" in text and "classes=3" in text and "params=" in text
    assert model.device == torch.device("cpu")
    assert model.to("cpu") is model and model.overrides["device"] == "cpu"
    model.eval()
    assert not model.model.training
    assert isinstance(model, torch.nn.Module)


def test_exported_model_refuses_pytorch_only_methods(tmp_path):
    onnx = tmp_path / "yolo11n-seg.onnx"
    onnx.write_bytes(b"fake")
    model = YOLO(onnx)
    assert not model.is_pytorch_model and model.task == "segment" and model.device is None
    assert "exported" in repr(model)
    for call in (model.info, model.fuse, model.reset_weights, lambda: model.save(tmp_path / "x.pt"), model.train):
        with pytest.raises(NotPyTorchModelError, match="yolo11n-seg.onnx"):
            call()
    with pytest.raises(SourceError, match="missing.onnx"):
        YOLO(tmp_path / "missing.onnx")


def test_base_model_has_no_task_map():
    with pytest.raises(NotImplementedError, match="task_map"):
        Model("yolo11n.yaml")


# ----------------------------------------------------------------------------------------------- callbacks
def test_callbacks_add_clear_reset():
    model = YOLO("yolo11n.yaml")

    def fn(engine):
        return None

    model.add_callback("on_train_epoch_end", fn)
    assert model.callbacks["on_train_epoch_end"] == [fn]
    with pytest.raises(ConfigError, match="on_train_epoch_end"):
        model.add_callback("on_train_epoch_ends", fn)
    with pytest.raises(TypeError):
        model.add_callback("on_val_end", "not callable")
    model.add_callback("on_val_end", fn)
    model.clear_callback("on_val_end")
    assert model.callbacks["on_val_end"] == [] and model.callbacks["on_train_epoch_end"] == [fn]
    same = model.callbacks
    model.reset_callbacks()
    assert model.callbacks is same and all(v == [] for v in same.values())


class _Recorder:
    """Fake engine: records what the facade passes to a trainer / validator / predictor."""

    seen: list = []

    def __init__(self, overrides=None, _callbacks=None, args=None):
        self.args = overrides if overrides is not None else args
        self.callbacks = _callbacks
        _Recorder.seen.append(self)
        self.metrics = {"fitness": 0.5}


class FakePredictor(_Recorder):
    def setup_model(self, model, verbose=False):
        self.model = model

    def __call__(self, source=None, stream=False):
        return [("result", source, stream)]


class FakeValidator(_Recorder):
    def __call__(self, model=None):
        self.model = model


class FakeTrainer(_Recorder):
    def __init__(self, overrides=None, _callbacks=None):
        super().__init__(overrides=overrides, _callbacks=_callbacks)
        self.validator = FakeValidator(args=self.args, _callbacks=_callbacks)
        self.best = self.last = None

    def get_model(self, cfg=None, weights=None, verbose=True):
        self.got = (cfg, weights)
        return weights

    def train(self):
        from pathlib import Path

        self.best = self.last = Path(self.args["project"]) / "best.pt"
        ck.save_checkpoint(ck.make_checkpoint(self.model, train_args=self.args, epoch=-1), self.best)


def test_engines_receive_the_callbacks_dict_and_merged_args(det_pt, tmp_path):
    model = YOLO(det_pt)
    calls = []
    model.add_callback("on_predict_end", calls.append)
    out = model("img.jpg", predictor=FakePredictor, conf=0.5)
    predictor = _Recorder.seen[-1]
    assert out == [("result", "img.jpg", False)]
    assert predictor.callbacks is model.callbacks and predictor.callbacks["on_predict_end"] == [calls.append]
    assert predictor.args["conf"] == 0.5 and predictor.args["mode"] == "predict" and predictor.args["imgsz"] == 256
    assert predictor.model is model.model and model.predictor is predictor
    model("b.jpg", conf=0.6)  # the warm predictor is reused with the new arguments
    assert model.predictor is predictor and predictor.args.conf == 0.6 and predictor.args.imgsz == 256

    metrics = model.val(validator=FakeValidator, data="x.yaml")
    validator = _Recorder.seen[-1]
    assert metrics == {"fitness": 0.5} and model.metrics is metrics and validator.model is model.model
    assert validator.callbacks is model.callbacks and validator.args["mode"] == "val" and validator.args["rect"]

    net = model.model
    model.train(trainer=FakeTrainer, epochs=1, project=str(tmp_path))
    trainer = model.trainer
    assert isinstance(trainer, FakeTrainer) and trainer.callbacks is model.callbacks
    assert trainer.args["mode"] == "train" and trainer.args["epochs"] == 1 and trainer.args["imgsz"] == 256
    assert trainer.args["model"] == str(det_pt) and trainer.args["data"] == model.ckpt["train_args"]["data"]
    assert trainer.model is net  # the loaded network goes to the trainer, whose own get_model rebuilds from it
    assert model.ckpt_path == str(tmp_path / "best.pt") and model.metrics == {"fitness": 0.5}


def test_get_model_returning_none_is_a_hook_error(tmp_path):
    from ultralytics_clone.models.yolo.detect import DetectionTrainer

    class NoneTrainer(DetectionTrainer):
        def get_model(self, cfg=None, weights=None, verbose=True):
            return None

    with pytest.raises(TypeError, match=r"NoneTrainer.get_model\(\) returned None"):
        YOLO("yolo11n.yaml").train(trainer=NoneTrainer, data="shapes-det.yaml", imgsz=64, project=str(tmp_path))
    assert not list(tmp_path.iterdir())  # failed before the first epoch: no run folder left behind


def test_unbuilt_modes_raise_not_implemented_naming_the_mode(monkeypatch):
    model = YOLO("yolo11n.yaml")
    monkeypatch.setattr(_engines, "load_engine", lambda module, name: None)  # as if no engine existed yet
    for mode in MODES:
        with pytest.raises(NotImplementedError, match=f"mode '{mode}'.*later release"):
            getattr(model, mode)()


def test_real_predictor_runs_facade_callbacks(det_pt, fixtures_dir):
    model = YOLO(det_pt)
    fired = []
    model.add_callback("on_predict_start", lambda p: fired.append(("start", type(p).__name__)))
    model.add_callback("on_predict_end", lambda p: fired.append(("end", type(p).__name__)))
    results = model(fixtures_dir / "sample_detect.jpg", imgsz=256, conf=0.25)
    assert fired == [("start", "DetectionPredictor"), ("end", "DetectionPredictor")]
    assert len(results) == 1 and len(results[0].boxes) > 0 and results[0].names == model.names
