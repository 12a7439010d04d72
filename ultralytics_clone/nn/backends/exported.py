"""ExportedBackend: what every exported-model backend shares. It reads the embedded metadata, and makes a static
export accept any input: images are letterboxed to its size (scaled, padded right/bottom) and a batch larger than
its batch is split, then boxes are mapped back, so callers see the output the PyTorch model gives.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ultralytics_clone.nn.backends import base
from ultralytics_clone.utils.errors import CheckpointError

PAD = 114 / 255  # the letterbox grey, as the preprocessing pads
_BOOL_KEYS = ("half", "int8", "nms", "end2end", "dynamic")


def parse_metadata(raw: Any, source: str) -> dict[str, Any]:
    """Embedded metadata (text, bytes or ONNX's string map) -> typed dict, safely (nn.weights.read_metadata)."""
    from ultralytics_clone.nn.weights import read_metadata

    meta = read_metadata(raw, source)
    for k in _BOOL_KEYS:
        if isinstance(meta.get(k), str):
            meta[k] = meta[k].strip().lower() == "true"
    names = meta.get("names") or {}
    if isinstance(names, list):
        names = dict(enumerate(names))
    meta["names"] = {int(k): str(v) for k, v in names.items()}
    for k in ("stride", "batch", "channels"):
        if meta.get(k) is not None:
            meta[k] = int(meta[k])
    imgsz = meta.get("imgsz") or [640, 640]
    meta["imgsz"] = [int(imgsz), int(imgsz)] if isinstance(imgsz, (int, str)) else [int(s) for s in imgsz]
    return meta


class ExportedBackend(base.Backend):
    """Base of the torchscript / onnx / openvino / ncnn backends. Subclasses set `metadata` and implement `_run`."""

    format = ""

    def __init__(self, weights: str | Path, device: torch.device, fp16: bool = False, fuse: bool = True,
                 verbose: bool = True, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(weights, device, fp16, fuse, verbose)
        self.weights = Path(weights)
        if not self.weights.exists():
            raise FileNotFoundError(f"exported model '{weights}' does not exist.")
        self.device = torch.device(device)

    def _set_metadata(self, raw: Any, source: str) -> None:
        """Parse the embedded metadata; `end2end` also covers an embedded NMS (rows are final detections)."""
        self.metadata = parse_metadata(raw, source)
        self.metadata["end2end"] = bool(self.metadata.get("end2end") or self.metadata.get("nms"))
        self.dynamic = bool(self.metadata.get("dynamic", False))

    # -------------------------------------------------------------------------------------------------- metadata
    @property
    def task(self) -> str:
        return self.metadata.get("task", "detect")

    @property
    def imgsz(self) -> list[int]:
        return self.metadata.get("imgsz", [640, 640])

    @property
    def batch(self) -> int:
        return int(self.metadata.get("batch", 1))

    @property
    def end2end(self) -> bool:
        """Output rows are final detections (embedded NMS or an NMS-free head): only thresholding remains."""
        return bool(self.metadata.get("end2end"))

    # --------------------------------------------------------------------------------------------------- forward
    @abstractmethod
    def _run(self, im: torch.Tensor) -> list[torch.Tensor]:
        """One call of the runtime on `im` (already at the export's shape unless dynamic); outputs as tensors."""

    def forward(self, im: torch.Tensor, **kwargs: Any) -> torch.Tensor | list[torch.Tensor]:
        """Tensor[B, C, H, W] float 0-1 -> the PyTorch model's export output (one tensor, or [preds, proto])."""
        if self.dynamic:
            outs = self._run(im)
        else:
            outs = self._static(im)
        outs = [o.to(self.device) for o in outs]
        return outs[0] if len(outs) == 1 else outs

    def _static(self, im: torch.Tensor) -> list[torch.Tensor]:
        """Letterbox to the export's size, run in chunks of its batch, then map the outputs back to `im`'s frame."""
        b, _, h, w = im.shape
        (eh, ew), eb = self.imgsz, self.batch
        r = min(eh / h, ew / w)
        x = im
        if (h, w) != (eh, ew):
            if self.task == "classify":
                x, r = F.interpolate(x, size=(eh, ew), mode="bilinear", align_corners=False), 1.0
            else:
                if r != 1:
                    x = F.interpolate(x, size=(round(h * r), round(w * r)), mode="bilinear", align_corners=False)
                x = F.pad(x, (0, ew - x.shape[3], 0, eh - x.shape[2]), value=PAD)
        chunks = []
        for i in range(0, b, eb):
            part = x[i : i + eb]
            n = part.shape[0]
            if n < eb:
                part = torch.cat((part, part.new_zeros((eb - n, *part.shape[1:]))))
            chunks.append([o[:n] for o in self._run(part)])
        outs = [torch.cat(parts) for parts in zip(*chunks)]
        return self._unletterbox(outs, r, (h, w)) if (h, w) != (eh, ew) and self.task != "classify" else outs

    def _unletterbox(self, outs: list[torch.Tensor], r: float, hw: tuple[int, int]) -> list[torch.Tensor]:
        """Undo the scale r on box (and keypoint) coordinates; crop/resize segment prototypes to `hw`'s frame."""
        y = outs[0].clone()
        nc = len(self.metadata.get("names") or {})
        if self.end2end:  # rows: x1, y1, x2, y2, score, class, extra...
            y[..., :4] /= r
            if self.task == "pose":
                y[..., 6::3] /= r
                y[..., 7::3] /= r
        else:  # Tensor[B, 4 + nc + extra, A]
            y[:, :4] /= r
            if self.task == "pose":
                y[:, 4 + nc :: 3] /= r
                y[:, 5 + nc :: 3] /= r
        outs = [y, *outs[1:]]
        if self.task == "segment" and len(outs) > 1:
            proto = outs[1]
            (eh, ew), (ph, pw) = self.imgsz, proto.shape[2:]
            crop = proto[..., : math.ceil(hw[0] * r * ph / eh), : math.ceil(hw[1] * r * pw / ew)]
            size = (round(hw[0] * ph / eh), round(hw[1] * pw / ew))
            outs[1] = crop if crop.shape[2:] == size else F.interpolate(crop, size=size, mode="bilinear")
        return outs

    @staticmethod
    def to_numpy(im: torch.Tensor, dtype: Any = np.float32) -> np.ndarray:
        return np.ascontiguousarray(im.detach().cpu().numpy().astype(dtype, copy=False))


def missing_metadata(path: Path, what: str) -> CheckpointError:
    """The error for an export without the metadata this library embeds."""
    return CheckpointError(f"'{path}' has no {what}; it was not exported by ultralytics_clone (or Ultralytics). "
                           "Export it again with YOLO('model.pt').export(...).")  # fmt: skip


def read_exported_metadata(weights: str | Path) -> dict[str, Any]:
    """The embedded metadata of an exported model without starting its runtime ({} when there is none)."""
    path = Path(str(weights))
    name = str(weights).rstrip("/\\")
    if name.endswith(("_openvino_model", "_ncnn_model")) and (path / "metadata.yaml").is_file():
        return parse_metadata((path / "metadata.yaml").read_text(encoding="utf-8"), str(path / "metadata.yaml"))
    if name.endswith(".onnx") and path.is_file():
        import onnx
        from google.protobuf.message import DecodeError

        try:
            props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
        except DecodeError:  # not an ONNX file: the backend says so when the model is run
            return {}
        return parse_metadata(props, name) if props else {}
    if name.endswith(".torchscript") and path.is_file():
        import zipfile

        if not zipfile.is_zipfile(path):
            return {}
        with zipfile.ZipFile(path) as z:
            entry = next((n for n in z.namelist() if n.endswith("extra/config.txt")), None)
            return parse_metadata(z.read(entry), name) if entry else {}
    return {}
