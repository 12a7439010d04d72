"""Training images/s and peak host memory: yolo11n, imgsz 320, batch 16, CPU, timed over the second epoch.

Run: python benchmarks/train.py [--runs 3] [--images 128] [--imgsz 320] [--batch 16] [--workers 0] [--model yolo11n.yaml]
Data: the built-in shapes-det generator drawing --images training images (128-160 px, scaled up to imgsz on load).
Each run is a fresh process training 2 epochs (validation off until the last epoch, plots off); images/s is the
second epoch's image count over its wall time (on_train_epoch_start -> on_train_epoch_end), so start-up, the first
epoch's caches and the final validation are excluded. Peak memory is the run process's maximum resident set size.
The median over runs is printed. Reference: Ultralytics 8.4.190 trains this setting at about 10 img/s with about
2.1 GB peak memory on this machine class.
Measured once here (2 cores shared by about 8 busy processes, load average 13, so the speed says little):
`python benchmarks/train.py --runs 1` -> 0.19 img/s, peak memory 2.12 GB.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from ultralytics_clone import YOLO
data, model, imgsz, batch, workers, out = sys.argv[1:7]
marks = {}
m = YOLO(model)
m.add_callback("on_train_epoch_start", lambda t: marks.setdefault(f"start{t.epoch}", time.perf_counter()))
m.add_callback("on_train_epoch_end", lambda t: marks.setdefault(f"end{t.epoch}", time.perf_counter()))
m.train(data=data, epochs=2, imgsz=int(imgsz), batch=int(batch), workers=int(workers), device="cpu", val=False,
        plots=False, project=out, name="bench", exist_ok=True)
n = len(m.trainer.train_loader.dataset)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print("RESULT " + json.dumps({"img_s": n / (marks["end1"] - marks["start1"]), "peak_bytes": peak,
                              "worker_peak_bytes": kids, "images": n}))
"""


def make_data(root: Path, n: int) -> Path:
    """A data YAML over `n` drawn shapes-det training images (and 16 for validation)."""
    from ultralytics_clone.data.synthetic import build_synthetic
    from ultralytics_clone.utils.files import yaml_save

    src = build_synthetic("shapes-det", root / "shapes", n_train=n, n_val=16, seed=1)
    names = {0: "circle", 1: "square", 2: "triangle"}
    return yaml_save(root / "data.yaml", {"path": str(src), "train": "images/train", "val": "images/val", "names": names})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--images", type=int, default=128)
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--model", default="yolo11n.yaml")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp), a.images)
        results = []
        for r in range(a.runs):
            cmd = [sys.executable, "-c", CHILD, str(data), a.model, str(a.imgsz), str(a.batch), str(a.workers), tmp]
            out = subprocess.run(cmd, capture_output=True, text=True)
            line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"run {r + 1} failed:\n{out.stderr[-3000:]}")
            results.append(json.loads(line[7:]))
            res = results[-1]
            sys.stdout.write(f"run {r + 1}: {res['img_s']:.2f} img/s, peak {res['peak_bytes'] / 1e9:.2f} GB "
                             f"(workers' peak {res['worker_peak_bytes'] / 1e9:.2f} GB)\n")  # fmt: skip
    img_s = statistics.median(r["img_s"] for r in results)
    peak = statistics.median(r["peak_bytes"] for r in results)
    sys.stdout.write(f"{a.model} imgsz={a.imgsz} batch={a.batch} workers={a.workers} images={results[0]['images']} "
                     f"CPU ({platform.processor() or platform.machine()}): median of {a.runs}: {img_s:.2f} img/s "
                     f"(second epoch), peak memory {peak / 1e9:.2f} GB\n")  # fmt: skip


if __name__ == "__main__":
    main()
