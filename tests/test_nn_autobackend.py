"""AutoBackend: the one loading path (nn.Module, checkpoint, exported file) and its backend registry."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.nn import backends
from ultralytics_clone.nn.autobackend import AutoBackend, check_class_names, default_class_names
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.utils.errors import CheckpointError, ConfigError, ModelConfigError


@pytest.fixture(scope="module")
def tiny():
    m = DetectionModel("yolo11n.yaml", nc=2, verbose=False)
    m.names = {0: "a", 1: "b"}
    m.task = "detect"
    return m.eval()


def test_module_is_fused_on_a_copy_and_matches(tiny):
    ab = AutoBackend(tiny, device="cpu", verbose=False)
    assert ab.pt and ab.format == "torch" and ab.stride == 32 and ab.names == {0: "a", 1: "b"} and ab.task == "detect"
    assert ab.model is not tiny and ab.model.is_fused() and not tiny.is_fused() and ab.ch == 3 and not ab.fp16
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        ref, out = tiny(x), ab(x)
    ref = ref[0] if isinstance(ref, (list, tuple)) else ref
    out = out[0] if isinstance(out, (list, tuple)) else out
    torch.testing.assert_close(out, ref, atol=1e-3, rtol=1e-3)
    ab.warmup()  # CPU PyTorch: nothing to do, and no error
    assert ab.eval() is ab


def test_checkpoint_path_and_state_dict_only(fixtures_dir, tmp_path):
    ab = AutoBackend(str(fixtures_dir / "yolo11n.pt"), device="cpu", verbose=False)
    assert ab.names[0] == "circle" and ab.stride == 32 and ab.task == "detect" and len(ab.imgsz) == 2
    sd = tmp_path / "sd.pt"
    torch.save({"w": torch.zeros(2)}, sd)
    with pytest.raises(CheckpointError, match="state_dict"):
        AutoBackend(str(sd), device="cpu", verbose=False)


def test_unregistered_format_names_it(tmp_path, monkeypatch, fixtures_dir):
    f = tmp_path / "best.mnn"
    f.write_bytes((fixtures_dir / "yolo11n.pt").read_bytes())
    with pytest.raises(ConfigError, match="in the mnn format, which .* cannot run"):
        AutoBackend(str(f), device="cpu", verbose=False)
    monkeypatch.setitem(backends.BACKENDS, "mnn", "ultralytics_clone.nn.backends.torch")  # registering = one line
    assert AutoBackend(str(f), device="cpu", verbose=False).format == "mnn"
    assert backends.model_format(tmp_path / "m_openvino_model/") == "openvino"
    with pytest.raises(ConfigError, match="not a model file"):
        AutoBackend(str(tmp_path / "model.bin"), device="cpu", verbose=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        AutoBackend(str(tmp_path / "missing.onnx"), device="cpu", verbose=False)


def test_class_name_helpers(tmp_path):
    assert check_class_names(["x", "y"]) == {0: "x", 1: "y"} and check_class_names({"1": "b", "0": "a"})[1] == "b"
    with pytest.raises(ModelConfigError):
        check_class_names({0: "a", 5: "b"})
    assert default_class_names(nc=3) == {0: "class0", 1: "class1", 2: "class2"}
    y = tmp_path / "d.yaml"
    y.write_text("names: [cat, dog]\n")
    assert default_class_names(str(y)) == {0: "cat", 1: "dog"}


def test_exported_model_without_backend_gets_a_clear_error(tmp_path, monkeypatch):
    import numpy as np

    from ultralytics_clone import YOLO

    monkeypatch.delitem(backends.BACKENDS, "onnx", raising=False)
    f = tmp_path / "best.onnx"
    f.write_bytes(b"not really onnx")
    model = YOLO(str(f), task="detect")
    with pytest.raises(ConfigError, match="in the onnx format, which .* cannot run"):
        model.predict(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(ConfigError, match="onnx format"):
        model.val(data="x.yaml")
