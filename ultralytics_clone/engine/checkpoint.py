"""Checkpoint dicts with Ultralytics' top-level keys, atomic saving, optimizer stripping and resume lookup.

A checkpoint is a plain dict saved with `torch.save`; its `model` / `ema` entries are the modules themselves, so any
Ultralytics-era tool that does `ckpt.get("ema") or ckpt["model"]` and reads `train_args` works on ours.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from copy import deepcopy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import CheckpointError, SourceError
from ultralytics_clone.utils.files import atomic_open, atomic_write, remove_partial_writes

LICENSE = "Apache-2.0 (ultralytics_clone, a clean-room re-implementation)"
DOCS = "https://pypi.org/project/ultralytics-clone/"

# Keys every checkpoint we write carries, in the order Ultralytics writes them.
CKPT_KEYS = (
    "date",
    "version",
    "license",
    "docs",
    "epoch",
    "best_fitness",
    "model",
    "ema",
    "updates",
    "optimizer",
    "scaler",
    "train_args",
    "train_metrics",
    "train_results",
)
# Entries `strip_optimizer` empties: everything only a resumed training run needs.
TRAINING_ONLY_KEYS = ("best_fitness", "ema", "updates", "optimizer", "scaler", "train_state")


def _version() -> str:
    """The package version, imported late so this module stays importable while the package initialises."""
    from ultralytics_clone import __version__

    return __version__


def _plain(value: Any) -> dict[str, Any] | None:
    """A dict copy of a mapping or of an Args-like namespace's `vars()`; None stays None."""
    if value is None:
        return None
    return dict(value) if isinstance(value, Mapping) else dict(vars(value))


