"""Small general-purpose helpers Ultralytics users import from `utils`: decorators, retry, YAML and JSON files,
data export of metric summaries. No torch import."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ultralytics_clone.utils.files import atomic_write, yaml_load, yaml_save
from ultralytics_clone.utils.log import LOGGER


def emojis(string: str = "") -> str:
    """`string` unchanged (terminals here print emoji); kept for code written against Ultralytics."""
    return string


def remove_colorstr(input_string: str) -> str:
    """`input_string` without ANSI colour codes."""
    return re.sub(r"\x1B\[[0-9;]*[A-Za-z]", "", input_string)


def clean_url(url: str | Path) -> str:
    """URL without its query string and auth parameters ('https://x/y.pt?auth=1' -> 'https://x/y.pt')."""
    from urllib.parse import unquote

    url = Path(str(url)).as_posix().replace(":/", "://")
    return unquote(url).split("?")[0]


def url2file(url: str | Path) -> str:
    """The file name a URL points to ('https://x/y.pt?a=1' -> 'y.pt')."""
    return Path(clean_url(url)).name


def deprecation_warn(arg: str, new_arg: str | None = None) -> None:
    """Warn once per argument that `arg` is deprecated (and which argument replaces it)."""
    from ultralytics_clone.utils.log import warn_once

    tail = f"; use '{new_arg}' instead." if new_arg else " and will be removed."
    warn_once(f"'{arg}' is deprecated{tail}")


def get_default_args(func: Callable) -> dict[str, Any]:
    """{parameter: default} for the parameters of `func` that have a default."""
    return {k: v.default for k, v in inspect.signature(func).parameters.items() if v.default is not inspect.Parameter.empty}


def vscode_msg(ext: str = "ultralytics.ultralytics-snippets") -> str:
    """Always '': this package never advertises editor extensions (Ultralytics suggests installing `ext`)."""
    return ""


def threaded(func: Callable) -> Callable:
    """Decorator: the call runs in a daemon thread (returned) unless called with threaded=False."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.pop("threaded", True):
            thread = threading.Thread(target=func, args=args, kwargs=kwargs, daemon=True)
            thread.start()
            return thread
        return func(*args, **kwargs)

    return wrapper


