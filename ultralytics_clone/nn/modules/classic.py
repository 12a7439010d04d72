"""Blocks of earlier YOLO generations (v3/v5/v6/v8 variants) that model YAMLs may name: ghost, focus, transformer,
CBAM and re-parameterisable convolutions, and the C1/C2/C3x/C3Ghost/C3TR/BottleneckCSP/C2fPSA CSP variants."""

from __future__ import annotations

import torch
from torch import nn

from ultralytics_clone.nn.modules.attention import PSABlock
from ultralytics_clone.nn.modules.block import C3, Bottleneck, C2f
from ultralytics_clone.nn.modules.conv import Conv, DWConv, _activation, autopad


class Conv2(Conv):
    """Conv with a parallel 1x1 branch added (train time); fuse_convs() folds it into the k x k kernel."""

    def __init__(self, c1: int, c2: int, k=3, s=1, p=None, g: int = 1, d: int = 1, act: bool | nn.Module = True):
        super().__init__(c1, c2, k, s, p, g=g, d=d, act=act)
        self.cv2 = nn.Conv2d(c1, c2, 1, s, autopad(1, p, d), groups=g, dilation=d, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x) + self.cv2(x)))

    def fuse_convs(self) -> None:
        """Add the 1x1 kernel into the centre of the k x k kernel and drop the 1x1 branch."""
        w = torch.zeros_like(self.conv.weight.data)
        i = [x // 2 for x in w.shape[2:]]
        w[:, :, i[0] : i[0] + 1, i[1] : i[1] + 1] = self.cv2.weight.data.clone()
        self.conv.weight.data += w
        self.__delattr__("cv2")
        self.forward = self.forward_fuse


class ConvTranspose(nn.Module):
    """ConvTranspose2d -> optional BatchNorm -> activation."""

    def __init__(self, c1: int, c2: int, k: int = 2, s: int = 2, p: int = 0, bn: bool = True, act=True):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(c1, c2, k, s, p, bias=not bn)
        self.bn = nn.BatchNorm2d(c2) if bn else nn.Identity()
        self.act = _activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv_transpose(x)))

    def forward_fuse(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv_transpose(x))


