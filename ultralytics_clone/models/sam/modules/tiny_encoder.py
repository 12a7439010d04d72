"""TinyViT, MobileSAM's image encoder: MBConv stage, then windowed-attention stages, then SAM's conv neck."""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from .common import neck


class Conv2d_BN(nn.Sequential):  # noqa: N801  (the checkpoint's module name)
    """Conv2d without bias followed by BatchNorm2d (`c`, `bn` in the state_dict)."""

    def __init__(self, a: int, b: int, ks: int = 1, stride: int = 1, pad: int = 0, groups: int = 1) -> None:
        super().__init__()
        self.add_module("c", nn.Conv2d(a, b, ks, stride, pad, groups=groups, bias=False))
        self.add_module("bn", nn.BatchNorm2d(b))


class PatchEmbed(nn.Module):
    """Two stride-2 3x3 convs: (B, 3, H, W) -> (B, C, H/4, W/4)."""

    def __init__(self, in_chans: int, embed_dim: int, resolution: int, activation: type[nn.Module]) -> None:
        super().__init__()
        self.patches_resolution = (resolution // 4, resolution // 4)
        self.seq = nn.Sequential(
            Conv2d_BN(in_chans, embed_dim // 2, 3, 2, 1), activation(), Conv2d_BN(embed_dim // 2, embed_dim, 3, 2, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project, residual, activation."""

    def __init__(self, in_chans: int, out_chans: int, expand_ratio: float, activation: type[nn.Module]) -> None:
        super().__init__()
        hidden = int(in_chans * expand_ratio)
        self.conv1, self.act1 = Conv2d_BN(in_chans, hidden), activation()
        self.conv2, self.act2 = Conv2d_BN(hidden, hidden, 3, 1, 1, groups=hidden), activation()
        self.conv3, self.act3 = Conv2d_BN(hidden, out_chans), activation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv3(self.act2(self.conv2(self.act1(self.conv1(x)))))
        return self.act3(y + x)


class PatchMerging(nn.Module):
    """Downsampling between stages; returns tokens (B, N, C). Stride 1 for the widest MobileSAM stages."""

    def __init__(self, input_resolution: tuple[int, int], dim: int, out_dim: int, activation: type[nn.Module]):
        super().__init__()
        self.input_resolution = input_resolution
        stride = 1 if out_dim in (320, 448, 576) else 2
        self.conv1, self.act = Conv2d_BN(dim, out_dim), activation()
        self.conv2 = Conv2d_BN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2d_BN(out_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3:  # tokens back to a feature map
            h, w = self.input_resolution
            x = x.view(x.shape[0], h, w, -1).permute(0, 3, 1, 2)
        x = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        return x.flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    """The first stage: MBConv blocks, then PatchMerging."""

    def __init__(self, dim, input_resolution, depth, activation, downsample=None, out_dim=None, conv_expand_ratio=4.0):
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim, dim, conv_expand_ratio, activation) for _ in range(depth))
        self.downsample = downsample(input_resolution, dim, out_dim, activation) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x) if self.downsample is not None else x


class Mlp(nn.Module):
    """LayerNorm -> fc1 -> activation -> fc2."""

    def __init__(self, in_features: int, hidden_features: int, act_layer: type[nn.Module] = nn.GELU) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(in_features)
        self.fc1, self.act, self.fc2 = nn.Linear(in_features, hidden_features), act_layer(), nn.Linear(hidden_features, in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(self.norm(x))))


class Attention(nn.Module):
    """Window attention with a learned bias per head and per absolute (dy, dx) offset inside the window."""

    def __init__(self, dim: int, key_dim: int, num_heads: int = 8, attn_ratio: float = 4, resolution=(14, 14)):
        super().__init__()
        self.num_heads, self.key_dim, self.scale = num_heads, key_dim, key_dim**-0.5
        self.d = int(attn_ratio * key_dim)
        self.dh = self.d * num_heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, self.dh + 2 * key_dim * num_heads)
        self.proj = nn.Linear(self.dh, dim)
        points = list(itertools.product(range(resolution[0]), range(resolution[1])))
        offsets: dict[tuple[int, int], int] = {}
        idxs = []
        for p1 in points:
            for p2 in points:
                off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
                idxs.append(offsets.setdefault(off, len(offsets)))
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, len(offsets)))
        self.register_buffer("attention_bias_idxs", torch.tensor(idxs).view(len(points), len(points)), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        qkv = self.qkv(self.norm(x)).view(b, n, self.num_heads, -1)
        q, k, v = (t.permute(0, 2, 1, 3) for t in qkv.split([self.key_dim, self.key_dim, self.d], dim=3))
        attn = (q @ k.transpose(-2, -1)) * self.scale + self.attention_biases[:, self.attention_bias_idxs]
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, self.dh)
        return self.proj(x)


