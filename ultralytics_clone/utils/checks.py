"""Checks of arguments and environment: image sizes, files, YAMLs, versions, torchvision, AMP, `yolo checks`. No torch import."""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

from ultralytics_clone.utils import LOGGER, ROOT
from ultralytics_clone.utils.errors import ConfigError, SourceError


def check_imgsz(imgsz: int | list[int], stride: int = 32, min_dim: int = 1, max_dim: int = 2, floor: int = 0):
    """Round image size(s) up to a multiple of `stride` (warning when changed); int in -> int or [s, s] per min_dim."""
    stride = int(stride.max() if hasattr(stride, "max") else stride)
    sizes = list(imgsz) if isinstance(imgsz, (list, tuple)) else [imgsz]
    if not sizes or len(sizes) > max_dim or not all(isinstance(s, (int, float)) and s > 0 for s in sizes):
        raise ConfigError(f"imgsz={imgsz!r} is not valid: use a positive int like 640 or [height, width] like [480, 640].")
    rounded = [max(math.ceil(s / stride) * stride, floor) for s in sizes]
    if rounded != [int(s) for s in sizes]:
        shown = rounded if isinstance(imgsz, (list, tuple)) else rounded[0]
        LOGGER.warning(f"imgsz={imgsz} must be a multiple of the max stride {stride}; using imgsz={shown}.")
    if min_dim == 2 and len(rounded) == 1:
        return [rounded[0], rounded[0]]
    if min_dim == 1 and max_dim == 1:
        return rounded[0]
    return rounded[0] if len(rounded) == 1 and not isinstance(imgsz, (list, tuple)) else rounded


def check_suffix(file: str | Path | list, suffix: str | tuple[str, ...] = (".pt",), msg: str = "") -> None:
    """Raise ConfigError when a file's suffix is not one of `suffix`."""
    accepted = (suffix,) if isinstance(suffix, str) else tuple(suffix)
    for f in file if isinstance(file, (list, tuple)) else [file]:
        s = Path(str(f)).suffix.lower()
        if s and s not in accepted:
            raise ConfigError(f"{msg or 'file'} '{f}' has suffix '{s}'; accepted: {', '.join(accepted)}.")


def check_file(file: str | Path, suffix: str | tuple[str, ...] = "", hard: bool = True) -> str:
    """Return an existing file's path: as given, else found under the package cfg folders; '' or SourceError if absent."""
    if suffix:
        check_suffix(file, suffix)
    file = str(file).strip()
    if not file or Path(file).exists():
        return file
    from ultralytics_clone.utils.downloads import is_url

    if is_url(file):
        from ultralytics_clone.utils.downloads import safe_download

        return str(safe_download(file, unzip=False))
    matches = sorted((ROOT / "cfg").rglob(Path(file).name))
    if matches:
        return str(matches[0])
    if hard:
        raise SourceError(f"file '{file}' does not exist (looked in '{Path.cwd()}' and in the package's cfg folders).")
    return ""


def check_yaml(file: str | Path, hard: bool = True) -> str:
    """check_file for .yaml/.yml files."""
    return check_file(file, suffix=(".yaml", ".yml"), hard=hard)


def parse_version(version: str) -> tuple[int, ...]:
    """'2.14.1+cu130' -> (2, 14, 1)."""
    out = []
    for part in version.split("+")[0].split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def check_version(current: str, minimum: str = "0.0.0", hard: bool = False, name: str = "version") -> bool:
    """True when `current` >= `minimum`; with `hard`, raise ConfigError instead of returning False."""
    ok = parse_version(current) >= parse_version(minimum)
    if not ok and hard:
        raise ConfigError(f"{name} {current} is installed but >= {minimum} is required.")
    return ok


def package_version(name: str) -> str | None:
    """Installed version of distribution `name`, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def torchvision_status() -> tuple[bool, str]:
    """(usable, detail): whether torchvision imports and its compiled NMS operator runs beside this torch."""
    try:
        import torch
        import torchvision

        torchvision.ops.nms(torch.zeros((1, 4)), torch.zeros(1), 0.5)
        return True, torchvision.__version__
    except Exception as err:  # a broken install raises many kinds of errors; this is a process boundary check
        return False, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def check_amp(model: Any, imgsz: int = 64) -> bool:
    """AMP self-test on the user's own model, downloading nothing: fp32 vs autocast outputs must agree on CUDA.

    Returns False (with a warning) on CPU/MPS, when autocast fails, or when outputs differ beyond tolerance.
    """
    import copy

    import torch

    device = next(model.parameters()).device
    if device.type != "cuda":
        return False
    probe = copy.deepcopy(model).eval().float()
    x = torch.rand(1, 3, imgsz, imgsz, device=device, generator=torch.Generator(device).manual_seed(0))

    def first(out):
        while isinstance(out, (list, tuple, dict)):
            out = next(iter(out.values())) if isinstance(out, dict) else out[0]
        return out.float()

    try:
        with torch.no_grad():
            ref = first(probe(x))
            with torch.autocast("cuda"):
                amp = first(probe(x))
        ok = bool(torch.isfinite(amp).all()) and torch.allclose(ref, amp, atol=0.5, rtol=0.05)
    except Exception as err:  # any failure inside autocast means AMP is unsafe here
        LOGGER.warning(f"AMP checks failed ({err}); training with FP32 instead (amp=False).")
        return False
    if not ok:
        LOGGER.warning("AMP checks failed: autocast outputs differ from FP32; training with FP32 instead (amp=False).")
    return ok


def collect_system_info() -> dict[str, str]:
    """The facts `yolo checks` reports: versions, hardware, torch/CUDA state, settings file."""
    import shutil

    from ultralytics_clone import __version__

    info = {
        "ultralytics_clone": __version__,
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "CPU": platform.processor() or platform.machine(),
        "CPU count": str(os.cpu_count()),
        "Disk": _disk(shutil),
        "Settings file": str(_settings_file()),
    }
    for dist in ("torch", "torchvision", "numpy", "opencv-python", "pyyaml", "pillow", "matplotlib", "onnx",
                 "onnxslim", "tqdm", "onnxruntime", "scipy", "pycocotools"):  # fmt: skip
        info[dist] = package_version(dist) or "not installed"
    try:
        import torch

        info["CUDA"] = f"{torch.version.cuda} ({torch.cuda.device_count()} GPU)" if torch.cuda.is_available() else "not available"
        mps = getattr(torch.backends, "mps", None)
        info["MPS"] = "available" if mps and mps.is_available() else "not available"
    except ImportError:
        info["CUDA"] = "torch not installed"
    ok, detail = torchvision_status()
    info["torchvision ops"] = "OK" if ok else f"BROKEN ({detail}); our own NMS is used instead"
    return info


def _settings_file() -> Path:
    from ultralytics_clone.utils.settings import SETTINGS

    return SETTINGS.file


def _disk(shutil) -> str:
    total, used, _ = shutil.disk_usage(Path.cwd())
    return f"{used / 2**30:.1f}/{total / 2**30:.1f} GB used"


def check_python(minimum: str = "3.10") -> bool:
    """True when this Python is at least `minimum`."""
    return check_version(platform.python_version(), minimum, name="Python")


def print_args(args: dict[str, Any], prefix: str = "") -> None:
    """Log `key=value` pairs on one line."""
    LOGGER.info(prefix + ", ".join(f"{k}={v}" for k, v in args.items()))


def is_jupyter() -> bool:
    """True inside a Jupyter/IPython kernel."""
    return "ipykernel" in sys.modules