class DWConvTranspose2d(nn.ConvTranspose2d):
    """Depth-wise transposed convolution (groups = gcd(c1, c2))."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, p1: int = 0, p2: int = 0):
        import math

        super().__init__(c1, c2, k, s, p1, p2, groups=math.gcd(c1, c2))


class LightConv(nn.Module):
    """1x1 Conv (no activation) then a depth-wise k x k Conv."""

    def __init__(self, c1: int, c2: int, k: int = 1, act=None):
        super().__init__()
        self.conv1 = Conv(c1, c2, 1, act=False)
        self.conv2 = DWConv(c2, c2, k, act=act if act is not None else nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class GhostConv(nn.Module):
    """Half the output from a regular conv, the other half from a cheap 5x5 depth-wise conv of it."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, g: int = 1, act=True):
        super().__init__()
        c_ = c2 // 2
        self.cv1 = Conv(c1, c_, k, s, None, g, act=act)
        self.cv2 = Conv(c_, c_, 5, 1, None, c_, act=act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv1(x)
        return torch.cat((y, self.cv2(y)), 1)


class GhostBottleneck(nn.Module):
    """GhostConv -> (stride-2 depth-wise conv) -> GhostConv, with a residual (projected when strided)."""

    def __init__(self, c1: int, c2: int, k: int = 3, s: int = 1):
        super().__init__()
        c_ = c2 // 2
        self.conv = nn.Sequential(
            GhostConv(c1, c_, 1, 1),
            DWConv(c_, c_, k, s, act=False) if s == 2 else nn.Identity(),
            GhostConv(c_, c2, 1, 1, act=False),
        )
        self.shortcut = (
            nn.Sequential(DWConv(c1, c1, k, s, act=False), Conv(c1, c2, 1, 1, act=False)) if s == 2 else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.shortcut(x)


class RepConv(nn.Module):
    """RepVGG block: 3x3 conv+BN plus 1x1 conv+BN (plus identity BN when `bn` and c1 == c2) at train time;
    fuse_convs() merges them into one 3x3 conv for inference."""

    default_act = nn.SiLU()

    def __init__(self, c1: int, c2: int, k: int = 3, s: int = 1, p: int = 1, g: int = 1, d: int = 1, act=True,
                 bn: bool = False, deploy: bool = False):  # fmt: skip
        super().__init__()
        if k != 3 or p != 1:
            raise ValueError(f"RepConv supports k=3, p=1 only, got k={k}, p={p}")
        self.g, self.c1, self.c2 = g, c1, c2
        self.act = self.default_act if act is True else act if isinstance(act, nn.Module) else nn.Identity()
        self.bn = nn.BatchNorm2d(c1) if bn and c2 == c1 and s == 1 else None
        self.conv1 = Conv(c1, c2, k, s, p=p, g=g, act=False)
        self.conv2 = Conv(c1, c2, 1, s, p=(p - k // 2), g=g, act=False)

    def forward_fuse(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = 0 if self.bn is None else self.bn(x)
        return self.act(self.conv1(x) + self.conv2(x) + identity)

    @staticmethod
    def _fold(kernel: torch.Tensor, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
        std = (bn.running_var + bn.eps).sqrt()
        t = (bn.weight / std).reshape(-1, 1, 1, 1)
        return kernel * t, bn.bias - bn.running_mean * bn.weight / std

    def get_equivalent_kernel_bias(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One 3x3 kernel and bias equal to the sum of the branches (BN folded)."""
        k3, b3 = self._fold(self.conv1.conv.weight, self.conv1.bn)
        k1, b1 = self._fold(nn.functional.pad(self.conv2.conv.weight, [1, 1, 1, 1]), self.conv2.bn)
        kid, bid = 0, 0
        if self.bn is not None:
            per_group = self.c1 // self.g
            eye = torch.zeros((self.c1, per_group, 3, 3), dtype=k3.dtype, device=k3.device)
            for i in range(self.c1):
                eye[i, i % per_group, 1, 1] = 1
            kid, bid = self._fold(eye, self.bn)
        return k3 + k1 + kid, b3 + b1 + bid

    def fuse_convs(self) -> None:
        """Replace the branches by the single equivalent 3x3 conv."""
        if hasattr(self, "conv"):
            return
        kernel, bias = self.get_equivalent_kernel_bias()
        c = self.conv1.conv
        self.conv = nn.Conv2d(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding, c.dilation,
                              c.groups, bias=True).requires_grad_(False)  # fmt: skip
        self.conv.weight.data, self.conv.bias.data = kernel.detach(), bias.detach()
        for name in ("conv1", "conv2", "bn"):
            if hasattr(self, name):
                self.__delattr__(name)
        self.forward = self.forward_fuse


class Focus(nn.Module):
    """Space-to-depth: the four pixel phases of each 2x2 cell stacked as channels, then a Conv."""

    def __init__(self, c1: int, c2: int, k: int = 1, s: int = 1, p=None, g: int = 1, act=True):
        super().__init__()
        self.conv = Conv(c1 * 4, c2, k, s, p, g, act=act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat((x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]), 1))


class SPP(nn.Module):
    """Spatial pyramid pooling: parallel max-pools of sizes k concatenated with the input branch."""

    def __init__(self, c1: int, c2: int, k: tuple[int, ...] = (5, 9, 13)):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * (len(k) + 1), c2, 1, 1)
        self.m = nn.ModuleList(nn.MaxPool2d(kernel_size=x, stride=1, padding=x // 2) for x in k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cv1(x)
        return self.cv2(torch.cat([x] + [m(x) for m in self.m], 1))


class ChannelAttention(nn.Module):
    """Channel gate: global average pool -> 1x1 conv -> sigmoid, multiplied into the input."""

    def __init__(self, channels: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(channels, channels, 1, 1, 0, bias=True)
        self.act = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.act(self.fc(self.pool(x)))


class SpatialAttention(nn.Module):
    """Spatial gate: channel-wise mean and max -> k x k conv -> sigmoid, multiplied into the input."""

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        if kernel_size not in {3, 7}:
            raise ValueError(f"SpatialAttention kernel_size must be 3 or 7, got {kernel_size}")
        self.cv1 = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.act = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.act(self.cv1(torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)))


class CBAM(nn.Module):
    """Convolutional block attention: channel gate, then spatial gate."""

    def __init__(self, c1: int, kernel_size: int = 7):
        super().__init__()
        self.channel_attention = ChannelAttention(c1)
        self.spatial_attention = SpatialAttention(kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial_attention(self.channel_attention(x))


class C1(nn.Module):
    """1x1 Conv, then n 3x3 Convs with a residual around them."""

    def __init__(self, c1: int, c2: int, n: int = 1):
        super().__init__()
        self.cv1 = Conv(c1, c2, 1, 1)
        self.m = nn.Sequential(*(Conv(c2, c2, 3) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv1(x)
        return self.m(y) + y


class C2(nn.Module):
    """CSP with 2 convs: n bottlenecks on one half of cv1's output, concatenated with the other half."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv(2 * self.c, c2, 1)
        self.m = nn.Sequential(*(Bottleneck(self.c, self.c, shortcut, g, k=((3, 3), (3, 3)), e=1.0) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.cv1(x).chunk(2, 1)
        return self.cv2(torch.cat((self.m(a), b), 1))


class C3x(C3):
    """C3 whose bottlenecks use cross kernels (1x3 then 3x1)."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__(c1, c2, n, shortcut, g, e)
        self.c_ = int(c2 * e)
        self.m = nn.Sequential(*(Bottleneck(self.c_, self.c_, shortcut, g, k=((1, 3), (3, 1)), e=1) for _ in range(n)))


class C3Ghost(C3):
    """C3 with GhostBottlenecks."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__(c1, c2, n, shortcut, g, e)
        c_ = int(c2 * e)
        self.m = nn.Sequential(*(GhostBottleneck(c_, c_) for _ in range(n)))


class C3TR(C3):
    """C3 with a TransformerBlock in place of the bottlenecks."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__(c1, c2, n, shortcut, g, e)
        c_ = int(c2 * e)
        self.m = TransformerBlock(c_, c_, 4, n)


class BottleneckCSP(nn.Module):
    """Cross-stage partial bottleneck (YOLOv4/v5): bottleneck branch and plain branch, BN + activation, project."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1, e: float = 0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = nn.Conv2d(c1, c_, 1, 1, bias=False)
        self.cv3 = nn.Conv2d(c_, c_, 1, 1, bias=False)
        self.cv4 = Conv(2 * c_, c2, 1, 1)
        self.bn = nn.BatchNorm2d(2 * c_)
        self.act = nn.SiLU()
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, g, e=1.0) for _ in range(n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y1 = self.cv3(self.m(self.cv1(x)))
        return self.cv4(self.act(self.bn(torch.cat((y1, self.cv2(x)), 1))))


class TransformerLayer(nn.Module):
    """Multi-head self-attention and a 2-layer feed-forward (no norms), each with a residual; input (L, B, C)."""

    def __init__(self, c: int, num_heads: int):
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(c, c, bias=False) for _ in range(3))
        self.ma = nn.MultiheadAttention(embed_dim=c, num_heads=num_heads)
        self.fc1 = nn.Linear(c, c, bias=False)
        self.fc2 = nn.Linear(c, c, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.ma(self.q(x), self.k(x), self.v(x))[0] + x
        return self.fc2(self.fc1(x)) + x


class TransformerBlock(nn.Module):
    """Optional Conv to c2, learned position embedding, then `num_layers` TransformerLayers over the H*W positions."""

    def __init__(self, c1: int, c2: int, num_heads: int, num_layers: int):
        super().__init__()
        self.conv = Conv(c1, c2) if c1 != c2 else None
        self.linear = nn.Linear(c2, c2)
        self.tr = nn.Sequential(*(TransformerLayer(c2, num_heads) for _ in range(num_layers)))
        self.c2 = c2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.conv is not None:
            x = self.conv(x)
        b, _, h, w = x.shape
        p = x.flatten(2).permute(2, 0, 1)  # (H*W, B, C)
        return self.tr(p + self.linear(p)).permute(1, 2, 0).reshape(b, self.c2, h, w)


class C2fPSA(C2f):
    """C2f whose inner blocks are PSABlocks."""

    def __init__(self, c1: int, c2: int, n: int = 1, e: float = 0.5):
        if c1 != c2:
            raise ValueError(f"C2fPSA needs equal input and output channels, got c1={c1}, c2={c2}")
        super().__init__(c1, c2, n=n, e=e)
        self.m = nn.ModuleList(PSABlock(self.c, attn_ratio=0.5, num_heads=max(self.c // 64, 1)) for _ in range(n))


class Index(nn.Module):
    """Picks element `index` of a list input (multi-output backbones)."""

    def __init__(self, index: int = 0):
        super().__init__()
        self.index = index

    def forward(self, x: list[torch.Tensor]) -> torch.Tensor:
        return x[self.index]


__all__ = [
    "Conv2", "ConvTranspose", "DWConvTranspose2d", "LightConv", "GhostConv", "GhostBottleneck", "RepConv", "Focus",
    "SPP", "ChannelAttention", "SpatialAttention", "CBAM", "C1", "C2", "C3x", "C3Ghost", "C3TR", "BottleneckCSP",
    "TransformerLayer", "TransformerBlock", "C2fPSA", "Index",
]  # fmt: skip
