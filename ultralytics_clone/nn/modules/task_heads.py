"""Segment, Pose and OBB heads (Detect plus a per-anchor extra branch `cv4`) and their YOLO26 variants.

Each head adds one tensor to Detect's raw output, concatenated over levels as Tensor[B, E, A]: mask coefficients
(E = nm), raw keypoints (E = nk = K * ndim) or angles in radians (E = 1). See head.py for the output contract.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ultralytics_clone.nn.modules.block import Proto, Proto26
from ultralytics_clone.nn.modules.conv import Conv
from ultralytics_clone.nn.modules.flow import RealNVP
from ultralytics_clone.nn.modules.head import Detect
from ultralytics_clone.utils.tal import dist2rbox


def _extra_branch(c_in: int, c_mid: int, c_out: int | None) -> nn.Sequential:
    """Two 3x3 Convs, then a 1x1 Conv2d to c_out unless c_out is None."""
    layers = [Conv(c_in, c_mid, 3), Conv(c_mid, c_mid, 3)]
    return nn.Sequential(*layers, nn.Conv2d(c_mid, c_out, 1)) if c_out is not None else nn.Sequential(*layers)


class _ExtraHead(Detect):
    """Detect with a `cv4` branch (plus `one2one_cv4` for end2end heads) producing E channels per anchor.

    A YOLO26 task head answers in eval like a reference YOLO26 checkpoint: the one-to-many decoded tensor
    (B, 4 + nc + E, A) first; the one-to-one rows (B, max_det, 6 + E) only once `end2end` is switched on.
    """

    def __init__(self, nc: int, reg_max: int, end2end: bool, ch, legacy: bool) -> None:
        super().__init__(nc, reg_max, end2end, ch, legacy)
        self._end2end = False  # the branch stays built (and trained); selecting it is the user's choice

    def _add_cv4(self, ch, c4: int, c_out: int | None) -> None:
        self.cv4 = nn.ModuleList(_extra_branch(x, c4, c_out) for x in ch)
        if self.has_one2one:
            self.one2one_cv4 = copy.deepcopy(self.cv4)

    def extra(self, x: list[torch.Tensor], one2one: bool) -> torch.Tensor:
        """Tensor[B, E, A] from the cv4 branch of the chosen side."""
        cv4 = self.one2one_cv4 if one2one else self.cv4
        b = x[0].shape[0]
        return torch.cat([cv4[i](x[i]).view(b, -1, x[i].shape[2] * x[i].shape[3]) for i in range(self.nl)], 2)


class Segment(_ExtraHead):
    """Detect + nm mask coefficients per anchor + Proto prototypes at 1/4 input resolution.

    training: (feats, mask_coeffs Tensor[B, nm, A], proto Tensor[B, nm, H/4, W/4]) (Segment26 adds the semantic
    logits Tensor[B, nc, H/8, W/8] as a 4th element); eval: (cat(y, mask_coeffs) Tensor[B, 4 + nc + nm, A], raw).
    """

    def __init__(self, nc: int = 80, nm: int = 32, npr: int = 256, reg_max: int = 16, end2end: bool = False,
                 ch: tuple[int, ...] = (), legacy: bool = False):
        super().__init__(nc, reg_max, end2end, ch, legacy)
        self.nm, self.npr = nm, npr
        self.proto = self._make_proto(ch)
        self._add_cv4(ch, max(ch[0] // 4, nm), nm)

    def _make_proto(self, ch) -> nn.Module:
        return Proto(ch[0], self.npr, self.nm)

    def _proto(self, x: list[torch.Tensor]) -> torch.Tensor:
        return self.proto(x[0])

    def forward_head(self, x, one2one: bool = False, shared=None):
        proto = shared[2] if shared is not None else self._proto(x)
        return super().forward_head(x, one2one), self.extra(x, one2one), proto

    def inference(self, raw) -> torch.Tensor:
        return torch.cat((self._boxes_and_scores(raw[0]), raw[1]), 1)

    def export_output(self, y: torch.Tensor, raw):
        """(y, proto): exported segment models need the prototypes to assemble masks."""
        return y, (raw["one2many"] if isinstance(raw, dict) else raw)[2]


class Pose(_ExtraHead):
    """Detect + K keypoints per anchor. training: (feats, kpts Tensor[B, K*ndim, A]);
    eval: (cat(y, kpts) with x, y in input pixels and visibility after sigmoid, raw).
    """

    def __init__(self, nc: int = 80, kpt_shape: tuple[int, int] = (17, 3), reg_max: int = 16, end2end: bool = False,
                 ch: tuple[int, ...] = (), legacy: bool = False):
        super().__init__(nc, reg_max, end2end, ch, legacy)
        self.kpt_shape = list(kpt_shape)
        self.nk = kpt_shape[0] * kpt_shape[1]
        self._build_kpt_branch(ch)

    def _build_kpt_branch(self, ch) -> None:
        self._add_cv4(ch, max(ch[0] // 4, self.nk), self.nk)

    def forward_head(self, x, one2one: bool = False, shared=None):
        return super().forward_head(x, one2one), self.extra(x, one2one)

    def inference(self, raw) -> torch.Tensor:
        return torch.cat((self._boxes_and_scores(raw[0]), self.kpts_decode(raw[1])), 1)

    def kpts_decode(self, kpts: torch.Tensor) -> torch.Tensor:
        """Raw Tensor[B, K*ndim, A] -> x, y in input pixels (offsets of 2x grid cells around the anchor), sigmoid v."""
        b, ndim = kpts.shape[0], self.kpt_shape[1]
        y = kpts.view(b, self.kpt_shape[0], ndim, -1)
        xy = (y[:, :, :2] * 2.0 + (self.anchors - 0.5)) * self.strides
        if ndim == 3:
            xy = torch.cat((xy, y[:, :, 2:3].sigmoid()), 2)
        return xy.reshape(b, self.nk, -1)


class OBB(_ExtraHead):
    """Detect + ne rotation angles per anchor in [-pi/4, 3pi/4). training: (feats, angle Tensor[B, 1, A]);
    eval: (cat(y, angle) Tensor[B, 4 + nc + 1, A] with rotated boxes cx, cy, w, h in input pixels, raw).
    """

    def __init__(self, nc: int = 80, ne: int = 1, reg_max: int = 16, end2end: bool = False,
                 ch: tuple[int, ...] = (), legacy: bool = False):
        super().__init__(nc, reg_max, end2end, ch, legacy)
        self.ne = ne
        self._add_cv4(ch, max(ch[0] // 4, ne), ne)

    def forward_head(self, x, one2one: bool = False, shared=None):
        angle = (self.extra(x, one2one).sigmoid() - 0.25) * math.pi
        return super().forward_head(x, one2one), angle

    def inference(self, raw) -> torch.Tensor:
        self.angle = raw[1]
        return torch.cat((self._boxes_and_scores(raw[0]), raw[1]), 1)

    def decode_bboxes(self, bboxes: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
        """Distances + the current angle -> rotated boxes xywh (grid units)."""
        return dist2rbox(bboxes, self.angle, anchors, dim=1)


class Segment26(Segment):
    """YOLO26 Segment: prototypes from all levels (Proto26), one-to-one branch for cv4 too. In training the
    one-to-many output carries Proto26's semantic-segmentation logits as a 4th element (the loss's semantic term)."""

    def _make_proto(self, ch) -> nn.Module:
        return Proto26(ch, self.npr, self.nm, self.nc)

    def _proto(self, x: list[torch.Tensor]) -> torch.Tensor:
        return self.proto(x)

    def forward_head(self, x, one2one: bool = False, shared=None):
        if shared is not None or not self.training:
            return super().forward_head(x, one2one, shared)
        proto, semseg = self.proto(x, return_semseg=True)
        return Detect.forward_head(self, x, one2one), self.extra(x, one2one), proto, semseg


class Pose26(Pose):
    """YOLO26 Pose: cv4 is a shared 2-conv trunk, then 1x1 `cv4_kpts` (K*ndim) and `cv4_sigma` (K*2, RLE scale);
    `flow_model` is the RealNVP density used by the RLE keypoint loss. Raw output per branch:
    (feats, kpts Tensor[B, K*ndim, A], sigma logits Tensor[B, K*2, A]); the loss's RLE term reads the third.
    """

    def _build_kpt_branch(self, ch) -> None:
        nkp = self.kpt_shape[0]
        c4 = max(ch[0] // 4, self.nk + 2 * nkp)
        self._add_cv4(ch, c4, None)
        self.flow_model = RealNVP()
        self.cv4_kpts = nn.ModuleList(nn.Conv2d(c4, self.nk, 1) for _ in ch)
        self.cv4_sigma = nn.ModuleList(nn.Conv2d(c4, 2 * nkp, 1) for _ in ch)
        if self.has_one2one:
            self.one2one_cv4_kpts = copy.deepcopy(self.cv4_kpts)
            self.one2one_cv4_sigma = copy.deepcopy(self.cv4_sigma)

    def extra(self, x: list[torch.Tensor], one2one: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """(kpts Tensor[B, K*ndim, A], sigma logits Tensor[B, K*2, A]) from the shared trunk of the chosen side."""
        pre = "one2one_" if one2one else ""
        trunk, kpt, sig = (getattr(self, pre + n) for n in ("cv4", "cv4_kpts", "cv4_sigma"))
        b = x[0].shape[0]
        feats = [trunk[i](x[i]) for i in range(self.nl)]
        sigma = torch.cat([sig[i](f).view(b, -1, f.shape[2] * f.shape[3]) for i, f in enumerate(feats)], 2)
        return torch.cat([kpt[i](f).view(b, self.nk, -1) for i, f in enumerate(feats)], 2), sigma

    def forward_head(self, x, one2one: bool = False, shared=None):
        kpts, sigma = self.extra(x, one2one)
        return Detect.forward_head(self, x, one2one), kpts, sigma


class OBB26(OBB):
    """YOLO26 OBB: OBB with a one-to-one cv4 branch."""


__all__ = ["Segment", "Pose", "OBB", "Segment26", "Pose26", "OBB26"]
