"""OpenVINO export: ONNX -> OpenVINO IR (.xml + .bin) in a `*_openvino_model/` folder, FP32, FP16 or NNCF INT8."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.export import require, staged, write_metadata_yaml
from ultralytics_clone.utils.export.onnx import export_onnx


def export_openvino(model: nn.Module, im: torch.Tensor, folder: Path, metadata: dict[str, Any], half: bool = False,
                    dynamic: bool = False, n_outputs: int = 1, calibration: Iterable[np.ndarray] | None = None,
                    head_index: int | None = None) -> Path:  # fmt: skip
    """Write `folder` with `<stem>.xml`, `<stem>.bin` and metadata.yaml; INT8 when `calibration` images are given."""
    ov = require("openvino", "OpenVINO export")
    stem = folder.name.removesuffix("_openvino_model").removesuffix("_int8")
    with staged(folder, folder=True) as tmp:
        onnx_file = export_onnx(model, im, tmp / f"{stem}.onnx", metadata, dynamic=dynamic, simplify=False,
                                n_outputs=n_outputs)  # fmt: skip
        ov_model = ov.convert_model(str(onnx_file))
        onnx_file.unlink()
        if calibration is not None:
            ov_model = _quantize(ov_model, calibration, head_index)
        for k, v in metadata.items():  # also inside the IR, for runtimes that never see metadata.yaml
            ov_model.set_rt_info(str(v), ["model_info", k])
        ov.save_model(ov_model, str(tmp / f"{stem}.xml"), compress_to_fp16=half and calibration is None)
        write_metadata_yaml(tmp, metadata)
    return folder


def _quantize(ov_model: Any, calibration: Iterable[np.ndarray], head_index: int | None) -> Any:
    """NNCF post-training INT8 quantisation (mixed preset) of the backbone and neck; the head (its last convolutions,
    DFL, box decoding and scores: a small share of the compute, most of the accuracy loss) stays in float."""
    nncf = require("nncf", "int8=True for OpenVINO")
    images = list(calibration)
    LOGGER.info(f"OpenVINO INT8: calibrating on {len(images)} images with NNCF {nncf.__version__}...")
    ignored = None
    if head_index is not None:
        ignored = nncf.IgnoredScope(patterns=[rf".*/model\.{head_index}/.*"], validate=False)
    return nncf.quantize(ov_model, nncf.Dataset(images), preset=nncf.QuantizationPreset.MIXED,
                         subset_size=len(images), ignored_scope=ignored)  # fmt: skip
