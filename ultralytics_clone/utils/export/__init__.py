"""One export function per format (torchscript, onnx, openvino, ncnn) plus what they share: optional imports that
name the extra to install, and staged output that leaves nothing half-written behind."""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ultralytics_clone.utils.errors import ExportError

EXTRA = "export"  # the pip extra of ultralytics-clone that installs every optional export runtime


def require(module: str, purpose: str) -> Any:
    """Import an optional package, or raise ExportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ExportError(
            f"{purpose} needs the '{module}' package, which is not installed ({e}). Install it with "
            f"`pip install ultralytics-clone[{EXTRA}]` (or `pip install {module.split('.')[0]}`)."
        ) from None


@contextlib.contextmanager
def staged(path: str | Path, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on any error it is deleted.

    For `folder=True` the temp path is an empty directory; otherwise a file name that does not exist yet.
    """
    path = Path(path)
    try:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as e:
        raise ExportError(f"cannot write '{path}': the folder '{path.parent}' is not writable ({e.strerror}). "
                          "Copy the model to a writable folder and export from there.") from None
    target = tmp if folder else tmp / path.name
    try:
        yield target
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(target, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def metadata_strings(metadata: dict[str, Any]) -> dict[str, str]:
    """Metadata as one string per key for ONNX props: Python literals (`{0: 'person'}`), as Ultralytics writes them,
    read back with ast.literal_eval / yaml.safe_load (nn.weights.read_metadata), never eval."""
    return {k: v if isinstance(v, str) else repr(v) for k, v in metadata.items()}


def write_metadata_yaml(folder: Path, metadata: dict[str, Any]) -> Path:
    """metadata.yaml inside an exported model folder (read back with yaml.safe_load)."""
    import yaml

    file = folder / "metadata.yaml"
    file.write_text(yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return file
