"""CSP-style blocks (Bottleneck, C2f, C3, C3k, C3k2), SPPF, the DFL integral and the mask prototype nets.

Attention blocks live in attention.py and are re-exported here, so `nn.modules.block.C2PSA` keeps working.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ultralytics_clone.nn.modules.attention import C2PSA, Attention, PSABlock
from ultralytics_clone.nn.modules.conv import Conv


class DFL(nn.Module):
    """Distribution Focal Loss integral: softmax over c1 bins per side -> expected distance (fixed 1x1 conv)."""

    def __init__(self, c1: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (Tensor[B, 4*c1, A]) -> distances Tensor[B, 4, A] in grid units."""
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


class Proto(nn.Module):
    """Mask prototypes: 3x3 conv, 2x transposed-conv upsample, 3x3 conv, 1x1 conv to c2 masks."""

    def __init__(self, c1: int, c_: int = 256, c2: int = 32):
        super().__init__()
        self.cv1 = Conv(c1, c_, k=3)
        self.upsample = nn.ConvTranspose2d(c_, c_, 2, 2, 0, bias=True)
        self.cv2 = Conv(c_, c_, k=3)
        self.cv3 = Conv(c_, c2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(self.cv2(self.upsample(self.cv1(x))))


class Proto26(Proto):
    """YOLO26 prototypes: P4/P5 refined to P3 channels, upsampled, summed into P3 and fused before Proto.

    `semseg` is an auxiliary semantic-segmentation branch (nc channels at P3 resolution) used in training only.
    """

    def __init__(self, ch: tuple[int, ...], c_: int = 256, c2: int = 32, nc: int = 80):
        super().__init__(ch[0], c_, c2)
        self.feat_refine = nn.ModuleList(Conv(c, ch[0], 1) for c in ch[1:])
        self.feat_fuse = Conv(ch[0], ch[0], 3)
        self.semseg = nn.Sequential(Conv(ch[0], c_, 3), Conv(c_, c_, 3), nn.Conv2d(c_, nc, 1))

    def forward(self, x: list[torch.Tensor], return_semseg: bool = False):
        p = x[0]
        for conv, f in zip(self.feat_refine, x[1:]):
            p = p + F.interpolate(conv(f), size=p.shape[2:], mode="nearest")
        p = self.feat_fuse(p)
        proto = super().forward(p)
        return (proto, self.semseg(p)) if return_semseg else proto


class Bottleneck(nn.Module):
    """Two convs (kernels k) with hidden width c2*e and a residual add when shortcut and c1 == c2."""

    def __init__(self, c1: int, c2: int, shortcut: bool = True, g: int = 1, k=(3, 3), e: float = 0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0], 1)
        self.cv2 = Conv(c_, c2, k[1], 1, g=g)
        self.add = shortcut and c1 == c2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP with 2 convs: split cv1's output, chain n blocks on the second half, concatenate every output."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False, g: int = 1, e: float = 0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, g, k=((3, 3), (3, 3)), e=1.0) for _ in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class C3(nn.Module):
    """CSP with 3 convs: n blocks on one 1x1 branch, a plain 1x1 branch, concatenated and projected."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c1, c_, 1, 1)
        self.cv3 = Conv(2 * c_, c2, 1)
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, g, k=((1, 1), (3, 3)), e=1.0) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class C3k(C3):
    """C3 whose bottlenecks use k x k kernels in both convs."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5, k: int = 3):
        super().__init__(c1, c2, n, shortcut, g, e)
        c_ = int(c2 * e)
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, g, k=(k, k), e=1.0) for _ in range(n)))


class C3k2(C2f):
    """C2f whose inner blocks are C3k (c3k=True), a Bottleneck + PSABlock pair (attn=True), or Bottlenecks."""

    def __init__(
        self,
        c1: int,
        c2: int,
        n: int = 1,
        c3k: bool = False,
        e: float = 0.5,
        attn: bool = False,
        g: int = 1,
        shortcut: bool = True,
    ):
        super().__init__(c1, c2, n, shortcut, g, e)
        self.m = nn.ModuleList(self._inner(c3k, attn, g, shortcut) for _ in range(n))

    def _inner(self, c3k: bool, attn: bool, g: int, shortcut: bool) -> nn.Module:
        c = self.c
        if attn:
            return nn.Sequential(Bottleneck(c, c, shortcut, g), PSABlock(c, attn_ratio=0.5, num_heads=max(c // 64, 1)))
        return C3k(c, c, 2, shortcut, g) if c3k else Bottleneck(c, c, shortcut, g)


class SPPF(nn.Module):
    """Spatial pyramid pooling (fast): n chained k x k max-pools, all outputs concatenated, optional residual.

    With shortcut=True (YOLO26) the input 1x1 conv has no activation and the output adds x when c1 == c2.
    """

    def __init__(self, c1: int, c2: int, k: int = 5, n: int = 3, shortcut: bool = False):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1, act=not shortcut)
        self.cv2 = Conv(c_ * (n + 1), c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)
        self.n = n
        self.add = shortcut and c1 == c2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = [self.cv1(x)]
        for _ in range(self.n):
            y.append(self.m(y[-1]))
        out = self.cv2(torch.cat(y, 1))
        return out + x if self.add else out


__all__ = [
    "DFL", "Proto", "Proto26", "Bottleneck", "C2f", "C3", "C3k", "C3k2", "SPPF", "Attention", "PSABlock", "C2PSA",
]
