"""ONNX backend (.onnx) through onnxruntime; the CUDA provider when the device is CUDA and onnxruntime has it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.nn.backends.exported import ExportedBackend, missing_metadata
from ultralytics_clone.utils.export import require


class OnnxBackend(ExportedBackend):
    format = "onnx"

    def __init__(self, weights: str | Path, device: torch.device, fp16: bool = False, **kwargs: Any) -> None:
        super().__init__(weights, device, fp16)
        ort = require("onnxruntime", "Running .onnx models")
        providers = ["CPUExecutionProvider"]
        if self.device.type == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": self.device.index or 0}))
        self.model = self.session = ort.InferenceSession(str(self.weights), providers=providers)
        props = self.session.get_modelmeta().custom_metadata_map
        if not props:
            raise missing_metadata(self.weights, "metadata properties")
        self._set_metadata(dict(props), str(self.weights))
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.dtype = np.float16 if "float16" in inp.type else np.float32
        if not all(isinstance(d, int) for d in inp.shape):
            self.metadata["dynamic"] = self.dynamic = True
        self.output_names = [o.name for o in self.session.get_outputs()]

    def _run(self, im: torch.Tensor) -> list[torch.Tensor]:
        outs = self.session.run(self.output_names, {self.input_name: self.to_numpy(im, self.dtype)})
        return [torch.from_numpy(np.asarray(o, dtype=np.float32)) for o in outs]


Backend = OnnxBackend  # the name nn.backends.BACKENDS looks up
