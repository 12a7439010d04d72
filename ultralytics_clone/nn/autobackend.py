"""AutoBackend: the one way engines turn "an nn.Module, a checkpoint path or an exported file" into a ready model.

The format comes from the name (nn.backends.FORMATS); the module registered for it in nn.backends.BACKENDS loads
it. AutoBackend then exposes what every engine needs, whatever the format: stride, names, task, imgsz, fp16,
device, metadata, warmup() and forward(im).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ultralytics_clone.nn.backends import BACKENDS, FORMATS, model_format
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import ConfigError, ModelConfigError


def check_class_names(names: Any) -> dict[int, str]:
    """Class names as {int: str}: accepts a list, a dict with int or numeric-string keys, or None (empty)."""
    if names is None:
        return {}
    if isinstance(names, (list, tuple)):
        names = dict(enumerate(names))
    if not isinstance(names, dict):
        raise ModelConfigError(f"class names must be a list or a dict, got {type(names).__name__}: {names!r:.80}")
    names = {int(k): str(v) for k, v in names.items()}
    n = len(names)
    if names and max(names) >= n:
        raise ModelConfigError(f"class indices must run 0..{n - 1} for {n} names; got up to {max(names)}.")
    return names


def default_class_names(data: Any = None, nc: int = 999) -> dict[int, str]:
    """Names from a data YAML when one is given and readable, else {i: 'class{i}'} for i < nc."""
    if data:
        try:
            from ultralytics_clone.utils.checks import check_yaml
            from ultralytics_clone.utils.files import yaml_load

            return check_class_names(yaml_load(check_yaml(data))["names"])
        except Exception:  # any unreadable YAML falls back to generic names
            LOGGER.debug(f"default_class_names: could not read names from '{data}'")
    return {i: f"class{i}" for i in range(nc)}


def backend_for(model: str | Path | nn.Module) -> str:
    """The format name of `model` ('torch' for an nn.Module); ConfigError for a name no format claims."""
    if isinstance(model, nn.Module):
        return "torch"
    fmt = model_format(model)
    if fmt is None:
        known = ", ".join(e for endings in FORMATS.values() for e in endings)
        raise ConfigError(f"model='{model}' is not a model file this package recognises; names ending in {known}.")
    return fmt


def _backend_class(fmt: str, model: Any) -> type:
    """The Backend class registered for `fmt`; ConfigError naming the format when none is registered."""
    if fmt not in BACKENDS:
        have = ", ".join(sorted(BACKENDS))
        raise ConfigError(
            f"model='{model}' is in the {fmt} format, which this release of ultralytics_clone cannot run (formats "
            f"with a backend: {have}). Predict or validate with the .pt it was exported from."
        )
    return importlib.import_module(BACKENDS[fmt]).Backend


class AutoBackend(nn.Module):
    """A ready inference model on `device`: `AutoBackend("best.pt")(im)` -> the raw predictions of a BCHW 0-1 batch.

    Attributes: backend (the format's Backend), format, model (its network or runtime object), stride (int), names,
    task, imgsz, batch, ch (input channels), end2end, fp16, nhwc, dynamic, device, metadata, pt (True for PyTorch),
    prefers_channels_last.
    """

    def __init__(self, model: str | Path | nn.Module = "yolo26n.pt", device: torch.device | str | None = None,
                 dnn: bool = False, data: Any = None, fp16: bool = False, fuse: bool = True, verbose: bool = True,
                 channels_last: bool | None = None, end2end: bool | None = None) -> None:  # fmt: skip
        super().__init__()
        from ultralytics_clone.utils.torch_utils import select_device

        device = device if isinstance(device, torch.device) else select_device(device or "", verbose=False)
        fp16 = bool(fp16) and device.type == "cuda"
        self.format = backend_for(model)
        if self.format != "torch" and not Path(str(model)).exists():
            from ultralytics_clone.utils.errors import SourceError

            raise SourceError(f"{self.format} model '{model}' does not exist (resolved to '{Path(model).resolve()}').")
        backend_cls = _backend_class(self.format, model)
        self.backend = backend_cls(model, device=device, fp16=fp16, fuse=fuse, verbose=verbose, dnn=dnn, data=data,
                                   channels_last=channels_last, end2end=end2end)  # fmt: skip
        self.device = device
        self.pt = self.format == "torch"
        self.fp16 = bool(getattr(self.backend, "fp16", False))
        self.nhwc = bool(getattr(self.backend, "nhwc", False))
        self.dynamic = bool(getattr(self.backend, "dynamic", True))
        self.channels_last = bool(channels_last) and self.pt
        meta = dict(self.backend.metadata or {})
        self.metadata = meta
        self.stride = int(meta.get("stride") or 32)
        names = meta.get("names")
        self.names = check_class_names(names) if names else default_class_names(data)
        self.task = meta.get("task") or _guess_task(model)
        imgsz = meta.get("imgsz") or 640
        self.imgsz = [imgsz, imgsz] if isinstance(imgsz, int) else list(imgsz)
        self.batch = int(meta.get("batch") or 1)
        self.ch = int(meta.get("channels") or 3)
        self.end2end = bool(meta.get("end2end", False)) if end2end is None else bool(end2end)
        self.args = meta.get("args") or {}
        if isinstance(self.backend.model, nn.Module):
            self.model = self.backend.model  # registered, so .to()/.half()/state_dict reach the network
            if self.channels_last:
                self.model = self.model.to(memory_format=torch.channels_last)
        else:
            self.__dict__["model"] = self.backend.model
        self._warm = False
        if verbose:
            LOGGER.info(f"Loaded {self.format} model {model if isinstance(model, (str, Path)) else type(model).__name__}"
                        f" on {device} ({'half' if self.fp16 else 'float'}, stride {self.stride}, {len(self.names)} "
                        "classes)")  # fmt: skip

    @property
    def prefers_channels_last(self) -> bool:
        """The network runs channels-last (PyTorch on CPU): an input already in that layout skips one reorder."""
        return self.pt and (self.channels_last or bool(getattr(self.backend, "channels_last", False)))

    def forward(self, im: torch.Tensor, augment: bool = False, embed: list[int] | None = None, **kwargs: Any) -> Any:
        """Raw predictions of a BCHW 0-1 batch (cast to the backend's precision and layout); numpy outputs become
        tensors on the device."""
        if self.fp16 and im.dtype != torch.float16:
            im = im.half()
        elif not self.fp16 and im.dtype == torch.float16:
            im = im.float()
        if self.channels_last:
            im = im.contiguous(memory_format=torch.channels_last)
        if self.nhwc:
            im = im.permute(0, 2, 3, 1)
        y = self.backend.forward(im, augment=augment, embed=embed, **kwargs)
        if self.pt:
            return y
        if isinstance(y, (list, tuple)):
            y = [self.from_numpy(x) for x in y]
            return y[0] if len(y) == 1 and not embed else y
        return self.from_numpy(y)

    def from_numpy(self, x: Any) -> Any:
        """A numpy array as a tensor on the device; anything else unchanged."""
        return torch.from_numpy(x).to(self.device) if isinstance(x, np.ndarray) else x

    def warmup(self, imgsz: tuple[int, ...] = (1, 3, 640, 640), im: torch.Tensor | None = None) -> None:
        """Run one dummy batch through the model, once (on GPUs and for exported formats; CPU PyTorch needs none)."""
        if self._warm or (self.pt and self.device.type == "cpu"):
            return
        if im is None:
            im = torch.zeros(*imgsz, dtype=torch.float16 if self.fp16 else torch.float32, device=self.device)
        with torch.no_grad():
            self.forward(im)
        self._warm = True

    def eval(self) -> AutoBackend:
        """Inference mode (the network is always in eval mode; kept for nn.Module compatibility)."""
        if isinstance(self.__dict__.get("_modules", {}).get("model"), nn.Module):
            self.model.eval()
        return self

    def fuse(self, verbose: bool = True) -> AutoBackend:
        """Already fused at load time (fuse=True); kept for callers that fuse whatever they are given."""
        return self


def _guess_task(model: Any) -> str:
    from ultralytics_clone.nn.tasks import guess_model_task

    return guess_model_task(model)


__all__ = ["AutoBackend", "check_class_names", "default_class_names"]
