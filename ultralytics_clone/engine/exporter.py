"""Exporter: checks the export arguments, prepares the network, embeds metadata and hands over to the per-format
writer in utils/export/. Formats of this release: torchscript, onnx, openvino, ncnn.

    YOLO("yolo11n.pt").export(format="onnx", dynamic=True)      # -> 'yolo11n.onnx'
    yolo export model=yolo11n.pt format=openvino int8=True data=shapes-det.yaml
"""

from __future__ import annotations

import copy
import functools
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.callbacks import CallbackMixin
from ultralytics_clone.utils.errors import ExportError
from ultralytics_clone.utils.export.nms import NMSModel

# (display name, format argument, suffix, CPU, GPU): the reference's list; SUPPORTED marks what this release writes.
_FORMATS = [
    ("PyTorch", "-", ".pt", True, True), ("TorchScript", "torchscript", ".torchscript", True, True),
    ("ONNX", "onnx", ".onnx", True, True), ("OpenVINO", "openvino", "_openvino_model", True, False),
    ("TensorRT", "engine", ".engine", False, True), ("CoreML", "coreml", ".mlpackage", True, False),
    ("TensorFlow SavedModel", "saved_model", "_saved_model", True, True), ("TensorFlow GraphDef", "pb", ".pb", True, True),
    ("TensorFlow Lite", "tflite", ".tflite", True, False), ("TensorFlow Edge TPU", "edgetpu", "_edgetpu.tflite", True, False),
    ("TensorFlow.js", "tfjs", "_web_model", True, False), ("PaddlePaddle", "paddle", "_paddle_model", True, True),
    ("MNN", "mnn", ".mnn", True, True), ("NCNN", "ncnn", "_ncnn_model", True, True),
    ("IMX", "imx", "_imx_model", True, True), ("RKNN", "rknn", "_rknn_model", False, False),
    ("ExecuTorch", "executorch", "_executorch_model", True, False), ("LiteRT", "litert", ".tflite", True, False),
]  # fmt: skip
SUPPORTED = ("torchscript", "onnx", "openvino", "ncnn")
FP16_FORMATS = frozenset({"onnx", "openvino", "ncnn", "torchscript"})
INT8_FORMATS = frozenset({"openvino"})
DYNAMIC_FORMATS = frozenset({"onnx", "openvino"})
ALIASES = {"pt": "torchscript", "ts": "torchscript", "ov": "openvino", "trt": "engine", "tensorrt": "engine"}
# Arguments recorded in the metadata of every export.
_META_ARGS = ("format", "imgsz", "batch", "half", "int8", "dynamic", "simplify", "opset", "nms", "optimize", "conf",
              "iou", "max_det", "agnostic_nms")  # fmt: skip


def export_formats() -> dict[str, list]:
    """Every format the reference knows, as columns: Format, Argument, Suffix, CPU, GPU, and Supported (here)."""
    cols = ("Format", "Argument", "Suffix", "CPU", "GPU")
    table = {c: [row[i] for row in _FORMATS] for i, c in enumerate(cols)}
    table["Supported"] = [row[1] in SUPPORTED or row[1] == "-" for row in _FORMATS]
    return table


def validate_args(format: str, passed_args: dict[str, Any], valid_args: tuple[str, ...]) -> None:
    """ExportError when a True-ish argument is passed that `format` does not use."""
    for key in ("half", "int8", "dynamic", "nms", "optimize"):
        if passed_args.get(key) and key not in valid_args:
            raise ExportError(f"{key}=True is not supported for format='{format}'; it accepts {', '.join(valid_args)}.")


def try_export(inner_func):
    """Decorator: log the finished export's time, path and size."""

    @functools.wraps(inner_func)
    def wrapper(*args, **kwargs):
        t0 = time.time()
        path = inner_func(*args, **kwargs)
        from ultralytics_clone.utils.files import file_size

        LOGGER.info(f"export success ✅ {time.time() - t0:.1f}s, saved as '{path}' ({file_size(path):.1f} MB)")
        return path

    return wrapper


