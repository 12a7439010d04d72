"""Device selection and seeding: CUDA / MPS / CPU, GPU index validation, reproducible RNG state."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ultralytics_clone.utils.errors import DeviceError
from ultralytics_clone.utils.log import LOGGER


def _mps_available() -> bool:
    """True on Apple silicon with a working MPS backend."""
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _idle_gpu() -> int:
    """Index of the CUDA device with the most free memory (device=-1)."""
    if not torch.cuda.is_available() or torch.cuda.device_count() == 0:
        raise DeviceError("device=-1 asks for the first idle GPU, but CUDA is not available. Use device=cpu.")
    free = [torch.cuda.mem_get_info(i)[0] for i in range(torch.cuda.device_count())]
    return int(np.argmax(free))


def parse_device(device: str | int | list | tuple | torch.device | None = "") -> str:
    """Normalise any accepted device spelling to '', 'cpu', 'mps' or a comma list of CUDA indices like '0,1'."""
    if isinstance(device, torch.device):
        device = str(device)
    if isinstance(device, (list, tuple)):
        device = ",".join(str(d) for d in device)
    text = str(device if device is not None else "").strip().lower()
    for junk in ("cuda:", "none", "(", ")", "[", "]", "'", " "):
        text = text.replace(junk, "")
    if text in {"-1"}:
        return str(_idle_gpu())
    return text


def select_device(
    device: str | int | list | torch.device | None = "", newline: bool = False, verbose: bool = True, batch: int = 0
) -> torch.device:
    """Pick the torch.device for `device` ('' auto, 'cpu', 'mps', 0, '0,1', [0, 1], 'cuda:1', -1 idle GPU).

    Raises DeviceError when CUDA/MPS is requested but unavailable, an index is out of range, or `batch` is not a
    multiple of the GPU count for multi-GPU runs. Sets CUDA_VISIBLE_DEVICES only when several GPUs are chosen.
    """
    spec = parse_device(device)
    if spec == "cpu":
        chosen = torch.device("cpu")
    elif spec == "mps":
        if not _mps_available():
            raise DeviceError("device='mps' was requested but MPS (Apple silicon GPU) is not available. Use device=cpu.")
        chosen = torch.device("mps")
    elif spec == "":
        if torch.cuda.is_available() and torch.cuda.device_count() > 0:
            chosen = torch.device("cuda:0")
        elif _mps_available():
            chosen = torch.device("mps")
        else:
            chosen = torch.device("cpu")
    else:
        chosen = _select_cuda(spec, batch)
    if verbose:
        LOGGER.info(f"Using device: {_describe(chosen, spec)}" + ("\n" if newline else ""))
    return chosen


def _select_cuda(spec: str, batch: int) -> torch.device:
    """Validate a comma list of CUDA indices and return the first one's device."""
    parts = [p for p in spec.split(",") if p != ""]
    if not all(p.isdigit() for p in parts):
        raise DeviceError(
            f"device='{spec}' is not a valid device. Accepted: None or '' (auto), 'cpu', 'mps', a CUDA index like 0 "
            "or '0', several like '0,1' or [0, 1], 'cuda:0', or -1 for the most idle GPU."
        )
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise DeviceError(
            f"device='{spec}' asks for CUDA, but torch.cuda.is_available() is False on this machine "
            f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}). Use device=cpu, or install a CUDA build of torch."
        )
    bad = [p for p in parts if int(p) >= count]
    if bad:
        raise DeviceError(f"device='{spec}': CUDA index {bad[0]} is out of range; this machine has {count} GPU(s): 0..{count - 1}.")
    if len(parts) > 1:
        if batch and batch > 0 and batch % len(parts):
            raise DeviceError(
                f"batch={batch} must be a multiple of the GPU count {len(parts)} for multi-GPU training; "
                f"try batch={batch // len(parts) * len(parts) or len(parts)} or batch={(batch // len(parts) + 1) * len(parts)}."
            )
    return torch.device(f"cuda:{parts[0]}")


def _describe(device: torch.device, spec: str) -> str:
    """Human line naming the device(s), e.g. 'cuda:0 (NVIDIA H100, 80 GiB)'."""
    if device.type != "cuda":
        return f"{device.type} (torch {torch.__version__})"
    idx = [int(p) for p in spec.split(",")] if spec else [0]
    names = []
    for i in idx:
        p = torch.cuda.get_device_properties(i)
        names.append(f"cuda:{i} ({p.name}, {p.total_memory / 2**30:.0f} GiB)")
    return ", ".join(names)


def init_seeds(seed: int = 0, deterministic: bool = False) -> None:
    """Seed python, numpy and torch RNGs; with `deterministic`, ask torch for deterministic algorithms (warn-only)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        # that switch also fills every new tensor with NaN (a debugging aid, not needed for determinism): about 12% of
        # a CPU training step, so it is turned back off
        torch.utils.deterministic.fill_uninitialized_memory = False
        torch.backends.cudnn.deterministic = True
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        os.environ["PYTHONHASHSEED"] = str(seed)
    else:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False
