"""benchmark(): export a model to each format this release writes, validate the export and time its inference.

    from ultralytics_clone.utils.benchmarks import benchmark
    rows = benchmark(model="yolo11n.pt", data="shapes-det.yaml", imgsz=160)   # one dict per format
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ultralytics_clone.utils import LOGGER

FORMATS = ("pytorch", "torchscript", "onnx", "openvino", "ncnn")
_NAMES = {"pytorch": "PyTorch", "torchscript": "TorchScript", "onnx": "ONNX", "openvino": "OpenVINO", "ncnn": "NCNN"}
# Metric reported per task: mAP50-95, or top-5 accuracy for classification.
_METRIC = {"detect": "metrics/mAP50-95(B)", "segment": "metrics/mAP50-95(M)", "pose": "metrics/mAP50-95(P)",
           "obb": "metrics/mAP50-95(B)", "classify": "metrics/accuracy_top5"}  # fmt: skip


def _precision(quantize: int | str | None, half: bool, int8: bool) -> tuple[bool, bool]:
    """(half, int8) after applying `quantize`; ConfigError naming the accepted values otherwise."""
    if quantize is None:
        return half, int8
    key = str(quantize).lower()
    if key in {"32", "fp32"}:
        return False, False
    if key in {"16", "fp16", "half"}:
        return True, False
    if key in {"8", "int8"}:
        return False, True
    from ultralytics_clone.utils.errors import ConfigError

    raise ConfigError(f"quantize={quantize!r} is not valid: use 32 or 'fp32', 16 or 'fp16', 8 or 'int8'.")


def benchmark(model: Any = "yolo11n.pt", data: str | None = None, imgsz: int = 160, quantize: int | str | None = None,
              device: Any = "cpu", verbose: bool = False, eps: float = 1e-3, format: str = "", half: bool = False,
              int8: bool = False, **kwargs: Any) -> list[dict[str, Any]]:  # fmt: skip
    """One row per format (all of FORMATS, or just `format`): Format, Status, Size (MB), the task's metric,
    Inference time (ms/im), FPS, and Error when the format failed (a failure is a row, never an exception).

    `data` defaults to the task's built-in set; `verbose=True` (or a float floor) raises when a successful format
    scores below that floor, as a quick regression check. `quantize` (Ultralytics' spelling) is 32/'fp32' (default
    precision), 16/'fp16' (same as half=True) or 8/'int8' (same as int8=True).
    """
    half, int8 = _precision(quantize, half, int8)
    from ultralytics_clone.cfg import TASK2DATA
    from ultralytics_clone.engine.model import Model
    from ultralytics_clone.models.yolo.model import YOLO

    yolo = model if isinstance(model, Model) else YOLO(model)
    task = yolo.task
    data = data or TASK2DATA[task]
    key = _METRIC[task]
    device = "cpu" if device in (None, "") else device
    rows = []
    for fmt in [format.lower()] if format else FORMATS:
        t0 = time.time()
        try:
            rows.append(_run_one(yolo, fmt, task, data, key, imgsz, half, int8, device, eps))
        except Exception as e:  # process boundary: a failing format becomes an error row
            rows.append({"Format": _NAMES.get(fmt, fmt), "Status": "❌", "Size (MB)": None, key: None,
                         "Inference time (ms/im)": None, "FPS": None, "Error": f"{type(e).__name__}: {e}"})  # fmt: skip
        LOGGER.debug(f"benchmark {fmt}: {time.time() - t0:.1f}s")
    LOGGER.info(format_table(rows, f"Benchmarks: {Path(str(yolo.model_name)).name} on {data} at imgsz={imgsz}, "
                                   f"device={device}, half={half}, int8={int8}"))  # fmt: skip
    if verbose:
        floor = float(verbose) if isinstance(verbose, float) else 0.0
        low = [r["Format"] for r in rows if r["Status"] == "✅" and r[key] < floor]
        if low:
            raise AssertionError(f"benchmark: {', '.join(low)} scored below {key} floor {floor}.")
    return rows


def _run_one(yolo: Any, fmt: str, task: str, data: str, key: str, imgsz: int, half: bool, int8: bool, device: Any,
             eps: float) -> dict[str, Any]:  # fmt: skip
    """Export (except for PyTorch), predict once (warm-up), validate on `data` one image at a time: the row."""
    from ultralytics_clone.models.yolo.model import YOLO
    from ultralytics_clone.utils import ASSETS
    from ultralytics_clone.utils.files import file_size

    if fmt == "pytorch":
        path, runner = yolo.ckpt_path, yolo
    else:
        path = yolo.export(format=fmt, imgsz=imgsz, half=half, int8=int8, device=device, data=data, verbose=False)
        runner = YOLO(path, task=task)
    runner.predict(ASSETS, imgsz=imgsz, device=device, half=half, verbose=False)  # warm-up; also checks predict runs
    metrics = runner.val(data=data, batch=1, imgsz=imgsz, rect=False, plots=False, device=device, half=half,
                         verbose=False)  # fmt: skip
    speed = float(metrics.speed["inference"])
    return {"Format": _NAMES.get(fmt, fmt), "Status": "✅", "Size (MB)": round(file_size(path), 1) if path else None,
            key: round(float(metrics.results_dict[key]), 4), "Inference time (ms/im)": round(speed, 2),
            "FPS": round(1000 / (speed + eps), 2)}  # fmt: skip


def format_table(rows: list[dict[str, Any]], title: str = "") -> str:
    """Rows as a fixed-width text table (errors listed under it)."""
    cols = [c for c in (rows[0] if rows else {}) if c != "Error"]
    cells = [[("-" if r.get(c) is None else str(r.get(c))) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = [title] if title else []
    lines.append("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    lines += [f"{r['Format']}: {r['Error']}" for r in rows if r.get("Error")]
    return "\n".join(lines)


__all__ = ["benchmark", "format_table", "FORMATS"]


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
