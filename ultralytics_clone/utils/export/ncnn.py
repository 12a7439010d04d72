"""NCNN export: TorchScript -> pnnx -> `model.ncnn.param` / `model.ncnn.bin` in a `*_ncnn_model/` folder."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils.errors import ExportError
from ultralytics_clone.utils.export import require, staged, write_metadata_yaml
from ultralytics_clone.utils.export.torchscript import trace


def export_ncnn(model: nn.Module, im: torch.Tensor, folder: Path, metadata: dict[str, Any], half: bool = False) -> Path:
    """Write `folder` with model.ncnn.param, model.ncnn.bin and metadata.yaml (FP16 weight storage when `half`)."""
    pnnx = require("pnnx", "NCNN export")
    require("ncnn", "NCNN export")
    with staged(folder, folder=True) as tmp:
        tmp = tmp.resolve()  # pnnx runs inside `work`, so every path it gets is absolute
        work = tmp / ".pnnx"
        work.mkdir()
        ts_file = work / "model.torchscript"
        trace(model, im).save(str(ts_file))
        shape = ",".join(str(int(s)) for s in im.shape)
        cmd = [pnnx.EXEC_PATH, str(ts_file), f"inputshape=[{shape}]", f"fp16={int(half)}", "device=cpu",
               f"ncnnparam={tmp / 'model.ncnn.param'}", f"ncnnbin={tmp / 'model.ncnn.bin'}",
               *(f"{k}={work / v}" for k, v in (("pnnxparam", "m.pnnx.param"), ("pnnxbin", "m.pnnx.bin"),
                                                ("pnnxpy", "m_pnnx.py"), ("pnnxonnx", "m.pnnx.onnx"),
                                                ("ncnnpy", "m_ncnn.py")))]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
        if run.returncode != 0 or not (tmp / "model.ncnn.param").exists():
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            raise ExportError(f"pnnx could not convert the model to NCNN (exit {run.returncode}): {' '.join(tail)}")
        for f in sorted(work.iterdir()):
            f.unlink()
        work.rmdir()
        write_metadata_yaml(tmp, metadata)
    return folder
