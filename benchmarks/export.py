"""CPU latency of yolo11n at 640x640, batch 1: PyTorch eager vs its ONNX Runtime, OpenVINO FP32 / INT8 and NCNN
exports (network only: the same preprocessed tensor each call, no NMS). Median of --runs timed calls after warm-up.

Run: python benchmarks/export.py [--weights yolo11n.pt] [--imgsz 640] [--runs 30] [--threads N]
The weights default to the shared reference fixture; the exports are written to a temp folder. INT8 calibrates on
the built-in shapes-det set. Each backend runs through nn.autobackend.AutoBackend, as predict/val do.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

FIXTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ultralytics" / "yolo11n.pt"


def median_ms(fn, x: torch.Tensor, runs: int, warmup: int = 3) -> float:
    """Median wall time of fn(x) in ms."""
    with torch.no_grad():
        for _ in range(warmup):
            fn(x)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn(x)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=str(FIXTURE))
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from ultralytics_clone import YOLO
    from ultralytics_clone.nn.autobackend import AutoBackend

    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        pt = work / Path(args.weights).name
        shutil.copy(args.weights, pt)
        model = YOLO(pt)
        exports = {
            "ONNX Runtime": dict(format="onnx"),
            "OpenVINO FP32": dict(format="openvino"),
            "OpenVINO INT8": dict(format="openvino", int8=True, data="shapes-det.yaml"),
            "NCNN": dict(format="ncnn"),
        }
        x = torch.rand(1, 3, args.imgsz, args.imgsz, generator=torch.Generator().manual_seed(0))
        rows = [("PyTorch eager", median_ms(AutoBackend(pt, device="cpu", verbose=False), x, args.runs))]
        for name, kw in exports.items():
            path = model.export(imgsz=args.imgsz, **kw)
            rows.append((name, median_ms(AutoBackend(path, device="cpu", verbose=False), x, args.runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[0][1]
    print(f"\nyolo11n CPU latency, {args.imgsz}x{args.imgsz}, batch 1, median of {args.runs} runs "
          f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}, "
          f"torch {torch.__version__})")
    print(f"{'backend':<16}{'ms/img':>10}{'x PyTorch':>11}")
    for name, ms in rows:
        print(f"{name:<16}{ms:>10.1f}{ms / base:>11.2f}")


if __name__ == "__main__":
    main()