class ThreadingLocked:
    """Decorator: calls of the decorated function never overlap across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, f: Callable) -> Callable:
        @functools.wraps(f)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return f(*args, **kwargs)

        return decorated


class TryExcept(contextlib.ContextDecorator):
    """Context manager / decorator that logs an exception (prefixed by `msg`) as a warning instead of raising it."""

    def __init__(self, msg: str = "", verbose: bool = True) -> None:
        self.msg = msg
        self.verbose = verbose

    def __enter__(self) -> TryExcept:
        return self

    def __exit__(self, exc_type, value, traceback) -> bool:
        if self.verbose and value is not None:
            LOGGER.warning(f"{self.msg}{': ' if self.msg else ''}{value}")
        return True


class Retry(contextlib.ContextDecorator):
    """Decorator: retry a failing call up to `times` times, waiting `delay` seconds times 2**attempt in between."""

    def __init__(self, times: int = 3, delay: float = 2, verbose: bool = True) -> None:
        self.times = times
        self.delay = delay
        self.verbose = verbose

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(self.times):
                try:
                    return func(*args, **kwargs)
                except Exception as err:  # retried, then re-raised on the last attempt
                    if attempt == self.times - 1:
                        raise
                    if self.verbose:
                        LOGGER.warning(f"retry {attempt + 1}/{self.times} of {func.__name__} after error: {err}")
                    time.sleep(self.delay * 2**attempt)
            return None

        return wrapped


def plt_settings(rcparams: dict | None = None, backend: str = "Agg") -> Callable:
    """Decorator: run a plotting function with matplotlib `rcparams` and `backend`, restoring both afterwards."""

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import matplotlib
            import matplotlib.pyplot as plt

            original = matplotlib.get_backend()
            switch = backend.lower() != original.lower()
            if switch:
                plt.close("all")
                plt.switch_backend(backend)
            try:
                with plt.rc_context(rcparams or {}):
                    return func(*args, **kwargs)
            finally:
                if switch:
                    plt.close("all")
                    plt.switch_backend(original)

        return wrapper

    return decorator


class SimpleClass:
    """Base class whose str()/repr() lists its public attributes, and whose missing-attribute error names the class."""

    def __str__(self) -> str:
        lines = []
        for name in dir(self):
            value = getattr(self, name, None)
            if not callable(value) and not name.startswith("_"):
                shown = f"{type(value).__module__}.{type(value).__name__} object" if isinstance(value, SimpleClass) else repr(value)
                lines.append(f"{name}: {shown}")
        return f"{type(self).__module__}.{type(self).__name__} object with attributes:\n\n" + "\n".join(lines)

    def __repr__(self) -> str:
        return self.__str__()

    def __getattr__(self, attr: str) -> Any:
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")


class YAML:
    """YAML files the safe way: load (safe_load), save (atomic), print."""

    yaml = None  # the PyYAML module, imported on first use
    SafeLoader = None
    SafeDumper = None

    @classmethod
    def _module(cls):
        if cls.yaml is None:
            import yaml

            cls.yaml, cls.SafeLoader, cls.SafeDumper = yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeDumper
        return cls.yaml

    @classmethod
    def load(cls, file: str | Path = "data.yaml", append_filename: bool = False) -> dict:
        """Read a YAML file into a dict; with `append_filename`, add 'yaml_file' naming the file."""
        if Path(file).suffix not in {".yaml", ".yml"}:
            from ultralytics_clone.utils.errors import ConfigError

            raise ConfigError(f"'{file}' is not a YAML file: use a .yaml or .yml file.")
        data = yaml_load(file)
        if not append_filename:
            data.pop("yaml_file", None)
        return data

    @classmethod
    def save(cls, file: str | Path = "data.yaml", data: dict | None = None, header: str = "") -> None:
        """Write `data` as YAML (atomically), after an optional `header` comment block."""
        if header:
            cls._module()
            clean = {k: str(v) if isinstance(v, Path) else v for k, v in (data or {}).items()}
            atomic_write(file, header + cls.yaml.safe_dump(clean, sort_keys=False, allow_unicode=True))
        else:
            yaml_save(file, data or {})

    @classmethod
    def print(cls, yaml_file: str | Path | dict) -> None:
        """Log a YAML file (or dict) as YAML text."""
        data = cls.load(yaml_file) if isinstance(yaml_file, (str, Path)) else yaml_file
        LOGGER.info(cls._module().safe_dump(data, sort_keys=False, allow_unicode=True, width=float("inf")))


class JSONDict(dict):
    """Dict saved to a JSON file after every change (atomic write, thread-safe); loads the file when it exists."""

    def __init__(self, file_path: str | Path = "data.json") -> None:
        super().__init__()
        self.file_path = Path(file_path)
        self.lock = threading.Lock()
        if self.file_path.exists():
            try:
                super().update(json.loads(self.file_path.read_text(encoding="utf-8")))
            except (ValueError, OSError) as err:
                LOGGER.warning(f"could not read '{self.file_path}' ({err}); starting empty.")

    def _save(self) -> None:
        atomic_write(self.file_path, json.dumps(dict(self), indent=2, default=str))

    def __setitem__(self, key: Any, value: Any) -> None:
        with self.lock:
            super().__setitem__(key, value)
            self._save()

    def __delitem__(self, key: Any) -> None:
        with self.lock:
            super().__delitem__(key)
            self._save()

    def update(self, *args: Any, **kwargs: Any) -> None:
        """dict.update, then save."""
        with self.lock:
            super().update(*args, **kwargs)
            self._save()

    def clear(self) -> None:
        """Remove every key and save."""
        with self.lock:
            super().clear()
            self._save()


class DataExportMixin:
    """to_df / to_csv / to_json for classes with `summary(normalize, decimals)` returning a list of row dicts."""

    def _rows(self, normalize: bool, decimals: int) -> list[dict[str, Any]]:
        return self.summary(normalize=normalize, decimals=decimals)

    def to_df(self, normalize: bool = False, decimals: int = 5):
        """The summary as a pandas DataFrame (pandas is an optional extra: pip install pandas)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("to_df() needs pandas, an optional extra that is not installed: pip install pandas") from err
        return pd.DataFrame(self._rows(normalize, decimals))

    def to_csv(self, normalize: bool = False, decimals: int = 5) -> str:
        """The summary as CSV text (header row first)."""
        import csv
        import io

        rows = self._rows(normalize, decimals)
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return out.getvalue()

    def to_json(self, normalize: bool = False, decimals: int = 5) -> str:
        """The summary as a JSON array of row objects."""
        return json.dumps(self._rows(normalize, decimals), indent=2, default=str)
