"""Ultralytics' `utils.patches` names: Unicode-safe image read/write/show, safe torch load/save, config overrides.

Unlike the reference, nothing here monkey-patches a third-party library: each name is a plain function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

PIL_FALLBACK_SUFFIXES = (".avif", ".heic", ".heif")


def imread(filename: str | Path, flags: int = 1) -> np.ndarray | None:
    """cv2.imread that accepts any path (non-ASCII too); `flags` as cv2 (1 = IMREAD_COLOR); None if undecodable."""
    from ultralytics_clone.data.utils import imread as read

    return read(filename, flags)


def imread_unicode(filename: str | Path, flags: int = 1) -> np.ndarray | None:
    """Same as imread: every path is read through numpy bytes, so Unicode paths always work."""
    return imread(filename, flags)


def imwrite(filename: str | Path, img: np.ndarray, params: list[int] | None = None) -> bool:
    """cv2.imwrite that accepts any path (non-ASCII too); True when the file was written."""
    from ultralytics_clone.data.utils import imwrite as write

    return write(filename, img, params)


def imshow(winname: str, mat: np.ndarray) -> None:
    """cv2.imshow with a window name that survives non-ASCII characters."""
    import cv2

    cv2.imshow(winname.encode("unicode_escape").decode(), mat)


def image_open(filename: str | Path, *args: Any, **kwargs: Any):
    """PIL.Image.open; AVIF/HEIC files need a Pillow plugin (pillow-heif / pillow-avif-plugin), and the error says so."""
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(filename, *args, **kwargs)
    except UnidentifiedImageError as err:
        if Path(str(filename)).suffix.lower() in PIL_FALLBACK_SUFFIXES:
            raise UnidentifiedImageError(
                f"cannot open '{filename}': reading {Path(str(filename)).suffix} images needs a Pillow plugin "
                "(pip install pillow-heif, or pillow-avif-plugin for AVIF)."
            ) from err
        raise


def torch_load(*args: Any, **kwargs: Any) -> Any:
    """torch.load, always with weights_only=True (tensors and plain containers only; a pickled object is refused).

    Ultralytics' version turns weights_only off; checkpoints with model objects load through nn.tasks.load_checkpoint.
    """
    import torch

    if kwargs.get("weights_only") is False:
        from ultralytics_clone.utils import warn_once

        warn_once("torch_load: weights_only=False is ignored; use nn.tasks.load_checkpoint for model checkpoints.")
    kwargs["weights_only"] = True
    return torch.load(*args, **kwargs)


def torch_save(*args: Any, **kwargs: Any) -> None:
    """torch.save(obj, f, ...) written atomically when `f` is a path: the old file or the whole new one, never half."""
    import torch

    obj, f, *rest = args if len(args) >= 2 else (*args, kwargs.pop("f"))
    if isinstance(f, (str, Path)):
        from ultralytics_clone.utils.files import atomic_open

        with atomic_open(f) as handle:
            torch.save(obj, handle, *rest, **kwargs)
    else:
        torch.save(obj, f, *rest, **kwargs)


@contextlib.contextmanager
def override_configs(args: Any, overrides: dict[str, Any] | None = None) -> Iterator[Any]:
    """Within the block, `args` (a namespace) has the attributes in `overrides`; the old values come back after."""
    overrides = overrides or {}
    missing = object()
    saved = {k: getattr(args, k, missing) for k in overrides}
    for k, v in overrides.items():
        setattr(args, k, v)
    try:
        yield args
    finally:
        for k, v in saved.items():
            if v is missing:
                delattr(args, k)
            else:
                setattr(args, k, v)


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
