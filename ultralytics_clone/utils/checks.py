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
from ultralytics_clone.utils.environment import (
    IS_COLAB,
    IS_DOCKER,
    IS_KAGGLE,
    LINUX,
    MACOS,
    WINDOWS,
    is_jupyter,  # noqa: F401  (Ultralytics users import it from here too)
)
from ultralytics_clone.utils.errors import ConfigError, MissingRequirementError, SourceError

_PY = tuple(sys.version_info[:2])
IS_PYTHON_3_8 = _PY == (3, 8)
IS_PYTHON_3_12 = _PY == (3, 12)
IS_PYTHON_MINIMUM_3_10 = _PY >= (3, 10)
IS_PYTHON_MINIMUM_3_11 = _PY >= (3, 11)
IS_PYTHON_MINIMUM_3_13 = _PY >= (3, 13)
REMOTE_FILE_PREFIXES = ("https://", "http://", "rtsp://", "rtmp://", "tcp://", "ul://", "gs://")


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


def check_suffix(file: str | Path | list = "yolo26n.pt", suffix: str | tuple[str, ...] = ".pt", msg: str = "") -> None:
    """Raise ConfigError when a file's suffix is not one of `suffix`."""
    accepted = (suffix,) if isinstance(suffix, str) else tuple(suffix)
    for f in file if isinstance(file, (list, tuple)) else [file]:
        s = Path(str(f)).suffix.lower()
        if s and s not in accepted:
            raise ConfigError(f"{msg or 'file'} '{f}' has suffix '{s}'; accepted: {', '.join(accepted)}.")


def check_file(
    file: str | Path, suffix: str | tuple[str, ...] = "", download: bool = True, download_dir: str | Path = ".",
    hard: bool = True,
) -> str:
    """Return an existing file's path: as given, else found under the package cfg folders; '' or SourceError if absent.

    A URL is downloaded into `download_dir` when `download` is true (through utils.downloads, which honours
    YOLO_OFFLINE); otherwise it is returned unchanged.
    """
    if suffix:
        check_suffix(file, suffix)
    file = str(file).strip()
    if not file or Path(file).exists():
        return file
    from ultralytics_clone.utils.downloads import is_url

    if is_url(file):
        if not download:
            return file
        from ultralytics_clone.utils.downloads import safe_download

        return str(safe_download(file, dir=download_dir, unzip=False))
    matches = sorted((ROOT / "cfg").rglob(Path(file).name))
    if matches:
        return str(matches[0])
    if hard:
        raise SourceError(f"file '{file}' does not exist (looked in '{Path.cwd()}' and in the package's cfg folders).")
    return ""


def check_yaml(file: str | Path, suffix: str | tuple[str, ...] = (".yaml", ".yml"), hard: bool = True) -> str:
    """check_file for .yaml/.yml files."""
    return check_file(file, suffix=suffix, hard=hard)


def parse_version(version: str = "0.0.0") -> tuple[int, ...]:
    """'2.14.1+cu130' -> (2, 14, 1)."""
    out = []
    for part in version.split("+")[0].split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def check_version(
    current: str = "0.0.0", required: str = "0.0.0", name: str = "version", hard: bool = False, verbose: bool = False,
    msg: str = "",
) -> bool:
    """True when version `current` meets `required`: '1.2' (>=), or specifiers like '>=1.2,<2.0', '==1.3', '!=1.4'.

    `current` may also be an installed distribution's name. With `hard`, a miss raises ConfigError; with `verbose`,
    it is logged as a warning.
    """
    if current and not current[0].isdigit():  # a distribution name
        name, current = current, package_version(current) or ""
        if not current:
            if hard:
                raise ConfigError(f"{name} is required ({required}) but not installed: pip install '{name}{_spec(required)}'.")
            return False
    have = parse_version(current)
    ok = True
    for part in (p.strip() for p in str(required).split(",") if p.strip()):
        op = next((o for o in ("==", "!=", ">=", "<=", ">", "<") if part.startswith(o)), ">=")
        want = parse_version(part[len(op) :] if part.startswith(op) else part)
        ok &= {"==": have == want, "!=": have != want, ">=": have >= want, "<=": have <= want,
               ">": have > want, "<": have < want}[op]  # fmt: skip
    if not ok:
        text = f"{name} {current} is installed but {_spec(required)} is required{'. ' + msg if msg else '.'}"
        if hard:
            raise ConfigError(text)
        if verbose:
            LOGGER.warning(text)
    return ok


