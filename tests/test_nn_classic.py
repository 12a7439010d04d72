"""Blocks of earlier YOLO generations: shapes, re-parameterisation exactness, and use from a model YAML."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.nn import modules as M


@pytest.mark.parametrize(
    "block, shape",
    [
        (lambda: M.GhostBottleneck(8, 16, 3, 2), (1, 16, 8, 8)),
        (lambda: M.Focus(8, 16), (1, 16, 8, 8)),
        (lambda: M.SPP(8, 16), (1, 16, 16, 16)),
        (lambda: M.CBAM(8), (1, 8, 16, 16)),
        (lambda: M.C3TR(8, 16), (1, 16, 16, 16)),
        (lambda: M.BottleneckCSP(8, 16, 2), (1, 16, 16, 16)),
        (lambda: M.ConvTranspose(8, 4), (1, 4, 32, 32)),
    ],
)
def test_block_output_shapes(block, shape):
    assert tuple(block()(torch.rand(1, 8, 16, 16)).shape) == shape


@pytest.mark.parametrize("make", [lambda: M.RepConv(8, 8, bn=True), lambda: M.RepConv(8, 16, s=2)])
def test_repconv_fuses_to_one_equivalent_kernel(make):
    torch.manual_seed(0)
    m = make().eval()
    for bn in (b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)):
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2), bn.weight.data.uniform_(0.5, 1.5)
    x = torch.rand(2, 8, 12, 12)
    y = m(x)
    m.fuse_convs()
    assert not hasattr(m, "conv1") and torch.allclose(m(x), y, atol=1e-4)


def test_classic_blocks_build_from_a_model_yaml_and_fuse(tmp_path):
    from ultralytics_clone.nn.tasks import DetectionModel

    cfg = {
        "nc": 2,
        "backbone": [[-1, 1, "Focus", [16, 3]], [-1, 1, "Conv2", [32, 3, 2]], [-1, 2, "C3Ghost", [32]],
                     [-1, 1, "RepConv", [32]], [-1, 1, "SPP", [32]]],
        "head": [[-1, 1, "C2", [32]], [[5], 1, "Detect", ["nc"]]],
    }  # fmt: skip
    model = DetectionModel(cfg, verbose=False).eval()
    x = torch.rand(1, 3, 64, 64)
    y = model(x)[0]
    model.fuse(verbose=False)
    assert torch.allclose(model(x)[0], y, atol=1e-3)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
