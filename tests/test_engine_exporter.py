"""Exporter (issue 20): TorchScript and ONNX agree with PyTorch for the reference checkpoints; dynamic ONNX; embedded
NMS equals predict; exported models load back into YOLO(); bad input gives one clear sentence and leaves nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.nn.autobackend import AutoBackend
from ultralytics_clone.nn.backends.exported import read_exported_metadata
from ultralytics_clone.utils.errors import ExportError

MODELS = ("yolov8n", "yolo11n", "yolo26n")
IMGSZ = 96


@pytest.fixture(scope="module")
def workdir(detect_checkpoints) -> Path:
    """Copies of the reference detection checkpoints (conftest), written beside by the exports."""
    return detect_checkpoints


def _pytorch_output(pt: Path, x: torch.Tensor) -> torch.Tensor:
    """The checkpoint's eval-mode decoded output (first element), float32."""
    net = YOLO(pt).model.float().eval()
    with torch.no_grad():
        y = net(x)
    return y[0] if isinstance(y, (list, tuple)) else y


def _run(path: str | Path, x: torch.Tensor):
    backend = AutoBackend(path, device="cpu", verbose=False)
    with torch.no_grad():
        return backend, backend(x)


def _close(a: torch.Tensor, b: torch.Tensor, rel: float = 1e-3) -> None:
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(b.abs().max()))
    err = float((a - b).abs().max())
    assert err <= rel * scale, f"max abs error {err:.3g} > {rel} x output scale {scale:.3g}"


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_exports_agree_with_pytorch(workdir, name, fmt, torch_single_thread):
    pt = workdir / f"{name}.pt"
    path = YOLO(pt).export(format=fmt, imgsz=IMGSZ)
    assert Path(path).exists() and Path(path).suffix == f".{fmt}"
    x = torch.rand(1, 3, IMGSZ, IMGSZ, generator=torch.Generator().manual_seed(0))
    backend, y = _run(path, x)
    _close(y, _pytorch_output(pt, x))
    meta = backend.metadata
    assert meta["names"] == {0: "circle", 1: "square", 2: "triangle"} and meta["task"] == "detect"
    assert meta["imgsz"] == [IMGSZ, IMGSZ] and meta["stride"] == 32 and meta["batch"] == 1
    assert meta["half"] is False and meta["int8"] is False and meta["nms"] is False
    assert meta["args"]["format"] == fmt and meta["version"] and meta["date"]


