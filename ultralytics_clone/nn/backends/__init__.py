"""Inference backends, one module per model format; `nn.autobackend.AutoBackend` picks one from the model's name.

Adding a format is one module and one line: write `nn/backends/<format>.py` defining `Backend(Backend base class in
base.py)`, then add `"<format>": "<module>"` to BACKENDS below. FORMATS already names every format a file can
announce, so an exported file whose backend is not registered gets an error naming its format instead of a crash.
"""

from __future__ import annotations

from pathlib import Path

# format -> how its file or folder name ends (checked in order; the first match wins).
FORMATS: dict[str, tuple[str, ...]] = {
    "torch": (".pt", ".pth"),
    "torchscript": (".torchscript",),
    "onnx": (".onnx",),
    "openvino": ("_openvino_model", ".xml"),
    "engine": (".engine",),
    "coreml": (".mlpackage", ".mlmodel"),
    "saved_model": ("_saved_model",),
    "pb": (".pb",),
    "edgetpu": ("_edgetpu.tflite",),
    "tflite": (".tflite",),
    "paddle": ("_paddle_model",),
    "mnn": (".mnn",),
    "ncnn": ("_ncnn_model",),
    "imx": ("_imx_model",),
    "rknn": ("_rknn_model",),
}

# format -> module whose `Backend` class runs it. One line per format.
BACKENDS: dict[str, str] = {
    "torch": "ultralytics_clone.nn.backends.torch",
    "torchscript": "ultralytics_clone.nn.backends.torchscript",
    "onnx": "ultralytics_clone.nn.backends.onnx",
    "openvino": "ultralytics_clone.nn.backends.openvino",
    "ncnn": "ultralytics_clone.nn.backends.ncnn",
}


def model_format(model: str | Path) -> str | None:
    """The format a model file or folder name announces ('onnx', 'openvino', ...), or None when it names none."""
    name = str(model).rstrip("/\\").lower()
    for fmt, endings in sorted(FORMATS.items(), key=lambda kv: -max(len(e) for e in kv[1])):  # longest ending first
        if name.endswith(endings):
            return fmt
    return None


__all__ = ["BACKENDS", "FORMATS", "model_format"]
