"""Name -> module class registry: the only way a model YAML's module names are resolved (no eval, no globals()).

Register your own block and use its name in a model YAML::

    import torch.nn as nn
    from ultralytics_clone.nn import register_module
    from ultralytics_clone.nn.modules import Conv

    @register_module
    class GatedConv(nn.Module):
        def __init__(self, c1, c2, k=3):  # c1 is filled in from the previous layer, c2 is scaled by the width
            super().__init__()
            self.conv, self.gate = Conv(c1, c2, k), Conv(c1, c2, 1, act=False)

        def forward(self, x):
            return self.conv(x) * self.gate(x).sigmoid()

    # model YAML line:  - [-1, 1, GatedConv, [64]]

`kind` says how the parser fills in channels: "channels" (default: args become [c1, scaled c2, *rest]),
"repeat" (like "channels" and the repeat count is passed as the third argument instead of stacking copies),
"plain" (args passed as written; output channels equal input channels).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ultralytics_clone.utils import LOGGER

KINDS = ("channels", "repeat", "plain", "concat", "head", "batchnorm")


@dataclass(frozen=True)
class ModuleSpec:
    """A registered block: its class and how the parser derives its channel arguments."""

    cls: type
    kind: str = "channels"


_REGISTRY: dict[str, ModuleSpec] = {}


def register_module(module: type | None = None, *, name: str | None = None, kind: str = "channels"):
    """Register an nn.Module subclass under `name` (default: its class name); usable bare or as a decorator.

    Raises ValueError for a name already taken by another class, a non-module, or an unknown kind. Running the same
    class statement again (same module and qualified name) replaces the entry with a warning.
    """

    def _register(cls: type) -> type:
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise ValueError(f"register_module expects an nn.Module subclass, got {cls!r}")
        if kind not in KINDS:
            raise ValueError(f"register_module: unknown kind {kind!r} for {cls.__name__}; accepted: {', '.join(KINDS)}")
        key = name or cls.__name__
        old = _REGISTRY.get(key)
        if old is not None and old.cls is not cls and _same_definition(old.cls, cls):
            LOGGER.warning(f"register_module: re-registering {key!r} (its class was defined again)")
        elif old is not None and old.cls is not cls:
            raise ValueError(
                f"register_module: the name {key!r} is already registered to "
                f"{old.cls.__module__}.{old.cls.__qualname__}; "
                f"pick another name with register_module(name=...)"
            )
        _REGISTRY[key] = ModuleSpec(cls, kind)
        return cls

    return _register(module) if module is not None else _register


def _same_definition(a: type, b: type) -> bool:
    """Same module and qualified name: a class statement run again (notebook cell, re-imported script)."""
    return (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def get_module(name: str) -> ModuleSpec | None:
    """The spec registered under `name`, or None."""
    _ensure_builtins()
    return _REGISTRY.get(name)


def registered_names() -> list[str]:
    """Every name a model YAML may use, sorted."""
    _ensure_builtins()
    return sorted(_REGISTRY)


_BUILTINS_DONE = False


def _ensure_builtins() -> None:
    """Register the package's blocks and the plain torch layers YAMLs use, once."""
    global _BUILTINS_DONE
    if _BUILTINS_DONE:
        return
    _BUILTINS_DONE = True
    from ultralytics_clone.nn import modules as M

    for cls in (M.Conv, M.DWConv, M.Bottleneck, M.SPPF, M.Classify, M.Proto, M.Conv2, M.ConvTranspose,
                M.DWConvTranspose2d, M.LightConv, M.GhostConv, M.GhostBottleneck, M.RepConv, M.Focus, M.SPP):  # fmt: skip
        register_module(cls)
    for cls in (M.C2f, M.C3, M.C3k, M.C3k2, M.C2PSA, M.C1, M.C2, M.C3x, M.C3Ghost, M.C3TR, M.BottleneckCSP, M.C2fPSA):
        register_module(cls, kind="repeat")
    register_module(M.Concat, kind="concat")
    for cls in (M.Detect, M.Segment, M.Pose, M.OBB, M.Segment26, M.Pose26, M.OBB26):
        register_module(cls, kind="head")
    for cls in (nn.Upsample, nn.Identity, nn.MaxPool2d, nn.AvgPool2d, nn.Dropout, nn.ZeroPad2d):
        register_module(cls, name=f"nn.{cls.__name__}", kind="plain")
    register_module(nn.BatchNorm2d, name="nn.BatchNorm2d", kind="batchnorm")
    register_module(nn.Conv2d, name="nn.Conv2d")
    register_module(nn.ConvTranspose2d, name="nn.ConvTranspose2d")


__all__ = ["register_module", "get_module", "registered_names", "ModuleSpec"]
