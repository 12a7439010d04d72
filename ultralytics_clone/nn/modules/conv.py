"""Convolution building blocks: Conv (conv + BN + activation), depth-wise Conv, Concat."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


def autopad(k: int | list[int], p: int | list[int] | None = None, d: int = 1) -> int | list[int]:
    """'Same' padding for kernel k and dilation d when p is None (stride 1 keeps H, W)."""
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


def _activation(act: bool | nn.Module) -> nn.Module:
    """True -> a copy of Conv.default_act (SiLU unless a YAML's `activation` is being parsed), a module -> itself,
    anything else -> Identity."""
    if act is True:
        act = Conv.default_act
        return nn.SiLU(act.inplace) if type(act) is nn.SiLU else copy.deepcopy(act)  # SiLU: 20x cheaper than a copy
    return act if isinstance(act, nn.Module) else nn.Identity()


class Conv(nn.Module):
    """Conv2d (no bias) -> BatchNorm2d -> activation; `forward_fuse` skips the BN once fuse() folded it."""

    default_act = nn.SiLU()

    def __init__(self, c1: int, c2: int, k=1, s=1, p=None, g: int = 1, d: int = 1, act: bool | nn.Module = True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2)  # detection models set eps/momentum in initialize_weights
        self.act = _activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))

    def forward_fuse(self, x: torch.Tensor) -> torch.Tensor:
        """Forward after the BN was folded into `conv`."""
        return self.act(self.conv(x))

    def __getstate__(self) -> dict:
        """Pickle without fuse()'s bound-method `forward` (it would pickle as a call to getattr)."""
        state = self.__dict__.copy()
        state.pop("forward", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "bn" not in self._modules:  # fused
            self.forward = self.forward_fuse


class DWConv(Conv):
    """Depth-wise Conv: groups = gcd(c1, c2)."""

    def __init__(self, c1: int, c2: int, k=1, s=1, d: int = 1, act: bool | nn.Module = True):
        super().__init__(c1, c2, k, s, g=math.gcd(c1, c2), d=d, act=act)


class Concat(nn.Module):
    """Concatenate a list of tensors along dimension `d` (channels by default)."""

    def __init__(self, dimension: int = 1):
        super().__init__()
        self.d = dimension

    def forward(self, x: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(x, self.d)


__all__ = ["autopad", "Conv", "DWConv", "Concat"]