def _spec(required: str) -> str:
    required = str(required)
    return required if required[:1] in "<>=!" else f">= {required}"


def package_version(name: str) -> str | None:
    """Installed version of distribution `name`, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_torchvision_ops() -> None:
    """Register torchvision's compiled operators (torch.ops.torchvision.*) without importing its Python package.

    `import torchvision` also imports torch._dynamo, about a second of a cold `yolo predict`; NMS needs only the
    library. Raises when torchvision is missing or its library does not load beside this torch.
    """
    import importlib.machinery
    import importlib.util

    import torch

    if "torchvision" in sys.modules:  # imported (its own loader has run), or blocked (None: import fails)
        if sys.modules["torchvision"] is None:
            raise ModuleNotFoundError("import of torchvision is blocked (sys.modules['torchvision'] is None)")
        return
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'torchvision'")
    folder = Path(next(iter(spec.submodule_search_locations)))
    suffixes = (*importlib.machinery.EXTENSION_SUFFIXES, ".so", ".pyd")
    libs = [folder / f"{name}{sfx}" for name in ("_C_stable", "_C") for sfx in suffixes]
    lib = next((p for p in libs if p.is_file()), None)
    if lib is None:  # an unfamiliar layout: let the package load its own operators
        import torchvision  # noqa: F401
    else:
        torch.ops.load_library(str(lib))


def torchvision_status() -> tuple[bool, str]:
    """(usable, detail): whether torchvision's compiled NMS operator loads and runs beside this torch."""
    try:
        import torch

        load_torchvision_ops()
        torch.ops.torchvision.nms(torch.zeros((1, 4)), torch.zeros(1), 0.5)
        return True, package_version("torchvision") or "unknown version"
    except Exception as err:  # a broken install raises many kinds of errors; this is a process boundary check
        return False, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), so bf16 autocast is faster, not emulated."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # private probes: absent or failing in some torch builds means "do not rely on it"
        return False


def amp_setting(requested: bool | str, device: Any, model: Any) -> tuple[bool, Any]:
    """(enabled, dtype) of training autocast for amp=`requested`.

    True: float16 on CUDA after check_amp's self-test; bfloat16 on a CPU with native bf16 (AVX512-BF16 / AMX), where
    it trains about 1.5x faster than float32 at the same accuracy (docs/training.md); off elsewhere. 'bf16': bfloat16
    on CUDA too. Weights, BatchNorm statistics and the loss always stay float32. False: float32.
    """
    import torch

    kind = getattr(device, "type", str(device))
    if requested == "bf16":
        if kind == "cuda" or (kind == "cpu" and cpu_has_native_bf16()):
            LOGGER.info(f"AMP: bfloat16 autocast on {kind.upper()}")
            return True, torch.bfloat16
        LOGGER.warning(f"amp='bf16': this {kind.upper()} has no native bfloat16, so it would be slower; training in "
                       "float32")  # fmt: skip
        return False, torch.float16
    if requested and kind == "cuda":
        return check_amp(model), torch.float16
    if requested and kind == "cpu" and cpu_has_native_bf16():
        LOGGER.info("AMP: bfloat16 autocast on this CPU (native bf16); amp=False trains in float32")
        return True, torch.bfloat16
    return False, torch.float16


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


def check_python(minimum: str = "3.8.0", hard: bool = True, verbose: bool = False) -> bool:
    """True when this Python is at least `minimum`; with `hard`, ConfigError otherwise."""
    return check_version(platform.python_version(), minimum, name="Python", hard=hard, verbose=verbose)


