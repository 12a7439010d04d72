"""Logger setup: one `ultralytics_clone` logger, verbosity from `verbose` / YOLO_VERBOSE, warn_once, colorstr."""

from __future__ import annotations

import logging
import os
import sys

_NAME = "ultralytics_clone"
_ANSI = {
    "black": "\033[30m", "red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "blue": "\033[34m",
    "magenta": "\033[35m", "cyan": "\033[36m", "white": "\033[37m", "bright_blue": "\033[94m",
    "bold": "\033[1m", "underline": "\033[4m", "end": "\033[0m",
}  # fmt: skip


def _env_verbose() -> bool:
    """YOLO_VERBOSE=false/0/no silences INFO messages."""
    return os.getenv("YOLO_VERBOSE", "true").strip().lower() not in {"false", "0", "no", "off"}


def _build_logger() -> logging.Logger:
    """The package logger: INFO to stdout (WARNING and up only on ranks other than 0); never touches the root logger."""
    logger = logging.getLogger(_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    rank = int(os.getenv("RANK", -1))
    logger.setLevel(logging.INFO if _env_verbose() and rank in {-1, 0} else logging.WARNING)
    logger.propagate = False
    return logger


LOGGER = _build_logger()


def set_logging(name: str = "ultralytics", verbose: bool = True) -> logging.Logger:
    """Configure logger `name` like the package logger (stdout, plain messages); INFO when `verbose`, else WARNING."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose and int(os.getenv("RANK", -1)) in {-1, 0} else logging.WARNING)
    logger.propagate = False
    return logger
_WARNED: set[str] = set()


def set_verbosity(verbose: bool) -> None:
    """Show INFO messages when `verbose` is true, only warnings and errors otherwise."""
    LOGGER.setLevel(logging.INFO if verbose else logging.WARNING)


def warn_once(message: str) -> None:
    """Log `message` as a warning the first time it is seen in this process, never again."""
    if message not in _WARNED:
        _WARNED.add(message)
        LOGGER.warning(message)


def colorstr(*args: str) -> str:
    """Wrap the last argument in ANSI codes named by the others (default blue bold); plain text when not a TTY."""
    *codes, text = args if len(args) > 1 else ("blue", "bold", args[0])
    if not sys.stdout.isatty() or os.getenv("NO_COLOR"):
        return text
    return "".join(_ANSI[c] for c in codes) + text + _ANSI["end"]