class TinyViTBlock(nn.Module):
    """Window attention (padded to whole windows), residual; depthwise 3x3 conv; MLP, residual."""

    def __init__(self, dim, input_resolution, num_heads, window_size=7, mlp_ratio=4.0, local_conv_size=3, activation=nn.GELU):
        super().__init__()
        self.dim, self.input_resolution, self.num_heads, self.window_size = dim, input_resolution, num_heads, window_size
        head_dim = dim // num_heads
        self.attn = Attention(dim, head_dim, num_heads, attn_ratio=1, resolution=(window_size, window_size))
        self.mlp = Mlp(dim, int(dim * mlp_ratio), activation)
        self.local_conv = Conv2d_BN(dim, dim, local_conv_size, 1, local_conv_size // 2, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.input_resolution
        b, n, c = x.shape
        ws = self.window_size
        res = x
        if h == ws and w == ws:
            x = self.attn(x)
        else:
            x = x.view(b, h, w, c)
            pad_b, pad_r = (ws - h % ws) % ws, (ws - w % ws) % ws
            if pad_b or pad_r:
                x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
            ph, pw = h + pad_b, w + pad_r
            nh, nw = ph // ws, pw // ws
            x = x.view(b, nh, ws, nw, ws, c).transpose(2, 3).reshape(b * nh * nw, ws * ws, c)
            x = self.attn(x).view(b, nh, nw, ws, ws, c).transpose(2, 3).reshape(b, ph, pw, c)
            x = x[:, :h, :w].contiguous().view(b, n, c)
        x = res + x
        x = self.local_conv(x.transpose(1, 2).reshape(b, c, h, w)).view(b, c, n).transpose(1, 2)
        return x + self.mlp(x)


class BasicLayer(nn.Module):
    """A stage of TinyViT blocks, then optional PatchMerging."""

    def __init__(self, dim, input_resolution, depth, num_heads, window_size, mlp_ratio=4.0, downsample=None,
                 local_conv_size=3, activation=nn.GELU, out_dim=None):
        super().__init__()
        self.blocks = nn.ModuleList(
            TinyViTBlock(dim, input_resolution, num_heads, window_size, mlp_ratio, local_conv_size, activation)
            for _ in range(depth)
        )
        self.downsample = downsample(input_resolution, dim, out_dim, activation) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x) if self.downsample is not None else x


class TinyViT(nn.Module):
    """TinyViT-5M as MobileSAM configures it: (B, 3, 1024, 1024) -> (B, 256, 64, 64) image embeddings."""

    def __init__(
        self,
        img_size: int = 1024,
        in_chans: int = 3,
        num_classes: int = 1000,
        embed_dims: tuple[int, ...] = (64, 128, 160, 320),
        depths: tuple[int, ...] = (2, 2, 6, 2),
        num_heads: tuple[int, ...] = (2, 4, 5, 10),
        window_sizes: tuple[int, ...] = (7, 7, 14, 7),
        mlp_ratio: float = 4.0,
        mbconv_expand_ratio: float = 4.0,
        local_conv_size: int = 3,
    ) -> None:
        super().__init__()
        self.img_size = img_size
        act = nn.GELU
        self.patch_embed = PatchEmbed(in_chans, embed_dims[0], img_size, act)
        res = self.patches_resolution = self.patch_embed.patches_resolution
        self.layers = nn.ModuleList()
        for i, dim in enumerate(embed_dims):
            scale = 2 ** (i - 1 if i == 3 else i)
            kw = dict(
                dim=dim,
                input_resolution=(res[0] // scale, res[1] // scale),
                depth=depths[i],
                downsample=PatchMerging if i < len(embed_dims) - 1 else None,
                out_dim=embed_dims[min(i + 1, len(embed_dims) - 1)],
                activation=act,
            )
            if i == 0:
                self.layers.append(ConvLayer(conv_expand_ratio=mbconv_expand_ratio, **kw))
            else:
                self.layers.append(
                    BasicLayer(num_heads=num_heads[i], window_size=window_sizes[i], mlp_ratio=mlp_ratio,
                               local_conv_size=local_conv_size, **kw)
                )
        self.norm_head = nn.LayerNorm(embed_dims[-1])  # classification head: in the checkpoint, unused by SAM
        self.head = nn.Linear(embed_dims[-1], num_classes) if num_classes > 0 else nn.Identity()
        self.neck = neck(embed_dims[-1], 256)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        b, _, c = x.shape
        x = x.view(b, self.patches_resolution[0] // 4, self.patches_resolution[1] // 4, c).permute(0, 3, 1, 2)
        return self.neck(x)