def make_checkpoint(
    model: nn.Module | None = None,
    *,
    ema: nn.Module | None = None,
    updates: int | None = None,
    optimizer: dict | None = None,
    scaler: dict | None = None,
    epoch: int = -1,
    best_fitness: float | None = None,
    train_args: Any = None,
    train_metrics: dict | None = None,
    train_results: dict | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A checkpoint dict with every key of CKPT_KEYS (in order), then `extra` (e.g. a helper's `state_dict()`).

    Modules are stored as given (callers pass a deep copy, `.half()` or not); `train_args` may be an Args namespace.
    """
    ckpt = {
        "date": datetime.now(timezone.utc).isoformat(),
        "version": _version(),
        "license": LICENSE,
        "docs": DOCS,
        "epoch": epoch,
        "best_fitness": best_fitness,
        "model": model,
        "ema": ema,
        "updates": updates,
        "optimizer": optimizer,
        "scaler": scaler,
        "train_args": _plain(train_args) or {},
        "train_metrics": dict(train_metrics or {}),
        "train_results": dict(train_results or {}),
    }
    ckpt.update(extra)
    return ckpt


def serialize_checkpoint(ckpt: dict[str, Any]) -> bytes:
    """The bytes `torch.save` writes for `ckpt`: serialise once, then write them to last.pt, best.pt, epochN.pt."""
    buffer = io.BytesIO()
    torch.save(ckpt, buffer)
    return buffer.getvalue()


def write_checkpoint_bytes(data: bytes, *paths: str | Path) -> list[Path]:
    """Write serialised checkpoint bytes to each path atomically (temp file + os.replace); returns the paths.

    Temp files a killed earlier write left for the same names are removed.
    """
    out = [atomic_write(p, data) for p in paths]
    for p in out:
        remove_partial_writes(p.parent, p.name)
    return out


def save_checkpoint(ckpt: dict[str, Any], path: str | Path) -> Path:
    """Save `ckpt` to `path` atomically: `torch.save` streams into a temp file beside it, renamed only when complete.

    An exception or interrupt mid-write removes the temp file and leaves any previous `path` untouched.
    """
    with atomic_open(path) as f:
        torch.save(ckpt, f)
    remove_partial_writes(Path(path).parent, Path(path).name)  # left by a write that was killed half-way
    return Path(path)


def resolve_weights(weights: str) -> Path:
    """A local checkpoint path for `weights`: the file itself; for a bare release name such as 'yolo11n.pt' or a URL,
    the copy in settings' weights_dir, downloaded when missing (DownloadError offline). SourceError otherwise.
    """
    path = Path(weights)
    if path.is_file():
        return path
    if path.is_dir():
        raise SourceError(f"model='{weights}' is a folder; expected a .pt checkpoint file inside it.")
    from ultralytics_clone.utils.downloads import attempt_download_asset, is_url

    if path.parent == Path(".") or is_url(weights):
        return Path(attempt_download_asset(weights))
    raise SourceError(
        f"model checkpoint '{weights}' does not exist (resolved to '{path.resolve()}'). Pass the path of a .pt file, "
        "a release name such as 'yolo11n.pt', or a model YAML such as 'yolo11n.yaml' to build one from scratch."
    )


def load_checkpoint_dict(path: str | Path) -> dict[str, Any]:
    """The raw checkpoint dict of `path`, read through the restricted unpickler of `nn.weights`."""
    from ultralytics_clone.nn.weights import load_checkpoint

    _, ckpt = load_checkpoint(path)
    return ckpt


def strip_optimizer(f: str | Path = "best.pt", s: str | Path = "", updates: dict | None = None) -> dict[str, Any]:
    """Turn a training checkpoint into an inference one: EMA (if any) becomes `model` in float16, frozen;
    optimizer, scaler, EMA and updates are emptied, epoch set to -1. Writes to `s`, or over `f` when `s` is empty.

    `updates` adds or replaces top-level keys before saving. Returns the new dict; raises CheckpointError when `f`
    holds no model.
    """
    f = Path(f)
    ckpt = load_checkpoint_dict(f)
    model = ckpt.get("ema") or ckpt.get("model")
    if not isinstance(model, nn.Module):
        raise CheckpointError(
            f"strip_optimizer: '{f}' holds no model under 'ema' or 'model' (found keys {sorted(ckpt)}); "
            "expected a checkpoint written by a trainer or by YOLO.save()."
        )
    args = ckpt.get("train_args") or getattr(model, "args", None)
    if args is not None:
        model.args = _plain(args)
    model.half()
    for p in model.parameters():
        p.requires_grad = False
    ckpt["model"] = model
    for k in TRAINING_ONLY_KEYS:
        ckpt[k] = None
    ckpt["epoch"] = -1
    ckpt.update({"date": datetime.now(timezone.utc).isoformat(), "version": _version(), **(updates or {})})
    out = save_checkpoint(ckpt, s or f)
    LOGGER.info(f"Optimizer stripped from {f}{f' and saved as {out}' if s else ''}, {out.stat().st_size / 1e6:.1f}MB")
    return ckpt


def model_for_checkpoint(model: nn.Module, half: bool = False) -> nn.Module:
    """A detached deep copy of the bare model (DDP / compile wrappers removed, weights in the standard NCHW layout
    even when trained channels-last), float16 when `half`."""
    from ultralytics_clone.utils.torch_utils import unwrap_model

    copy = deepcopy(unwrap_model(model)).to(memory_format=torch.contiguous_format)
    return copy.half() if half else copy


def get_latest_run(search_dir: str | Path = ".") -> Path | None:
    """The most recently modified `last*.pt` under `search_dir` (recursive), or None when there is none."""
    candidates = [p for p in Path(search_dir).rglob("last*.pt") if p.is_file()]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def resolve_resume_checkpoint(resume: bool | str | Path, search_dir: str | Path = ".") -> Path:
    """The checkpoint a `resume=` value points at: the given file, or with `resume=True` the newest last.pt.

    Raises CheckpointError naming what was looked for when nothing suitable exists. Temp files a killed checkpoint
    write left beside the chosen file are removed.
    """
    path = _resume_path(resume, search_dir)
    for tmp in remove_partial_writes(path.parent, "*.pt"):
        LOGGER.info(f"removed {tmp.name}, left by a checkpoint write that did not finish")
    return path


def _resume_path(resume: bool | str | Path, search_dir: str | Path) -> Path:
    if isinstance(resume, (str, Path)) and str(resume) not in {"", "True", "true"}:
        path = Path(resume)
        if not path.is_file():
            raise CheckpointError(
                f"resume='{resume}': no such checkpoint file. Pass the last.pt of the run to resume "
                "(runs/<task>/<name>/weights/last.pt) or resume=True to pick the newest one."
            )
        return path
    latest = get_latest_run(search_dir)
    if latest is None:
        raise CheckpointError(
            f"resume=True found no last*.pt under '{Path(search_dir).resolve()}'. Pass the checkpoint path "
            "explicitly, e.g. resume='runs/detect/train/weights/last.pt'."
        )
    return latest


def check_resumable(ckpt: dict[str, Any], path: str | Path) -> None:
    """Raise CheckpointError when `ckpt` cannot continue training (optimizer stripped or training finished)."""
    epochs = (ckpt.get("train_args") or {}).get("epochs")
    if ckpt.get("optimizer") is None or ckpt.get("epoch", -1) < 0:
        raise CheckpointError(
            f"'{path}' cannot be resumed: it is a finished run (training completed and stripped its optimizer "
            f"state, epoch={ckpt.get('epoch')}), so start a new run from it with YOLO(path).train(...) instead."
        )
    if epochs is not None and ckpt["epoch"] + 1 >= epochs:
        raise CheckpointError(
            f"'{path}' already finished training ({ckpt['epoch'] + 1}/{epochs} epochs); nothing to resume. "
            "Start a new run from it with YOLO(path).train(epochs=...) instead."
        )


__all__ = [
    "CKPT_KEYS",
    "resolve_weights",
    "make_checkpoint",
    "serialize_checkpoint",
    "write_checkpoint_bytes",
    "save_checkpoint",
    "load_checkpoint_dict",
    "strip_optimizer",
    "model_for_checkpoint",
    "get_latest_run",
    "resolve_resume_checkpoint",
    "check_resumable",
]
