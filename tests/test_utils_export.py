"""OpenVINO (FP32, FP16, NNCF INT8) and NCNN exports (issue 20): outputs equal PyTorch's, YOLO() runs them like the
.pt, INT8 keeps mAP50-95 within 0.02 of FP32 on the built-in data; a missing runtime names the extra to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.nn.autobackend import AutoBackend
from ultralytics_clone.utils.errors import ExportError

MODELS = ("yolov8n", "yolo11n", "yolo26n")
IMGSZ = 64


@pytest.fixture(scope="module")
def workdir(detect_checkpoints) -> Path:
    """Copies of the reference detection checkpoints (conftest), written beside by the exports."""
    return detect_checkpoints


def _outputs(pt: Path, path: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(exported model's output, PyTorch's) on the same input."""
    net = YOLO(pt).model.float().eval()
    with torch.no_grad():
        ref = net(x)
        got = AutoBackend(path, device="cpu", verbose=False)(x)
    return got, ref[0] if isinstance(ref, (list, tuple)) else ref


def _close(a: torch.Tensor, b: torch.Tensor, rel: float) -> None:
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(b.abs().max()))
    err = float((a - b).abs().max())
    assert err <= rel * scale, f"max abs error {err:.3g} > {rel} x output scale {scale:.3g}"


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("fmt", ["openvino", "ncnn"])
def test_exports_agree_with_pytorch(workdir, name, fmt, torch_single_thread):
    pt = workdir / f"{name}.pt"
    path = YOLO(pt).export(format=fmt, imgsz=IMGSZ)
    assert Path(path).name == f"{name}_{fmt}_model" and (Path(path) / "metadata.yaml").is_file()
    x = torch.rand(1, 3, IMGSZ, IMGSZ, generator=torch.Generator().manual_seed(0))
    _close(*_outputs(pt, path, x), rel=1e-3)
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]  # no staging leftovers


def test_openvino_fp16_and_dynamic(workdir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    path = YOLO(pt).export(format="openvino", imgsz=IMGSZ, half=True, dynamic=True)
    x = torch.rand(2, 3, 96, 64, generator=torch.Generator().manual_seed(3))
    _close(*_outputs(pt, path, x), rel=1e-2)  # FP16 weights: looser than FP32's 1e-3
    assert AutoBackend(path, device="cpu", verbose=False).dynamic


def test_yolo_openvino_and_ncnn_predict_like_pt(workdir, fixtures_dir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    src = str(fixtures_dir / "sample_detect.jpg")
    ref = YOLO(pt).predict(src, imgsz=128)[0].boxes.data
    assert len(ref) > 0
    for fmt in ("openvino", "ncnn"):
        model = YOLO(YOLO(pt).export(format=fmt, imgsz=128))
        assert model.task == "detect"
        got = model.predict(src, imgsz=128)[0].boxes.data
        _close(got, ref, rel=1e-4)


def test_openvino_int8_keeps_map(workdir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    fp32 = YOLO(pt).export(format="openvino", imgsz=160)
    int8 = YOLO(pt).export(format="openvino", imgsz=160, int8=True, data="shapes-det.yaml")
    assert Path(int8).name == "yolo11n_int8_openvino_model"
    assert sum(f.stat().st_size for f in Path(int8).iterdir()) < 0.5 * sum(f.stat().st_size for f in Path(fp32).iterdir())
    m32 = YOLO(fp32).val(data="shapes-det.yaml", imgsz=160, batch=4, plots=False).box.map
    m8 = YOLO(int8).val(data="shapes-det.yaml", imgsz=160, batch=4, plots=False).box.map
    assert m32 > 0.5 and abs(m8 - m32) < 0.02, (m32, m8)


def test_missing_runtime_names_the_extra(workdir, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino -> ImportError
    with pytest.raises(ExportError, match=r"pip install ultralytics-clone\[export\]"):
        YOLO(workdir / "yolov8n.pt").export(format="openvino", imgsz=IMGSZ)
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]
