"""OpenVINO backend (`*_openvino_model/` with one .xml/.bin pair and metadata.yaml), run on the CPU plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.nn.backends.exported import ExportedBackend, missing_metadata
from ultralytics_clone.utils.export import require


class OpenVINOBackend(ExportedBackend):
    format = "openvino"

    def __init__(self, weights: str | Path, device: torch.device, fp16: bool = False, **kwargs: Any) -> None:
        super().__init__(weights, device, fp16)
        ov = require("openvino", "Running OpenVINO models")
        folder = self.weights if self.weights.is_dir() else self.weights.parent
        xmls = sorted(folder.glob("*.xml"))
        meta = folder / "metadata.yaml"
        if not xmls or not meta.is_file():
            raise missing_metadata(folder, "model .xml and metadata.yaml")
        self._set_metadata(meta.read_text(encoding="utf-8"), str(meta))
        core = ov.Core()
        model = core.read_model(str(xmls[0]))
        if model.inputs[0].get_partial_shape().is_dynamic:
            self.metadata["dynamic"] = self.dynamic = True
        config = {"PERFORMANCE_HINT": "LATENCY"}
        if not self.metadata.get("half"):  # the CPU plugin would otherwise run FP32 models in bf16 where it can
            config["INFERENCE_PRECISION_HINT"] = "f32"
        self.model = self.compiled = core.compile_model(model, "CPU", config)
        self.request = self.compiled.create_infer_request()

    def _run(self, im: torch.Tensor) -> list[torch.Tensor]:
        self.request.infer({0: self.to_numpy(im)})
        return [torch.from_numpy(np.array(self.request.get_output_tensor(i).data, dtype=np.float32))
                for i in range(len(self.compiled.outputs))]  # fmt: skip


Backend = OpenVINOBackend  # the name nn.backends.BACKENDS looks up