def print_args(args: dict[str, Any] | None = None, show_file: bool = True, show_func: bool = False) -> None:
    """Log `key=value` pairs on one line; `args=None` logs the caller's arguments, prefixed by its file/function."""
    import inspect

    frame = inspect.currentframe().f_back
    if args is None:
        args, _, _, values = inspect.getargvalues(frame)
        args = {k: values[k] for k in args}
    prefix = (Path(frame.f_code.co_filename).stem + ": " if show_file else "") + (
        frame.f_code.co_name + ": " if show_func else ""
    )
    LOGGER.info(prefix + ", ".join(f"{k}={v}" for k, v in args.items()))


# -- requirements: checked, never installed ---------------------------------------------------------------------------
def parse_requirements(file_path: str | Path = ROOT.parent / "requirements.txt", package: str = "") -> list:
    """Requirements as SimpleNamespace(name, specifier): from `package`'s metadata when given, else a requirements file."""
    if package:
        try:
            lines = [r for r in (importlib.metadata.requires(package) or []) if "extra ==" not in r]
        except importlib.metadata.PackageNotFoundError:
            lines = []
    else:
        lines = Path(file_path).read_text(encoding="utf-8").splitlines()
    return _parse_lines([s for s in (line.split("#")[0].split(";")[0].strip() for line in lines) if s])


def check_requirements(
    requirements: str | Path | list | tuple = ROOT.parent / "requirements.txt",
    exclude: tuple = (),
    install: bool = True,
    cmds: str = "",
    constrain: tuple = (),
) -> bool:
    """True when every requirement ('pkg>=1.0', a list of them, or a requirements file) is installed at a fitting
    version; otherwise MissingRequirementError naming the pip command.

    This package never installs anything itself: `install`, `cmds` and `constrain` are accepted for compatibility.
    """
    if isinstance(requirements, Path) or (isinstance(requirements, str) and requirements.endswith(".txt")):
        path = Path(requirements)
        reqs = parse_requirements(path) if path.exists() else parse_requirements(package="ultralytics-clone")
    else:
        items = [requirements] if isinstance(requirements, str) else list(requirements)
        reqs = _parse_lines(items)
    missing = []
    for r in reqs:
        if r.name in exclude:
            continue
        have = package_version(r.name)
        if have is None or (r.specifier and not check_version(have, r.specifier.replace("~=", ">="))):
            missing.append(f"{r.name}{r.specifier}")
    if missing:
        shown = " ".join(f"'{m}'" for m in missing)
        raise MissingRequirementError(
            f"missing or too old: {', '.join(missing)}. ultralytics_clone never installs packages itself; "
            f"run: pip install {shown}"
        )
    return True


def _parse_lines(lines: list[str]) -> list:
    """'pkg[extra]>=1.0' lines -> SimpleNamespace(name='pkg', specifier='>=1.0')."""
    import re
    from types import SimpleNamespace

    out = []
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", str(line))
        if match:
            out.append(SimpleNamespace(name=match.group(1), specifier=match.group(3).strip().replace(" ", "")))
    return out


def get_distribution_name(import_name: str) -> str:
    """The pip distribution providing import `import_name` ('cv2' -> 'opencv-python'); `import_name` when unknown."""
    dists = importlib.metadata.packages_distributions().get(import_name)
    return dists[0] if dists else import_name


def check_multiple_install() -> None:
    """Warn when more than one installed distribution provides the `ultralytics_clone` package."""
    dists = importlib.metadata.packages_distributions().get("ultralytics_clone", [])
    if len(set(dists)) > 1:
        LOGGER.warning(f"several distributions provide ultralytics_clone: {sorted(set(dists))}; uninstall all but one.")


def check_uv() -> bool:
    """True when the `uv` installer is on PATH (this package never runs it)."""
    import shutil

    return shutil.which("uv") is not None


def check_torchvision() -> None:
    """Warn when torchvision does not work beside the installed torch (NMS then uses our own implementation)."""
    ok, detail = torchvision_status()
    if not ok:
        LOGGER.warning(f"torchvision is not usable with this torch ({detail}); reinstall a matching torchvision.")


