"""Tracker overhead on top of predict: ms per frame of `tracker.update()` for 10, 100 and 1,000 detections.

Detections are boxes drifting across a 640x640 frame with jitter (so every frame associates, updates and now
and then starts or loses tracks). BoT-SORT includes its camera-motion compensation (sparse optical flow) on a
textured 640x640 frame. Median of --repeat runs (CPU time is the figure to trust on a shared machine).
Usage: python benchmarks/track.py [--frames 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from ultralytics_clone.trackers import BOTSORT, BYTETracker
from ultralytics_clone.trackers.config import check_tracker_cfg


class Dets:
    """The Boxes-view attributes trackers read."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        self.xywh = np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1)


def frames_of_detections(n: int, frames: int, seed: int = 0) -> list[Dets]:
    """`frames` frames of `n` boxes each moving at constant speed (wrapping around), jittered, with varied scores."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(8, 40, (n, 2))
    start = rng.uniform(0, 600, (n, 2))
    speed = rng.uniform(-3, 3, (n, 2))
    out = []
    for f in range(frames):
        c = (start + speed * f) % 600 + 20
        xyxy = np.concatenate([c - size / 2, c + size / 2], 1) + rng.normal(0, 1, (n, 4))
        out.append(Dets(xyxy, rng.uniform(0.05, 0.95, n), rng.integers(0, 80, n).astype(float)))
    return out


def time_tracker(kind: type, cfg: object, dets: list[Dets], img: np.ndarray, repeat: int = 5) -> tuple[float, float]:
    """(wall, CPU) ms per frame of update() over all frames after a 5-frame warm-up, the median of `repeat` runs.
    CPU time is the figure to trust on a shared machine, where wall time also counts the waits for a core."""
    runs = []
    for _ in range(repeat):
        tracker = kind(cfg)
        for d in dets[:5]:
            tracker.update(d, img)
        t0, c0 = time.perf_counter(), time.process_time()
        for d in dets[5:]:
            tracker.update(d, img)
        n = len(dets) - 5
        runs.append(((time.perf_counter() - t0) / n * 1e3, (time.process_time() - c0) / n * 1e3))
    wall, cpu = np.median(np.array(runs), axis=0)
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    opt = parser.parse_args()
    img = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 255, (640, 640, 3), dtype=np.uint8), (7, 7), 3)
    print(f"{'detections':>10} | {'ByteTrack ms/frame':^21} | {'BoT-SORT ms/frame':^21}")
    print(f"{'':>10} | {'wall':>10} {'CPU':>10} | {'wall':>10} {'CPU':>10}")
    for n in (10, 100, 1000):
        dets = frames_of_detections(n, opt.frames if n < 1000 else max(opt.frames // 4, 20))
        bt = time_tracker(BYTETracker, check_tracker_cfg("bytetrack.yaml"), dets, img, opt.repeat)
        bs = time_tracker(BOTSORT, check_tracker_cfg("botsort.yaml"), dets, img, opt.repeat)
        print(f"{n:>10} | {bt[0]:>10.3f} {bt[1]:>10.3f} | {bs[0]:>10.3f} {bs[1]:>10.3f}")


if __name__ == "__main__":
    main()
