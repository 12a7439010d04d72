"""TorchScript export: a traced module with the metadata as the extra file `config.txt` (JSON)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils.export import staged

METADATA_FILE = "config.txt"


def trace(model: nn.Module, im: torch.Tensor) -> torch.jit.ScriptModule:
    """torch.jit.trace without the sanity re-run (the head caches its anchors, which the check reads as a change)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer / deprecation warnings about the traced head are expected
        return torch.jit.trace(model, im, strict=False, check_trace=False)


def export_torchscript(model: nn.Module, im: torch.Tensor, file: Path, metadata: dict[str, Any],
                       optimize: bool = False) -> Path:  # fmt: skip
    """Write `file` (.torchscript); `optimize` applies the mobile optimisation passes (CPU only)."""
    ts = trace(model, im)
    extra = {METADATA_FILE: json.dumps(metadata)}
    with staged(file) as tmp:
        if optimize:
            from torch.utils.mobile_optimizer import optimize_for_mobile

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ts = optimize_for_mobile(ts)  # saved as a full TorchScript file, so torch.jit.load still reads it
        ts.save(str(tmp), _extra_files=extra)
    return file