# -- hardware and environment -----------------------------------------------------------------------------------------
def cuda_is_available() -> bool:
    """True when torch sees at least one CUDA device."""
    return cuda_device_count() > 0


def cuda_device_count() -> int:
    """Number of CUDA devices torch can use (0 without CUDA)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def rocm_is_available() -> bool:
    """True when torch is a ROCm (AMD HIP) build."""
    import torch

    return getattr(torch.version, "hip", None) is not None


def is_intel() -> bool:
    """True on an Intel CPU."""
    text = platform.processor() + " " + (Path("/proc/cpuinfo").read_text(errors="ignore") if LINUX and Path("/proc/cpuinfo").exists() else "")
    return "intel" in text.lower()


def is_rockchip() -> bool:
    """True on a Rockchip board."""
    compat = Path("/proc/device-tree/compatible")
    return LINUX and compat.exists() and "rockchip" in compat.read_bytes().decode(errors="ignore").lower()


def is_sudo_available() -> bool:
    """True when `sudo` runs without a password prompt (never on Windows)."""
    import shutil
    import subprocess

    if WINDOWS or shutil.which("sudo") is None:
        return False
    try:
        return subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def check_imshow(warn: bool = False) -> bool:
    """True when windows can be shown (a display is present, not in a notebook/container); warns when `warn`."""
    ok = not (IS_COLAB or IS_KAGGLE or IS_DOCKER or is_jupyter())
    if ok and LINUX and not MACOS:
        ok = bool(os.getenv("DISPLAY") or os.getenv("WAYLAND_DISPLAY"))
    if not ok and warn:
        LOGGER.warning("this environment cannot show image windows (no display); use save=True instead of show=True.")
    return ok


def check_font(font: str = "Arial.ttf") -> Path:
    """A usable font file: `font` when it exists, else the font matplotlib finds for its family (nothing downloaded)."""
    if Path(font).is_file():
        return Path(font)
    from matplotlib import font_manager

    return Path(font_manager.findfont(Path(font).stem, fallback_to_default=True))


def is_ascii(s: Any) -> bool:
    """True when str(s) is plain ASCII."""
    return str(s).isascii()


def check_is_path_safe(basedir: str | Path, path: str | Path) -> bool:
    """True when `path` exists and resolves inside `basedir` (no '..' or symlink escapes)."""
    base, target = Path(basedir).resolve(), Path(path).resolve()
    return target.exists() and target.is_relative_to(base)


def check_model_file_from_stem(model: str = "yolo26n") -> str | Path:
    """'yolo26n' -> 'yolo26n.pt' for a bare model stem; anything with a suffix is returned unchanged."""
    if model and not Path(str(model)).suffix and Path(str(model)).stem.startswith(("yolov", "yolo1", "yolo2")):
        return Path(str(model)).with_suffix(".pt")
    return model


def check_yolov5u_filename(file: str, verbose: bool = True) -> str:
    """'yolov5s.pt' -> 'yolov5su.pt' (the anchor-free YOLOv5 weights, the only v5 weights this package can load)."""
    import re

    if "yolov3" in file or "yolov5" in file:
        new = re.sub(r"(.*yolov5([nsmlx]))\.pt", "\\1u.pt", file)
        new = re.sub(r"(.*yolov3(|-tiny|-spp))\.pt", "\\1u.pt", new)
        if new != file and verbose:
            LOGGER.info(f"'{file}' is an anchor-based YOLOv5/v3 name; using the anchor-free '{new}' instead.")
        return new
    return file


def check_yolo(verbose: bool = True, device: str = "") -> dict[str, str]:
    """Log the system report `yolo checks` prints (versions, hardware, CUDA, settings) and return it; `device` is
    checked with select_device when given."""
    info = collect_system_info()
    if device:
        from ultralytics_clone.utils.torch_utils import select_device

        info["Device"] = str(select_device(device, verbose=False))
    if verbose:
        width = max(map(len, info))
        LOGGER.info("\n".join(f"{k:<{width}}  {v}" for k, v in info.items()))
    return info


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
