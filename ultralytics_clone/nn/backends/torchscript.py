"""TorchScript backend (.torchscript): torch.jit.load with the metadata from the `config.txt` extra file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ultralytics_clone.nn.backends.exported import ExportedBackend, missing_metadata


class TorchScriptBackend(ExportedBackend):
    format = "torchscript"

    def __init__(self, weights: str | Path, device: torch.device, fp16: bool = False, **kwargs: Any) -> None:
        super().__init__(weights, device, fp16)
        extra = {"config.txt": ""}
        self.model = torch.jit.load(str(self.weights), _extra_files=extra, map_location=self.device).eval()
        if not extra["config.txt"]:
            raise missing_metadata(self.weights, "config.txt metadata")
        self._set_metadata(extra["config.txt"], str(self.weights))
        self.dtype = torch.float16 if self.metadata.get("half") else torch.float32

    @torch.no_grad()
    def _run(self, im: torch.Tensor) -> list[torch.Tensor]:
        y = self.model(im.to(self.device, self.dtype))
        return [t.float() for t in (y if isinstance(y, (list, tuple)) else [y])]


Backend = TorchScriptBackend  # the name nn.backends.BACKENDS looks up
