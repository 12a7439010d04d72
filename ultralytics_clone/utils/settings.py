"""SettingsManager: the user's persistent settings as a JSON file; atomic, locked writes; never imports torch."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from ultralytics_clone.utils.errors import SettingsError
from ultralytics_clone.utils.files import atomic_write, user_config_dir
from ultralytics_clone.utils.log import LOGGER

SETTINGS_VERSION = "0.0.8"
INTEGRATIONS = ("clearml", "comet", "dvc", "hub", "mlflow", "neptune", "raytune", "tensorboard", "wandb")


def default_settings() -> dict[str, Any]:
    """Fresh defaults; folders are relative to the current working directory, as in Ultralytics."""
    cwd = Path.cwd()
    return {
        "settings_version": SETTINGS_VERSION,
        "datasets_dir": str(cwd / "datasets"),
        "weights_dir": str(cwd / "weights"),
        "runs_dir": str(cwd / "runs"),
        "uuid": uuid.uuid4().hex,
        "sync": False,  # accepted for compatibility; this package never sends anything anywhere
        "api_key": "",
        **{name: True for name in INTEGRATIONS},
        "vscode_msg": True,
    }


@contextlib.contextmanager
def _file_lock(path: Path):
    """Exclusive inter-process lock on `path`.lock for read-modify-write (POSIX flock; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows: atomic replace still guarantees a whole file
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SettingsManager(dict):
    """Dict of settings backed by a JSON file; `update()` validates keys and types and saves; `reset()` restores defaults."""

    def __init__(self, file: str | Path | None = None, version: str = SETTINGS_VERSION) -> None:
        super().__init__()
        self.file = Path(file) if file else user_config_dir() / "settings.json"
        self.version = version
        self.defaults = default_settings()
        with _file_lock(self.file):
            self._load_or_repair()

    # -- reading ------------------------------------------------------------------------------------------------------
    def _read_valid(self) -> dict[str, Any] | None:
        """The file's contents when it exists and is a complete, well-typed settings dict; None when it is missing."""
        if not self.file.exists():
            return None
        data = json.loads(self.file.read_text(encoding="utf-8"))  # ValueError when corrupt
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        missing = set(self.defaults) - set(data)
        if missing:
            raise ValueError(f"missing keys {sorted(missing)}")
        for key, default in self.defaults.items():
            if type(data[key]) is not type(default):
                raise ValueError(f"'{key}' should be {type(default).__name__}, found {type(data[key]).__name__}")
        return {k: data[k] for k in self.defaults}  # unknown extra keys from other versions are dropped

    def _load_or_repair(self) -> None:
        """Load the file; when missing, write defaults; when corrupt or partial, set it aside and restore defaults."""
        try:
            data = self._read_valid()
        except (ValueError, UnicodeDecodeError) as err:
            aside = self.file.with_name(f"{self.file.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
            with contextlib.suppress(OSError):
                os.replace(self.file, aside)
            LOGGER.warning(
                f"Settings file '{self.file}' was unreadable ({err}); it was moved to '{aside.name}' and defaults "
                "were restored. Use 'yolo settings key=value' to set values again."
            )
            data = None
        if data is None:
            data = dict(self.defaults)
            self._write(data)
        super().clear()
        super().update(data)

    def _write(self, data: dict[str, Any]) -> None:
        try:
            atomic_write(self.file, json.dumps(data, indent=2))
        except OSError as err:
            LOGGER.warning(f"could not save settings to '{self.file}': {err}")

    # -- public API ---------------------------------------------------------------------------------------------------
    def _validate(self, updates: dict[str, Any]) -> dict[str, Any]:
        clean = {}
        for key, value in updates.items():
            if key not in self.defaults:
                import difflib

                close = difflib.get_close_matches(key, list(self.defaults), n=1)
                tip = f" Did you mean '{close[0]}'?" if close else ""
                raise SettingsError(
                    f"unknown setting '{key}'.{tip} Valid settings: {', '.join(self.defaults)} ('yolo settings' shows them)."
                )
            expected = type(self.defaults[key])
            if expected is str and isinstance(value, Path):
                value = str(value)
            if type(value) is not expected:
                raise SettingsError(
                    f"setting '{key}' must be {expected.__name__}, got {type(value).__name__} {value!r}. "
                    f"Example: settings.update({{'{key}': {self.defaults[key]!r}}})"
                )
            clean[key] = value
        return clean

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Validate and save: update({'runs_dir': '/x'}) or update(runs_dir='/x'); other processes' changes are kept."""
        updates = dict(*args, **kwargs)
        clean = self._validate(updates)
        with _file_lock(self.file):
            self._load_or_repair()  # merge onto what is on disk now, not our stale copy
            super().update(clean)
            self._write(dict(self))

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def reset(self) -> None:
        """Restore the default settings and save them."""
        with _file_lock(self.file):
            self.defaults = default_settings()
            super().clear()
            super().update(self.defaults)
            self._write(dict(self))

    def reload(self) -> None:
        """Re-read the file (another process may have changed it)."""
        with _file_lock(self.file):
            self._load_or_repair()

    def __str__(self) -> str:
        return f"Settings file: {self.file}\n" + json.dumps(dict(self), indent=2)

    def __repr__(self) -> str:
        return f"SettingsManager('{self.file}', {dict.__repr__(self)})"


class _LazySettings:
    """Creates the SettingsManager on first use so importing the package never touches the filesystem."""

    _instance: SettingsManager | None = None

    def get(self) -> SettingsManager:
        if self._instance is None:
            _LazySettings._instance = SettingsManager()
        return self._instance


def __getattr__(name: str) -> Any:
    if name == "SETTINGS":
        return _LazySettings().get()
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
