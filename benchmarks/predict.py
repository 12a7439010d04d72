"""Prediction speed: pre / inference / post ms per image for yolo11n at 640 on CPU, batch 1 and 8, beside a bare
fused model(x) on the same input shape (as a user writes it, NCHW, and channels-last, the layout the predictor uses on
CPU), and the cold start of `yolo predict` (process start to exit after one image).

Run: python benchmarks/predict.py [--runs 5] [--imgsz 640] [--weights PATH] [--cold 3]
Weights: the reference-trained yolo11n fixture (shared/fixtures/ultralytics/yolo11n.pt; 3 classes, so the head is a
little smaller than COCO's 80). Image: the fixture image upscaled to 1080x810 (the size of Ultralytics' bus.jpg).
Every figure is the median of --runs timed runs after one warm-up run, predictor and bare calls interleaved.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = next((p for p in (ROOT.parent / "shared/fixtures/ultralytics", ROOT / "shared/fixtures/ultralytics")
                 if p.is_dir()), None)  # fmt: skip


def interleaved_ms(model, nets: list, images: list, batch: int, imgsz: int, shape: tuple, runs: int) -> tuple:
    """Median preprocess / inference / postprocess ms per image over `runs` predictor passes of `images`, and median
    ms per image of each bare net(x) on a random batch of `shape`, the calls interleaved run by run so that drift in
    the machine's speed hits all of them alike."""
    model.predict(images, batch=batch, imgsz=imgsz, verbose=False)  # warm-up (also loads the backend)
    x = torch.rand(*shape)
    per = {"preprocess": [], "inference": [], "postprocess": []}
    bare: list[list[float]] = [[] for _ in nets]
    with torch.inference_mode():
        for net in nets:
            net(x)
    for _ in range(runs):
        res = model.predict(images, batch=batch, imgsz=imgsz, verbose=False)
        for k in per:
            per[k].append(statistics.mean(r.speed[k] for r in res))
        with torch.inference_mode():
            for net, times in zip(nets, bare):
                t = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - t) * 1e3 / shape[0])
    return {k: statistics.median(v) for k, v in per.items()}, [statistics.median(t) for t in bare]


def cold_start_s(weights: str, image: str, imgsz: int, runs: int) -> float:
    """Median seconds from launching `yolo predict` to its exit, one image, nothing saved."""
    exe = Path(sys.executable).with_name("yolo")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ultralytics_clone.cfg.cli"]
    cmd += ["predict", f"model={weights}", f"source={image}", f"imgsz={imgsz}", "save=False", "verbose=False"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(torch.get_num_threads())}
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def import_torch_s(runs: int) -> float:
    """Median seconds of `python -c 'import torch'`: the floor under any cold start of a PyTorch tool."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--weights", default=str(FIXTURES / "yolo11n.pt") if FIXTURES else "yolo11n.pt")
    ap.add_argument("--cold", type=int, default=3, help="cold-start runs (0 skips)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)

    from ultralytics_clone import YOLO

    tmp = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    src = cv2.imread(str(FIXTURES / "sample_detect.jpg")) if FIXTURES else None
    img = cv2.resize(src, (810, 1080), interpolation=cv2.INTER_LINEAR)
    image = str(tmp / "bus_size.jpg")
    cv2.imwrite(image, img)
    print(f"CPU: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}, weights {a.weights}, image 1080x810, imgsz {a.imgsz}, median of {a.runs}")
    model = YOLO(a.weights)
    net = copy.deepcopy(model.model).fuse(verbose=False).eval()
    net_cl = copy.deepcopy(net).to(memory_format=torch.channels_last)
    rows = []
    for batch in (1, 8):
        h, w = a.imgsz, math.ceil(round(810 * a.imgsz / 1080) / 32) * 32  # the letterboxed (rect) input
        ms, (bare, bare_cl) = interleaved_ms(model, [net, net_cl], [image] * batch, batch, a.imgsz, (batch, 3, h, w),
                                             a.runs)  # fmt: skip
        rows.append((batch, ms, bare, bare_cl, (h, w)))
    print(f"{'batch':>5} {'pre':>8} {'infer':>8} {'post':>8} {'pre+post':>9} {'bare model(x)':>14} {'infer/bare':>10}"
          f" {'bare channels-last':>19} {'infer/bare-cl':>13}  input")
    for batch, ms, bare, bare_cl, (h, w) in rows:
        pp = ms["preprocess"] + ms["postprocess"]
        print(f"{batch:>5} {ms['preprocess']:>8.2f} {ms['inference']:>8.2f} {ms['postprocess']:>8.2f} {pp:>9.2f} "
              f"{bare:>14.2f} {ms['inference'] / bare:>10.3f} {bare_cl:>19.2f} {ms['inference'] / bare_cl:>13.3f}"
              f"  {batch}x3x{h}x{w}")
    if a.cold:
        print(f"cold start (yolo predict, 1 image, median of {a.cold}): "
              f"{cold_start_s(a.weights, image, a.imgsz, a.cold):.2f} s; baseline in the same run, a bare "
              f"`python -c 'import torch'`: {import_torch_s(a.cold):.2f} s")


if __name__ == "__main__":
    main()