def test_dynamic_onnx_two_sizes_and_batch_two(workdir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    path = YOLO(pt).export(format="onnx", imgsz=IMGSZ, dynamic=True, simplify=True)
    g = torch.Generator().manual_seed(1)
    for shape in ((1, 3, 64, 96), (2, 3, 128, 96)):
        x = torch.rand(*shape, generator=g)
        backend, y = _run(path, x)
        assert backend.dynamic
        _close(y, _pytorch_output(pt, x))


def test_static_export_letterboxes_and_splits_batches(workdir, torch_single_thread):
    """A batch-1 static export fed 3 images of another size gives the PyTorch output of the padded input."""
    pt = workdir / "yolo11n.pt"
    path = YOLO(pt).export(format="onnx", imgsz=IMGSZ)
    x = torch.rand(3, 3, 64, 96, generator=torch.Generator().manual_seed(2))
    _, y = _run(path, x)
    padded = torch.nn.functional.pad(x, (0, 0, 0, IMGSZ - 64), value=114 / 255)
    _close(y, _pytorch_output(pt, padded))


def test_nms_onnx_equals_predict(workdir, fixtures_dir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    src = str(fixtures_dir / "sample_detect.jpg")
    path = YOLO(pt).export(format="onnx", imgsz=128, nms=True)
    assert read_exported_metadata(path)["nms"] is True
    import onnxruntime as ort

    out = ort.InferenceSession(path).get_outputs()[0]
    assert out.shape == [1, 300, 6]
    ref = YOLO(pt).predict(src, imgsz=128, rect=False)[0].boxes.data
    got = YOLO(path).predict(src, imgsz=128)[0].boxes.data
    assert len(ref) > 0
    _close(got, ref, rel=1e-4)


def test_yolo_onnx_predict_and_val_like_pt(workdir, fixtures_dir, torch_single_thread):
    pt = workdir / "yolo11n.pt"
    src = str(fixtures_dir / "sample_detect.jpg")
    path = YOLO(pt).export(format="onnx", imgsz=160)
    model = YOLO(path)
    assert model.task == "detect" and model.names == {0: "circle", 1: "square", 2: "triangle"}
    ref = YOLO(pt).predict(src, imgsz=160)[0].boxes.data
    got = model.predict(src, imgsz=160)[0].boxes.data
    assert len(ref) > 0
    _close(got, ref, rel=1e-4)
    # a static export validates at its own square size (no rect batches), so compare with the .pt at rect=False
    m_pt = YOLO(pt).val(data="shapes-det.yaml", imgsz=160, batch=4, plots=False, rect=False).box.map
    m_onnx = YOLO(path).val(data="shapes-det.yaml", imgsz=160, batch=4, plots=False).box.map
    assert m_pt > 0.3 and abs(m_onnx - m_pt) < 1e-3


def test_quickstart_export_and_callbacks(workdir, torch_single_thread):
    """Seed quickstart: `success = model.export(format="onnx")` returns the written path; export events fire."""
    model = YOLO(workdir / "yolo26n.pt")
    events = []
    model.add_callback("on_export_start", lambda e: events.append(("start", e.args.format)))
    model.add_callback("on_export_end", lambda e: events.append(("end", str(e.file))))
    success = model.export(format="onnx")  # exactly as the quickstart writes it (imgsz: the checkpoint's, 256)
    assert success == str(workdir / "yolo26n.onnx") and Path(success).is_file()
    assert events == [("start", "onnx"), ("end", success)]
    assert read_exported_metadata(success)["imgsz"] == [256, 256]


def test_cli_export(workdir, subprocess_env):
    pt = workdir / "yolov8n.pt"
    run = subprocess.run([sys.executable, "-m", "ultralytics_clone.cfg.cli", "export", f"model={pt}", "format=torchscript",
                          "imgsz=64"], capture_output=True, text=True, env=subprocess_env, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert (workdir / "yolov8n.torchscript").is_file()
    bad = subprocess.run([sys.executable, "-m", "ultralytics_clone.cfg.cli", "export", f"model={pt}", "format=paddle"],
                         capture_output=True, text=True, env=subprocess_env, timeout=600)  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "torchscript, onnx, openvino, ncnn" in bad.stderr


# ------------------------------------------------------------------------------------------------------ bad input
def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_unknown_and_unsupported_formats(workdir):
    model = YOLO(workdir / "yolo11n.pt")
    with pytest.raises(ExportError, match=r"format='xyz' is not an export format; supported: torchscript, onnx, "):
        model.export(format="xyz")
    with pytest.raises(ExportError, match=r"TensorRT\) needs a CUDA device"):
        model.export(format="engine")
    with pytest.raises(ExportError, match=r"format='coreml' is not exported by this release; it exports torchscript"):
        model.export(format="coreml")
    with pytest.raises(ExportError, match=r"int8=True needs data="):
        model.export(format="openvino", int8=True)
    with pytest.raises(ExportError, match=r"int8=True is supported for format='openvino'"):
        model.export(format="onnx", int8=True, data="shapes-det.yaml")
    assert not _leftovers(workdir)


def test_half_on_cpu_onnx_warns_and_writes_fp32(workdir, data_log, torch_single_thread):
    path = YOLO(workdir / "yolo11n.pt").export(format="onnx", imgsz=64, half=True, simplify=False)
    warnings = [m for m in data_log if "half=True" in m]
    assert len(warnings) == 1 and "needs a CUDA device" in warnings[0] and "FP32" in warnings[0]
    import onnxruntime as ort

    assert ort.InferenceSession(path).get_inputs()[0].type == "tensor(float)"
    assert read_exported_metadata(path)["half"] is False


def _make_read_only(folder: Path, monkeypatch):
    """chmod 555 (root ignores it: then the immutable flag); where neither works, refuse temp files as such a folder would."""
    folder.chmod(0o555)
    if _writable(folder):
        subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if _writable(folder):
        import tempfile

        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkdtemp", refuse)
        monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)

    def undo():
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)

    return undo


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
        (folder / ".probe").unlink()
        return True
    except OSError:
        return False


def test_read_only_output_folder(tmp_path, fixtures_dir, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    shutil.copy(fixtures_dir / "yolo11n.pt", ro / "yolo11n.pt")
    model = YOLO(ro / "yolo11n.pt")
    undo = _make_read_only(ro, monkeypatch)
    try:
        with pytest.raises(ExportError, match=r"is not writable\. Copy the model to a writable folder"):
            model.export(format="onnx", imgsz=64)
    finally:
        undo()
    assert sorted(p.name for p in ro.iterdir()) == ["yolo11n.pt"]


def test_failed_export_leaves_nothing(workdir, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated failure while writing")

    monkeypatch.setattr(torch.onnx, "export", boom)
    target = workdir / "yolov8n.onnx"
    target.unlink(missing_ok=True)
    with pytest.raises(RuntimeError, match="simulated failure"):
        YOLO(workdir / "yolov8n.pt").export(format="onnx", imgsz=64)
    assert not target.exists() and not _leftovers(workdir)


def test_metadata_is_read_without_eval(tmp_path):
    """ONNX props are Python literals read by literal_eval/safe_load: an expression in them is refused."""
    import onnx
    from onnx import helper

    from ultralytics_clone.utils.errors import CheckpointError

    graph = helper.make_graph([helper.make_node("Identity", ["images"], ["output0"])], "g",
                              [helper.make_tensor_value_info("images", onnx.TensorProto.FLOAT, [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("output0", onnx.TensorProto.FLOAT, [1, 3, 32, 32])])  # fmt: skip
    proto = helper.make_model(graph)
    prop = proto.metadata_props.add()
    prop.key, prop.value = "names", "__import__('os').system('echo pwned')"
    onnx.save(proto, tmp_path / "evil.onnx")
    with pytest.raises(CheckpointError, match="names"):
        read_exported_metadata(tmp_path / "evil.onnx")


def test_torchscript_optimize_for_mobile(workdir, torch_single_thread):
    """optimize=True: a loadable TorchScript with the same outputs, or (torch without XNNPACK) one clear error."""
    from ultralytics_clone.engine.exporter import _has_xnnpack

    pt = workdir / "yolo11n.pt"
    if not _has_xnnpack():
        with pytest.raises(ExportError, match=r"optimize=True .* needs a torch build with XNNPACK"):
            YOLO(pt).export(format="torchscript", imgsz=64, optimize=True)
        return
    path = YOLO(pt).export(format="torchscript", imgsz=64, optimize=True)
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    _, y = _run(path, x)
    _close(y, _pytorch_output(pt, x))
