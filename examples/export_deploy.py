"""Export a detector to ONNX and TorchScript and run the exported files through the same YOLO interface.

python examples/export_deploy.py                   # untrained yolo11n at imgsz 160; pass --weights best.pt
"""

from __future__ import annotations

import argparse

from ultralytics_clone import ASSETS, YOLO


def main(weights: str = "yolo11n.yaml", imgsz: int = 160, formats: tuple[str, ...] = ("onnx", "torchscript")) -> dict:
    model = YOLO(weights)
    reference = model.predict(ASSETS / "shapes.jpg", imgsz=imgsz, conf=0.0, verbose=False)[0]
    out = {"reference": reference}
    for fmt in formats:
        path = model.export(format=fmt, imgsz=imgsz)  # written next to the weights (or in the working folder)
        deployed = YOLO(path, task="detect")  # AutoBackend picks the runtime from the file
        r = deployed.predict(ASSETS / "shapes.jpg", imgsz=imgsz, conf=0.0, verbose=False)[0]
        print(f"{fmt}: {path} -> {len(r.boxes)} boxes (PyTorch: {len(reference.boxes)})")
        out[fmt] = r
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default="yolo11n.yaml")
    p.add_argument("--imgsz", type=int, default=160)
    a = p.parse_args()
    main(a.weights, a.imgsz)
