"""call_override: call a user-overridable hook with only the keyword arguments its signature accepts."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ultralytics_clone.utils.errors import HookError


def accepted_kwargs(fn: Callable, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The subset of `kwargs` that `fn` accepts by name (all of them when it takes **kwargs)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: pass everything
        return kwargs
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return kwargs
    names = {p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    return {k: v for k, v in kwargs.items() if k in names}


def call_override(fn: Callable, *, required: str | None = None, **kwargs: Any) -> Any:
    """`fn(**kwargs)` restricted to the names `fn` accepts, so `get_model(self, cfg, weights)` works without `verbose`.

    With `required` (e.g. 'an nn.Module'), a None return raises HookError naming the hook.
    """
    out = fn(**accepted_kwargs(fn, kwargs))
    if out is None and required:
        owner = type(getattr(fn, "__self__", None)).__name__
        raise HookError(f"{owner}.{getattr(fn, '__name__', 'hook')}() returned None; expected {required}.")
    return out


__all__ = ["accepted_kwargs", "call_override"]
