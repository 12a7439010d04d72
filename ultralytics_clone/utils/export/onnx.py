"""ONNX export through torch.onnx (TorchScript-based exporter), optional onnxslim, metadata as model props (JSON)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.export import metadata_strings, require, staged


def best_opset() -> int:
    """The newest opset the installed torch's TorchScript-based ONNX exporter supports (capped by onnx's own)."""
    from torch.onnx import _constants

    newest = getattr(_constants, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", None) or _constants.ONNX_DEFAULT_OPSET
    try:
        import onnx

        newest = min(newest, onnx.defs.onnx_opset_version())
    except ImportError:
        pass
    return int(newest)


def dynamic_axes(task: str, n_outputs: int, nms: bool) -> dict[str, dict[int, str]]:
    """Batch, height and width of the input dynamic; the matching axes of each output."""
    axes = {"images": {0: "batch", 2: "height", 3: "width"}}
    if task == "classify" or nms:
        axes["output0"] = {0: "batch"}
    else:
        axes["output0"] = {0: "batch", 2: "anchors"}
    if n_outputs > 1:
        axes["output1"] = {0: "batch", 2: "mask_height", 3: "mask_width"}
    return axes


def export_onnx(model: nn.Module, im: torch.Tensor, file: Path, metadata: dict[str, Any], opset: int | None = None,
                dynamic: bool = False, simplify: bool = True, n_outputs: int = 1) -> Path:  # fmt: skip
    """Write `file` (.onnx) from a traced forward of `model` on `im`; returns `file`."""
    onnx = require("onnx", "ONNX export")
    opset = int(opset or best_opset())
    task, nms = metadata.get("task", "detect"), bool(metadata.get("nms"))
    names = [f"output{i}" for i in range(n_outputs)]  # output1: the mask prototypes of segment models
    with staged(file) as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # legacy-exporter deprecation and tracer warnings
            torch.onnx.export(model, im, str(tmp), opset_version=opset, do_constant_folding=True, dynamo=False,
                              input_names=["images"], output_names=names,
                              dynamic_axes=dynamic_axes(task, n_outputs, nms) if dynamic else None)  # fmt: skip
        proto = onnx.load(str(tmp))
        if simplify:
            proto = _slim(proto)
        onnx.checker.check_model(proto)
        for k, v in metadata_strings(metadata).items():
            prop = proto.metadata_props.add()
            prop.key, prop.value = k, v
        onnx.save(proto, str(tmp))
    return file


def _slim(proto: Any) -> Any:
    """onnxslim's graph simplification (constant folding, dead nodes, fused patterns); the input graph on failure."""
    onnxslim = require("onnxslim", "simplify=True for ONNX")
    try:
        return onnxslim.slim(proto)
    except Exception as e:  # a simplifier bug must not lose the export; the plain graph is still correct
        LOGGER.warning(f"onnxslim could not simplify the graph ({e}); writing it unsimplified.")
        return proto
