"""Args: the validated configuration namespace passed around the engines. No torch import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Args:
    """Attribute namespace that is also iterable over (key, value) pairs and `vars()`-able, like SimpleNamespace."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(vars(self).items())

    def __repr__(self) -> str:
        return "\n".join(f"{k}={v!r}" for k, v in vars(self).items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Args) and vars(self) == vars(other)

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def __getattr__(self, name: str) -> Any:
        # Only called for missing attributes: say which, and where the valid ones are listed.
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"'{type(self).__name__}' has no argument '{name}' ('yolo cfg' lists all valid arguments)")

    def get(self, key: str, default: Any = None) -> Any:
        """Value of `key`, or `default` when the namespace has no such key."""
        return self.__dict__.get(key, default)

    def copy(self) -> Args:
        """A shallow copy."""
        return Args(**vars(self))


IterableSimpleNamespace = Args  # Ultralytics' name for the same idea
