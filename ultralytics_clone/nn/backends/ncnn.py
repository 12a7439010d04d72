"""NCNN backend (`*_ncnn_model/` with model.ncnn.param/.bin and metadata.yaml); NCNN runs one image per call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.nn.backends.exported import ExportedBackend, missing_metadata
from ultralytics_clone.utils.export import require


class NCNNBackend(ExportedBackend):
    format = "ncnn"

    def __init__(self, weights: str | Path, device: torch.device, fp16: bool = False, **kwargs: Any) -> None:
        super().__init__(weights, device, fp16)
        self._ncnn = require("ncnn", "Running NCNN models")
        folder = self.weights if self.weights.is_dir() else self.weights.parent
        param, meta = folder / "model.ncnn.param", folder / "metadata.yaml"
        if not param.is_file() or not meta.is_file():
            raise missing_metadata(folder, "model.ncnn.param and metadata.yaml")
        self._set_metadata(meta.read_text(encoding="utf-8"), str(meta))
        self.model = self.net = self._ncnn.Net()
        self.net.opt.use_vulkan_compute = False
        self.net.opt.num_threads = torch.get_num_threads()  # as many as torch uses (NCNN would take every core)
        self.net.load_param(str(param))
        self.net.load_model(str(folder / "model.ncnn.bin"))
        self.input_name = self.net.input_names()[0]
        self.output_names = sorted(self.net.output_names())

    def _run(self, im: torch.Tensor) -> list[torch.Tensor]:
        per_image = []
        for x in self.to_numpy(im):  # NCNN's Mat has no batch axis: one extractor per image
            ex = self.net.create_extractor()
            ex.input(self.input_name, self._ncnn.Mat(np.ascontiguousarray(x)))
            per_image.append([torch.from_numpy(np.array(ex.extract(n)[1], dtype=np.float32)) for n in self.output_names])
        return [torch.stack(outs) for outs in zip(*per_image)]


Backend = NCNNBackend  # the name nn.backends.BACKENDS looks up
