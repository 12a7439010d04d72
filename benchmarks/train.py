"""Training images/s and peak host memory: yolo11n, imgsz 320, batch 16, CPU, timed over the second epoch.

Run: python benchmarks/train.py [--runs 3] [--images 128] [--imgsz 320] [--batch 16] [--workers 0] [--model yolo11n.yaml]
     [--map-epochs 0]
Data: the built-in shapes-det generator drawing --images training images (128-160 px, scaled up to imgsz on load).
Each run is a fresh process training 2 epochs (validation off until the last epoch, plots off); images/s is the
second epoch's image count over its wall time (on_train_epoch_start -> on_train_epoch_end), so start-up, the first
epoch's caches and the final validation are excluded. Peak memory is the run process's maximum resident set size.
Every run trains twice: with amp=False (float32, as the reference always trains on CPU) and with the defaults (amp=True:
bfloat16 autocast on CPUs with native bf16, float32 on others), and the medians of both are printed. --map-epochs N also
trains N epochs both ways with the same seed and prints the final mAP50 / mAP50-95 on the validation images, so a
speed-up is seen together with what it costs in accuracy.
The reference (Ultralytics 8.4.190) trains this setting at about 10 img/s with about 2.1 GB peak memory on this
machine class.
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
data, model, imgsz, batch, workers, out, amp, epochs = sys.argv[1:9]
marks = {}
m = YOLO(model)
m.add_callback("on_train_epoch_start", lambda t: marks.setdefault(f"start{t.epoch}", time.perf_counter()))
m.add_callback("on_train_epoch_end", lambda t: marks.setdefault(f"end{t.epoch}", time.perf_counter()))
m.train(data=data, epochs=int(epochs), imgsz=int(imgsz), batch=int(batch), workers=int(workers), device="cpu",
        val=False, plots=False, project=out, name="bench", exist_ok=True, amp=amp == "True", seed=0)
n = len(m.trainer.train_loader.dataset)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
box = m.trainer.metrics
print("RESULT " + json.dumps({"img_s": n / (marks["end1"] - marks["start1"]), "peak_bytes": peak,
                              "worker_peak_bytes": kids, "images": n, "map50": box.get("metrics/mAP50(B)"),
                              "map": box.get("metrics/mAP50-95(B)")}))
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
    ap.add_argument("--map-epochs", type=int, default=0, help="also train this many epochs both ways and print mAP")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp), a.images)

        def run(amp: str, epochs: int) -> dict:
            cmd = [sys.executable, "-c", CHILD, str(data), a.model, str(a.imgsz), str(a.batch), str(a.workers), tmp,
                   str(amp), str(epochs)]  # fmt: skip
            out = subprocess.run(cmd, capture_output=True, text=True)
            line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"amp={amp} run failed:\n{out.stderr[-3000:]}")
            return json.loads(line[7:])

        results = {"False": [], "True": []}
        for r in range(a.runs):
            for amp in results:
                res = run(amp, 2)
                results[amp].append(res)
                sys.stdout.write(f"run {r + 1} amp={amp}: {res['img_s']:.2f} img/s, peak {res['peak_bytes'] / 1e9:.2f} GB "
                                 f"(workers' peak {res['worker_peak_bytes'] / 1e9:.2f} GB)\n")  # fmt: skip
                sys.stdout.flush()
        maps = {amp: run(amp, a.map_epochs) for amp in results} if a.map_epochs else {}
    from ultralytics_clone.utils.checks import cpu_has_native_bf16

    native = "bf16 autocast on this CPU" if cpu_has_native_bf16() else "float32: this CPU has no native bf16"
    for amp, label in (("False", "amp=False (float32)"), ("True", f"defaults (amp=True: {native})")):
        img_s = statistics.median(r["img_s"] for r in results[amp])
        peak = statistics.median(r["peak_bytes"] for r in results[amp])
        acc = (f", after {a.map_epochs} epochs mAP50 {maps[amp]['map50']:.3f} mAP50-95 {maps[amp]['map']:.3f}"
               if maps else "")  # fmt: skip
        sys.stdout.write(f"{label}: {a.model} imgsz={a.imgsz} batch={a.batch} workers={a.workers} "
                         f"images={results[amp][0]['images']} CPU ({platform.processor() or platform.machine()}): "
                         f"median of {a.runs}: {img_s:.2f} img/s (second epoch), peak memory {peak / 1e9:.2f} GB{acc}\n")


if __name__ == "__main__":
    main()
