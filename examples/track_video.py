"""Track objects through a video: write a short clip of moving shapes, run `model.track`, read the ids per frame.

python examples/track_video.py --model runs/detect/train/weights/best.pt   # a model trained by examples/quickstart.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from ultralytics_clone import YOLO


def write_clip(path: Path, frames: int = 12, size: int = 160) -> Path:
    """A clip of a red circle moving right and a blue square moving down (mp4v)."""
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (size, size))
    for t in range(frames):
        im = np.full((size, size, 3), 114, np.uint8)
        cv2.circle(im, (20 + 8 * t, 50), 14, (40, 40, 220), -1)
        cv2.rectangle(im, (100, 10 + 8 * t), (126, 36 + 8 * t), (220, 60, 40), -1)
        out.write(im)
    out.release()
    return path


def main(model: str = "yolo11n.yaml", imgsz: int = 160, conf: float = 0.25, tracker: str = "bytetrack.yaml") -> list:
    clip = write_clip(Path("shapes_clip.mp4"))
    results = YOLO(model).track(clip, imgsz=imgsz, conf=conf, tracker=tracker, stream=False, verbose=False)
    for i, r in enumerate(results):
        ids = [] if r.boxes.id is None else r.boxes.id.int().tolist()
        print(f"frame {i}: {len(r.boxes)} tracked boxes, ids {ids}")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="yolo11n.yaml")
    p.add_argument("--conf", type=float, default=0.25)
    a = p.parse_args()
    main(a.model, conf=a.conf)
