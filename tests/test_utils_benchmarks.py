"""benchmark() (issue 20): one row per format, a failing format is an error row; `yolo benchmark` works."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from ultralytics_clone.utils.benchmarks import FORMATS, benchmark

METRIC = "metrics/mAP50-95(B)"


@pytest.fixture
def yolo11n(tmp_path, fixtures_dir):
    shutil.copy(fixtures_dir / "yolo11n.pt", tmp_path / "yolo11n.pt")
    return tmp_path / "yolo11n.pt"


def test_seed_benchmark_call_one_row_per_format(yolo11n, monkeypatch, torch_single_thread):
    """Seed 004's call, with the built-in data, a tiny image size and the CPU; NCNN made to fail on purpose."""
    import ultralytics_clone.utils.export.ncnn as ncnn_export

    def broken(*a, **k):
        raise RuntimeError("pnnx crashed (simulated)")

    monkeypatch.setattr(ncnn_export, "export_ncnn", broken)
    rows = benchmark(model=str(yolo11n), data="shapes-det.yaml", imgsz=32, half=False, device="cpu")
    assert [r["Format"] for r in rows] == ["PyTorch", "TorchScript", "ONNX", "OpenVINO", "NCNN"] and len(FORMATS) == 5
    ok, failed = rows[:4], rows[4]
    assert all(r["Status"] == "✅" and r["Inference time (ms/im)"] > 0 and r["FPS"] > 0 for r in ok)
    assert all(r["Size (MB)"] > 1 for r in ok)
    assert max(r[METRIC] for r in ok) - min(r[METRIC] for r in ok) < 0.01  # same network, same inputs
    assert failed["Status"] == "❌" and failed[METRIC] is None and "pnnx crashed (simulated)" in failed["Error"]


def test_unknown_format_is_an_error_row(yolo11n):
    rows = benchmark(model=str(yolo11n), data="shapes-det.yaml", imgsz=32, format="coreml")
    assert len(rows) == 1 and rows[0]["Status"] == "❌" and "exports torchscript, onnx, openvino, ncnn" in rows[0]["Error"]


def test_cli_benchmark(yolo11n, subprocess_env):
    run = subprocess.run([sys.executable, "-m", "ultralytics_clone.cfg.cli", "benchmark", f"model={yolo11n}",
                          "data=shapes-det.yaml", "imgsz=32", "format=onnx"],
                         capture_output=True, text=True, env=subprocess_env, timeout=600)  # fmt: skip
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-2000:]
    assert "ONNX" in out and "✅" in out and (yolo11n.parent / "yolo11n.onnx").is_file()
