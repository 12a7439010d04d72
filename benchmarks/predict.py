"""Prediction speed: pre / inference / post ms per image for yolo11n at 640 on CPU, batch 1 and 8, beside a bare
fused model(x) on the same input shape (as a user writes it, NCHW, and channels-last, the layout the predictor uses on
CPU), and the cold start of `yolo predict` (process start to its first result, and to exit) beside `import torch`.
It also times the predictor's own pre / post steps alone at batch 1: in a hot loop (the floor of their work on this
machine) and each right after a 50 ms sleep (what a pause alone costs them, with no forward pass in between).

Run: python benchmarks/predict.py [--runs 5] [--imgsz 640] [--weights PATH] [--cold 3]
Weights: the reference-trained yolo11n fixture (shared/fixtures/ultralytics/yolo11n.pt; 3 classes, so the head is a
little smaller than COCO's 80). Image: 1080x810 (the size of Ultralytics' bus.jpg), tiled from the fixture image
enlarged so that each tile reaches the network at the scale it was trained on, so postprocessing has real boxes (the
header line says how many). Every figure is the median of --runs timed runs after one warm-up run, predictor and
bare calls interleaved.
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
import numpy as np
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


def step_floor_ms(model, image: str, imgsz: int, reps: int = 200, idle: int = 15) -> dict:
    """The predictor's own preprocess and postprocess at batch 1, outside the pipeline: median ms in a hot loop (the
    letterbox's resize alone beside it), and median ms of each step right after a 50 ms sleep (no forward pass)."""
    model.predict(image, imgsz=imgsz, verbose=False)
    p, img = model.predictor, cv2.imread(image)
    p.batch = ([image], [img], None, None)
    x = p.preprocess([img])
    with torch.inference_mode():
        y = p.inference(x)
    h, w = x.shape[2:]
    steps = {"resize": lambda: cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR),
             "pre": lambda: p.preprocess([img]), "post": lambda: p.postprocess(y, x, [img])}  # fmt: skip
    out = {}
    for name, step in steps.items():
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            step()
            times.append((time.perf_counter() - t) * 1e3)
        out[name] = statistics.median(times)
    for name in ("pre", "post"):
        times = []
        for _ in range(idle):
            time.sleep(0.05)
            t = time.perf_counter()
            steps[name]()
            times.append((time.perf_counter() - t) * 1e3)
        out[f"{name} after idle"] = statistics.median(times)
    return out


def _time_to_line(cmd: list[str], marker: str, env: dict) -> tuple[float, float]:
    """Seconds from launching `cmd` to the first output line containing `marker`, and to the process's exit."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    first = None
    for line in proc.stdout:
        if first is None and marker in line:
            first = time.perf_counter() - t
    if proc.wait() != 0 or first is None:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode} before printing {marker!r}")
    return first, time.perf_counter() - t


def cold_start_s(weights: str, image: str, imgsz: int, runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (first result, exit) seconds of `yolo predict` on one image, nothing saved, and of a bare
    `python -c 'import torch'` (import done, exit), the runs interleaved. The first result is the CLI's log line for
    the image. Bytecode is compiled first, as `pip install` does: this machine sets PYTHONDONTWRITEBYTECODE, and
    recompiling the package on every run would add about 0.15 s that no installed copy pays."""
    import compileall

    compileall.compile_dir(str(ROOT / "ultralytics_clone"), quiet=1)
    exe = Path(sys.executable).with_name("yolo")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ultralytics_clone.cfg.cli"]
    cmd += ["predict", f"model={weights}", f"source={image}", f"imgsz={imgsz}", "save=False", "verbose=True"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(torch.get_num_threads())}
    base = [sys.executable, "-c", "import torch; print('torch imported', flush=True)"]
    yolo, bare = [], []
    for _ in range(runs):
        yolo.append(_time_to_line(cmd, "image 1/1", env))
        bare.append(_time_to_line(base, "torch imported", env))
    med = lambda pairs: tuple(statistics.median(p[i] for p in pairs) for i in range(2))  # noqa: E731
    return med(yolo), med(bare)


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
    src = cv2.imread(str(FIXTURES / "sample_detect.jpg"))
    tile = cv2.resize(src, None, fx=1080 / 640, fy=1080 / 640, interpolation=cv2.INTER_LINEAR)
    img = np.tile(tile, (3, 2, 1))[:1080, :810]  # each tile reaches the network at its training scale (256)
    image = str(tmp / "bus_size.jpg")
    cv2.imwrite(image, img)
    model = YOLO(a.weights)
    n_boxes = len(model.predict(image, imgsz=a.imgsz, verbose=False)[0].boxes)
    print(f"CPU: {platform.processor() or platform.machine()}, torch threads {torch.get_num_threads()}, "
          f"torch {torch.__version__}, weights {a.weights}, image 1080x810 ({n_boxes} boxes), imgsz {a.imgsz}, "
          f"median of {a.runs}")
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
    f = step_floor_ms(model, image, a.imgsz)
    print(f"the same steps outside the pipeline, batch 1: hot loop pre {f['pre']:.2f} (its letterbox resize alone "
          f"{f['resize']:.2f}) + post {f['post']:.2f} = {f['pre'] + f['post']:.2f} ms; each after a 50 ms sleep: pre "
          f"{f['pre after idle']:.2f} + post {f['post after idle']:.2f} = "
          f"{f['pre after idle'] + f['post after idle']:.2f} ms")
    if a.cold:
        (first, end), (torch_first, torch_end) = cold_start_s(a.weights, image, a.imgsz, a.cold)
        print(f"cold start (yolo predict, 1 image, median of {a.cold}): first result {first:.2f} s (process exit "
              f"{end:.2f} s); baseline in the same runs, a bare `python -c 'import torch'`: imported {torch_first:.2f} s "
              f"(exit {torch_end:.2f} s)")


if __name__ == "__main__":
    main()
