"""File helpers: user config dir, atomic writes, run-folder numbering, YAML load/save. No torch import."""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO


def user_config_dir(sub_dir: str = "Ultralytics-clone") -> Path:
    """Writable per-user config folder (YOLO_CONFIG_DIR overrides); falls back to the temp dir with one warning."""
    env = os.getenv("YOLO_CONFIG_DIR")
    if env:
        path = Path(env)
    elif platform.system() == "Windows":
        path = Path.home() / "AppData" / "Roaming" / sub_dir
    elif platform.system() == "Darwin":
        path = Path.home() / "Library" / "Application Support" / sub_dir
    else:
        path = Path(os.getenv("XDG_CONFIG_HOME", Path.home() / ".config")) / sub_dir
    if is_dir_writeable(path):
        return path
    from ultralytics_clone.utils.log import warn_once

    fallback = Path(tempfile.gettempdir()) / sub_dir
    warn_once(f"user config directory '{path}' is not writeable, using '{fallback}'. Set YOLO_CONFIG_DIR to choose one.")
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def is_dir_writeable(path: str | Path) -> bool:
    """True when `path` exists or can be created, and a file can be written inside it."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
        return True
    except OSError:
        return False


def _umask() -> int:
    """The process umask, read without changing it where /proc allows (os.umask can only be read by setting it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """Binary handle on a temp file beside `path`, renamed over `path` on success and deleted on any error.

    The result has the mode a plain `open()` would give (0644 under umask 022), or the replaced file's mode.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):
            with contextlib.suppress(OSError):  # some file systems ignore modes
                os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_partial_writes(folder: str | Path, name: str = "*") -> list[Path]:
    """Delete the temp files atomic_open left in `folder` for target `name` (any name by default) when its writer
    was killed; returns what was removed."""
    removed = []
    for tmp in Path(folder).glob(f".{name}.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write `data` so that readers see the old file or the whole new one, never half of it."""
    with atomic_open(path) as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return Path(path)


def increment_path(path: str | Path, exist_ok: bool = False, sep: str = "-", mkdir: bool = False) -> Path:
    """Return `path`, or `path2`, `path3`... (before any suffix) when it exists and `exist_ok` is False."""
    path = Path(path)
    if path.exists() and not exist_ok:
        stem, suffix = (path.with_suffix(""), path.suffix) if path.is_file() else (path, "")
        n = 2
        while Path(f"{stem}{sep}{n}{suffix}").exists():
            n += 1
        path = Path(f"{stem}{sep}{n}{suffix}")
    if mkdir:
        path.mkdir(parents=True, exist_ok=True)
    return path


def yaml_load(file: str | Path) -> dict[str, Any]:
    """Read a YAML file into a dict (empty file -> {}); adds 'yaml_file' with the path it came from."""
    import yaml

    with open(file, encoding="utf-8", errors="ignore") as f:
        data = yaml.safe_load(f) or {}
    if isinstance(data, dict):
        data["yaml_file"] = str(file)
    return data


def yaml_save(file: str | Path, data: dict[str, Any]) -> Path:
    """Write `data` as YAML atomically; Path values become strings."""
    import yaml

    clean = {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
    return atomic_write(file, yaml.safe_dump(clean, sort_keys=False, allow_unicode=True))


def file_size(path: str | Path) -> float:
    """Size of a file, or of everything under a folder, in MB (0.0 when missing)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size / 1e6
    if path.is_dir():
        return sum(f.stat().st_size for f in path.glob("**/*") if f.is_file()) / 1e6
    return 0.0


def file_age(path: str | Path = __file__) -> int:
    """Whole days since `path` was last modified."""
    import time

    return int((time.time() - Path(path).stat().st_mtime) / 86400)


def file_date(path: str | Path = __file__) -> str:
    """Modification date of `path` as 'YYYY-M-D'."""
    import datetime

    t = datetime.datetime.fromtimestamp(Path(path).stat().st_mtime)
    return f"{t.year}-{t.month}-{t.day}"


def get_latest_run(search_dir: str | Path = ".") -> str:
    """Path of the most recently written 'last*.pt' under `search_dir` (a run to resume), '' when there is none."""
    runs = [p for p in Path(search_dir).rglob("last*.pt") if p.is_file()]
    return str(max(runs, key=lambda p: p.stat().st_mtime)) if runs else ""


class WorkingDirectory(contextlib.ContextDecorator):
    """Context manager / decorator: run the block with `new_dir` as the current directory, then change back."""

    def __init__(self, new_dir: str | Path) -> None:
        self.dir = new_dir
        self.cwd = Path.cwd().resolve()

    def __enter__(self) -> None:
        os.chdir(self.dir)

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        os.chdir(self.cwd)


@contextlib.contextmanager
def spaces_in_path(path: str | Path) -> Iterator[Path]:
    """Yield `path`, or, when it contains spaces, a copy of it in a space-free temp folder whose contents are copied
    back afterwards (for tools that cannot handle spaces)."""
    import shutil

    path = Path(path)
    if " " not in str(path):
        yield path
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp) / path.name.replace(" ", "_")
        if path.is_dir():
            shutil.copytree(path, tmp_path)
        elif path.is_file():
            shutil.copy2(path, tmp_path)
        try:
            yield tmp_path
        finally:
            if tmp_path.is_dir():
                shutil.copytree(tmp_path, path, dirs_exist_ok=True)
            elif tmp_path.is_file():
                shutil.copy2(tmp_path, path)


def update_models(
    model_names: tuple[str, ...] = ("yolo26n.pt",), source_dir: str | Path = Path("."), update_names: bool = False
) -> list[Path]:
    """Load each model from `source_dir` and save it again (current checkpoint layout) to `updated_models/`;
    `update_names` first sets the 80 COCO class names. Returns the files written."""
    from ultralytics_clone import YOLO

    out_dir = Path("updated_models")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in model_names:
        model = YOLO(Path(source_dir) / name)
        if update_names:
            from ultralytics_clone.cfg import DEFAULT_CFG_PATH

            coco = yaml_load(DEFAULT_CFG_PATH.parent / "datasets" / "coco8.yaml")["names"]
            model.model.names = dict(coco)
        written.append(model.save(out_dir / Path(name).name))
    return written


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
