"""train() returns what it took: no loader worker processes, plot threads or growing host memory are left."""

from __future__ import annotations

import gc
import threading

import psutil

from ultralytics_clone import YOLO

RUN = dict(data="shapes-det.yaml", imgsz=64, batch=8, fraction=0.5, epochs=1, workers=2, plots=True, val=False)


def test_host_memory_returns_after_train(tmp_path):
    proc = psutil.Process()
    YOLO("yolo11n.yaml").train(project=str(tmp_path), name="warm", **RUN)  # libraries, caches, allocator pools
    gc.collect()
    rss, threads = proc.memory_info().rss, threading.active_count()
    for i in range(2):
        YOLO("yolo11n.yaml").train(project=str(tmp_path), name=f"r{i}", **RUN)
        gc.collect()
        assert proc.children(recursive=True) == []  # the loader's worker processes are gone
        assert threading.active_count() <= threads  # so is the plot thread
    grown = (proc.memory_info().rss - rss) / 2**20
    assert grown < 150, f"host memory grew by {grown:.0f} MB over two more runs"
