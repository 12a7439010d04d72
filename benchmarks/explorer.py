"""Explorer: table build time per image and query latency (similarity and SQL) on drawn images.

Run: python benchmarks/explorer.py [--images 1000] [--imgsz 128] [--runs 5] [--model yolo11n.yaml]
Data: `--images` drawn shapes-det images (built-in generator) in a temp folder. Model: built from YAML by default
(random weights time the same as trained ones; pass a .pt to use real ones). Build: one full table creation
(embedding + writing), per image. Queries: median of `--runs` calls each, after one warm-up call.
Baseline in the same run: the embedding forward pass alone (model.embed over the same images), per image.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--imgsz", type=int, default=128)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--model", default="yolo11n.yaml")
    a = p.parse_args()

    from ultralytics_clone import YOLO
    from ultralytics_clone.data.explorer import Explorer
    from ultralytics_clone.data.synthetic import build_synthetic

    root = Path(tempfile.mkdtemp(prefix="explorer-bench-"))
    data = build_synthetic("shapes-det", root / "shapes", n_train=a.images, n_val=1)
    cfg = root / "bench.yaml"
    cfg.write_text(yaml.safe_dump({"path": str(data), "train": "images/train", "val": "images/val",
                                   "names": {0: "circle", 1: "square", 2: "triangle"}}))  # fmt: skip
    model = YOLO(a.model)
    exp = Explorer(data=str(cfg), model=model, imgsz=a.imgsz)
    t = time.perf_counter()
    exp.create_embeddings_table(force=True)
    build = time.perf_counter() - t
    n = exp.table.count_rows()
    files = exp.table.to_pandas()["im_file"].tolist()
    t = time.perf_counter()
    for i in range(0, len(files), 32):
        model.embed(files[i : i + 32], imgsz=a.imgsz, verbose=False, batch=32)
    embed_only = time.perf_counter() - t

    rows = [
        ("table build (embed + write), ms/image", build / n * 1e3),
        ("  baseline: embed forward alone, ms/image", embed_only / n * 1e3),
        ("get_similar(img=path, limit=25), ms", median_ms(lambda: exp.get_similar(img=files[0], limit=25), a.runs)),
        ("get_similar(idx=0, limit=25), ms", median_ms(lambda: exp.get_similar(idx=0, limit=25), a.runs)),
        ("sql_query(WHERE labels LIKE '%circle%'), ms",
         median_ms(lambda: exp.sql_query("WHERE labels LIKE '%circle%'"), a.runs)),
        ("similarity_index(max_dist=0.2), ms", median_ms(lambda: exp.similarity_index(force=True), a.runs)),
    ]  # fmt: skip
    print(f"Explorer on {n} drawn images at imgsz {a.imgsz} ({a.model}), median of {a.runs} runs")
    for name, value in rows:
        print(f"{name:<48}{value:10.2f}")


if __name__ == "__main__":
    main()