class Exporter(CallbackMixin):
    """`Exporter(overrides={"format": "onnx"})(model)` -> path of the written file or folder (str).

    Fires on_export_start / on_export_end. Nothing partial is left on failure: each format writes to a temp path
    beside the target and renames it into place.
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg

        self.args = get_cfg(cfg if cfg is not None else DEFAULT_CFG, overrides)
        self.model: nn.Module | None = None
        self.file: Path | None = None
        self.im: torch.Tensor | None = None
        self.metadata: dict[str, Any] = {}
        self.pretty_name = ""
        self._init_callbacks(_callbacks)

    # ------------------------------------------------------------------------------------------------------ call
    def __call__(self, model: nn.Module | str | Path | None = None) -> str:
        """Export `model` (an nn.Module or a .pt path; args.model when None)."""
        self.run_callbacks("on_export_start")
        fmt = check_format(self.args.format)
        self.args.format = fmt
        model = self._load(model)
        device = self._device(fmt)
        self._check_args(fmt, model, device)
        self.model = self._prepare(model, device, fmt)
        stride = int(max(getattr(self.model, "stride", torch.tensor([32])).max().item(), 32))
        from ultralytics_clone.utils.checks import check_imgsz

        imgsz = check_imgsz(self.args.imgsz, stride=stride, min_dim=2)
        ch = int((getattr(self.model, "yaml", None) or {}).get("channels", 3))
        self.im = torch.zeros(self.args.batch, ch, *imgsz, device=device)
        if self.args.half and device.type == "cuda" and fmt in {"onnx", "torchscript"}:
            self.im, self.model = self.im.half(), self.model.half()
        self.file = self._output_path(model, fmt)
        runner = NMSModel(self.model, self.args) if self.args.nms and not self._end2end() else self.model
        with torch.no_grad():
            y = runner(self.im)  # dry run: builds the anchors and checks the graph runs
        n_outputs = len(y) if isinstance(y, (list, tuple)) else 1
        self.metadata = self._metadata(model, fmt, imgsz, stride, ch)
        LOGGER.info(f"Exporting {self.pretty_name} to {fmt} with input {tuple(self.im.shape)}, "
                    f"output {tuple(y.shape) if n_outputs == 1 else [tuple(t.shape) for t in y]}...")  # fmt: skip
        path = getattr(self, f"export_{fmt}")(runner, n_outputs)
        self.run_callbacks("on_export_end")
        return str(path)

    # ------------------------------------------------------------------------------------------------- formats
    @try_export
    def export_torchscript(self, model: nn.Module, n_outputs: int = 1) -> Path:
        from ultralytics_clone.utils.export.torchscript import export_torchscript

        return export_torchscript(model, self.im, self.file, self.metadata, optimize=self.args.optimize)

    @try_export
    def export_onnx(self, model: nn.Module, n_outputs: int = 1) -> Path:
        from ultralytics_clone.utils.export.onnx import export_onnx

        return export_onnx(model, self.im, self.file, self.metadata, opset=self.args.opset, dynamic=self.args.dynamic,
                           simplify=self.args.simplify, n_outputs=n_outputs)  # fmt: skip

    @try_export
    def export_openvino(self, model: nn.Module, n_outputs: int = 1) -> Path:
        from ultralytics_clone.utils.export.openvino import export_openvino

        calibration = self.get_int8_calibration_dataloader() if self.args.int8 else None
        head = len(self.model.model) - 1 if hasattr(self.model, "model") else None
        return export_openvino(model, self.im, self.file, self.metadata, half=self.args.half,
                               dynamic=self.args.dynamic, n_outputs=n_outputs, calibration=calibration,
                               head_index=head)  # fmt: skip

    @try_export
    def export_ncnn(self, model: nn.Module, n_outputs: int = 1) -> Path:
        from ultralytics_clone.utils.export.ncnn import export_ncnn

        return export_ncnn(model, self.im, self.file, self.metadata, half=self.args.half)

    def get_int8_calibration_dataloader(self, prefix: str = "") -> list[np.ndarray]:
        """Letterboxed float images (at most 300) from data='s train split (val when it has none), batched like the export."""
        from ultralytics_clone.data.augment import LetterBox
        from ultralytics_clone.data.utils import IMG_FORMATS, hwc_to_chw, imread

        data = self._calibration_data()
        split = data.get("train") or data.get("val")
        roots = split if isinstance(split, list) else [split]
        files = sorted(p for r in roots for p in Path(r).rglob("*") if p.suffix[1:].lower() in IMG_FORMATS)[:300]
        if not files:
            raise ExportError(f"int8=True: data='{self.args.data}' has no images to calibrate on in {roots}.")
        b, _, h, w = self.im.shape
        letterbox = LetterBox((h, w), auto=False)
        ims = hwc_to_chw([letterbox(image=imread(str(f))) for f in files]).astype(np.float32) / 255
        n = len(ims) // b * b or b
        ims = np.concatenate([ims] * b)[:n] if len(ims) < b else ims[:n]
        return [ims[i : i + b] for i in range(0, n, b)]

    # ------------------------------------------------------------------------------------------------- helpers
    def _calibration_data(self) -> dict[str, Any]:
        """The data-set dict behind args.data for this model's task."""
        from ultralytics_clone.data.checks import check_cls_dataset, check_det_dataset

        task = getattr(self.model, "task", None) or self.metadata.get("task")
        return check_cls_dataset(self.args.data) if task == "classify" else check_det_dataset(self.args.data)

    def _load(self, model: Any) -> nn.Module:
        """An nn.Module as is; a checkpoint path through the restricted loader."""
        model = self.args.model if model is None else model
        if isinstance(model, nn.Module):
            return getattr(model, "model", model) if type(model).__name__ in {"YOLO", "Model"} else model
        if model is None:
            raise ExportError("nothing to export: pass a model (YOLO('best.pt').export(...) or model=best.pt).")
        from ultralytics_clone.nn.weights import load_checkpoint

        net, _ = load_checkpoint(Path(str(model)))
        return net

    def _device(self, fmt: str) -> torch.device:
        """CPU unless device= asks otherwise (openvino and ncnn always convert on CPU)."""
        from ultralytics_clone.utils.devices import select_device

        device = select_device("cpu" if self.args.device in (None, "") else self.args.device, verbose=False)
        if fmt in {"openvino", "ncnn"} and device.type != "cpu":
            LOGGER.warning(f"format='{fmt}' converts on the CPU; ignoring device={self.args.device}.")
            device = torch.device("cpu")
        return device

    def _check_args(self, fmt: str, model: nn.Module, device: torch.device) -> None:
        """One clear sentence per argument this export cannot honour; warnings where a safe fallback exists."""
        a = self.args
        if a.batch is None or int(a.batch) < 1:
            raise ExportError(f"batch={a.batch} is not valid for export; use a positive int such as 1.")
        a.batch = int(a.batch)
        if a.int8 and fmt not in INT8_FORMATS:
            raise ExportError(f"int8=True is supported for format='openvino' in this release, not format='{fmt}'.")
        if a.int8 and not a.data:
            raise ExportError("int8=True needs data= (a dataset YAML such as data=shapes-det.yaml) to calibrate the "
                              "quantisation on real images; pass data= or export without int8.")  # fmt: skip
        if a.int8 and a.half:
            LOGGER.warning("int8=True and half=True: writing INT8 (half is ignored).")
            a.half = False
        if a.half and fmt in {"onnx", "torchscript"} and device.type != "cuda":
            LOGGER.warning(f"half=True for format='{fmt}' needs a CUDA device (device={a.device or 'cpu'}); "
                           "exporting FP32 instead.")  # fmt: skip
            a.half = False
        if a.dynamic and fmt not in DYNAMIC_FORMATS:
            raise ExportError(f"dynamic=True is supported for onnx and openvino, not format='{fmt}'.")
        if a.optimize and fmt != "torchscript":
            raise ExportError(f"optimize=True (mobile optimisation) applies to format='torchscript', not '{fmt}'.")
        if a.optimize and device.type != "cpu":
            raise ExportError("optimize=True (mobile optimisation) runs on the CPU; pass device=cpu.")
        if a.optimize and not _has_xnnpack():
            raise ExportError(f"optimize=True (mobile optimisation) needs a torch build with XNNPACK; this torch "
                              f"{torch.__version__} has none. Export without optimize=True.")  # fmt: skip
        task = getattr(model, "task", None)
        if a.nms and task != "detect":
            raise ExportError(f"nms=True embeds NMS for detect models in this release; this model's task is '{task}'.")
        if a.nms and fmt == "ncnn":
            raise ExportError("nms=True is available for onnx, openvino and torchscript exports, not ncnn.")
        if fmt == "ncnn" and a.batch > 1:
            LOGGER.warning(f"batch={a.batch}: NCNN runs one image per call; exporting with batch=1 "
                           "(larger batches are split when the model runs).")  # fmt: skip
            a.batch = 1
        if a.keras:
            raise ExportError("keras=True applies to TensorFlow SavedModel exports, which this release does not write.")

    def _prepare(self, model: nn.Module, device: torch.device, fmt: str) -> nn.Module:
        """A float, fused, eval-mode copy with every head switched to its export output."""
        model = copy.deepcopy(model).to(device).float().eval()
        for p in model.parameters():
            p.requires_grad = False
        if hasattr(model, "fuse"):
            model.fuse(verbose=False)
        for m in model.modules():
            if hasattr(m, "export"):
                m.export = True
                m.format = fmt
                if hasattr(m, "dynamic"):
                    m.dynamic = bool(self.args.dynamic)
                if hasattr(m, "max_det"):
                    m.max_det = int(self.args.max_det)
        return model

    def _end2end(self) -> bool:
        """Whether the head already returns NMS-free rows (a YOLO26 head with end2end on)."""
        head = self.model.model[-1] if hasattr(self.model, "model") else None
        e2e = bool(getattr(head, "end2end", False))
        if e2e and self.args.nms:
            LOGGER.warning("nms=True: this model's head is already NMS-free (end2end); exporting it without extra NMS.")
        return e2e

    def _output_path(self, model: nn.Module, fmt: str) -> Path:
        """`<stem>.onnx`, `<stem>.torchscript`, `<stem>[_int8]_openvino_model/` or `<stem>_ncnn_model/` beside the source."""
        from ultralytics_clone.utils.files import is_dir_writeable

        src = self.args.model if isinstance(self.args.model, (str, Path)) and self.args.model else None
        src = Path(str(src)) if src else Path((getattr(model, "yaml", None) or {}).get("yaml_file", "model.pt"))
        self.pretty_name = src.name
        stem = src.stem + ("_int8" if self.args.int8 and fmt == "openvino" else "")
        suffix = next(row[2] for row in _FORMATS if row[1] == fmt)
        file = src.with_name(stem + suffix)
        if not is_dir_writeable(file.parent):
            raise ExportError(f"cannot write '{file}': the folder '{file.parent}' is not writable. Copy the model to "
                              "a writable folder and export from there.")  # fmt: skip
        return file

    def _metadata(self, model: nn.Module, fmt: str, imgsz: list[int], stride: int, ch: int) -> dict[str, Any]:
        """What a backend needs to run the export like the PyTorch model (stored per format; see utils/export)."""
        from ultralytics_clone import __version__

        head = self.model.model[-1] if hasattr(self.model, "model") else None
        meta = {
            "description": f"ultralytics_clone model exported from {self.pretty_name}",
            "author": "ultralytics_clone",
            "date": datetime.now().isoformat(timespec="seconds"),
            "version": __version__,
            "license": "Apache-2.0",
            "stride": stride,
            "task": getattr(model, "task", None) or "detect",
            "batch": self.args.batch,
            "imgsz": [int(s) for s in imgsz],
            "names": {int(k): str(v) for k, v in dict(getattr(model, "names", {}) or {}).items()},
            "channels": ch,
            "half": bool(self.args.half),
            "int8": bool(self.args.int8),
            "nms": bool(self.args.nms) and not bool(getattr(head, "end2end", False)),
            "end2end": bool(getattr(head, "end2end", False)),
            "dynamic": bool(self.args.dynamic),
            "args": {k: getattr(self.args, k) for k in _META_ARGS},
        }
        meta["args"]["imgsz"] = meta["imgsz"]
        if getattr(head, "kpt_shape", None) is not None:
            meta["kpt_shape"] = [int(k) for k in head.kpt_shape]
        return meta


def _has_xnnpack() -> bool:
    """Whether this torch build can run the mobile optimisation passes."""
    import torch.backends.xnnpack

    return bool(torch.backends.xnnpack.enabled)


def check_format(fmt: Any) -> str:
    """The lower-case format name; ExportError naming the supported ones for anything else."""
    name = ALIASES.get(str(fmt).lower().strip(), str(fmt).lower().strip())
    name = name.lstrip(".").removeprefix("_").removesuffix("_model") if name not in SUPPORTED else name
    if name in SUPPORTED:
        return name
    supported = ", ".join(SUPPORTED)
    known = {row[1] for row in _FORMATS} - {"-"}
    if name == "engine":
        raise ExportError(f"format='{fmt}' (TensorRT) needs a CUDA device with TensorRT and is not exported by this "
                          f"release; it exports {supported}.")  # fmt: skip
    if name in known:
        raise ExportError(f"format='{fmt}' is not exported by this release; it exports {supported}.")
    raise ExportError(f"format='{fmt}' is not an export format; supported: {supported}.")


__all__ = ["Exporter", "NMSModel", "export_formats", "try_export", "validate_args", "check_format",
           "FP16_FORMATS", "INT8_FORMATS"]  # fmt: skip

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
