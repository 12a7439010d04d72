"""Overlap measures: hand-computed values, torchvision agreement, ProbIoU properties."""

import math

import numpy as np
import pytest
import torch
import torchvision

from ultralytics_clone.utils.metrics import (
    OKS_SIGMA,
    _get_covariance_matrix,
    batch_probiou,
    bbox_ioa,
    bbox_iou,
    box_iou,
    kpt_iou,
    mask_iou,
    probiou,
)


def _random_xyxy(n, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 100
    return torch.cat((xy, xy + torch.rand(n, 2, generator=g) * 50 + 1), 1)


def test_box_iou_hand_values():
    a = torch.tensor([[0.0, 0, 10, 10]])
    b = torch.tensor([[5.0, 5, 15, 15], [0, 0, 10, 10], [20, 20, 30, 30]])
    iou = box_iou(a, b)
    assert iou.shape == (1, 3)
    assert iou[0].tolist() == pytest.approx([25 / 175, 1.0, 0.0], abs=1e-6)


def test_box_iou_matches_torchvision():
    a, b = _random_xyxy(30, 0), _random_xyxy(20, 1)
    torch.testing.assert_close(box_iou(a, b), torchvision.ops.box_iou(a, b), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "kind, ref",
    [
        ("plain", lambda a, b: torchvision.ops.box_iou(a, b).diagonal()),
        ("GIoU", lambda a, b: torchvision.ops.generalized_box_iou(a, b).diagonal()),
        ("DIoU", lambda a, b: torchvision.ops.distance_box_iou(a, b).diagonal()),
        ("CIoU", lambda a, b: torchvision.ops.complete_box_iou(a, b).diagonal()),
    ],
)
def test_bbox_iou_variants_match_torchvision(kind, ref):
    a, b = _random_xyxy(40, 2), _random_xyxy(40, 3)
    b[:10] = a[:10] + 2.0  # some strongly overlapping pairs too
    flags = {k: k == kind for k in ("GIoU", "DIoU", "CIoU")}
    ours = bbox_iou(a, b, xywh=False, **flags).squeeze(-1)
    torch.testing.assert_close(ours, ref(a, b), atol=1e-4, rtol=1e-4)


def test_bbox_iou_xywh_equals_xyxy_and_broadcasts():
    a = torch.tensor([[5.0, 5, 10, 10]])  # xywh -> 0,0,10,10
    b = torch.tensor([[10.0, 10, 10, 10]])  # -> 5,5,15,15
    assert bbox_iou(a, b).item() == pytest.approx(25 / 175, abs=1e-6)
    many = bbox_iou(a[:, None], torch.cat((a, b))[None], xywh=True)
    assert many.shape == (1, 2, 1)
    assert many.flatten().tolist() == pytest.approx([1.0, 25 / 175], abs=1e-6)


def test_ciou_gradient_flows():
    a = _random_xyxy(8, 4).requires_grad_(True)
    loss = (1 - bbox_iou(a, _random_xyxy(8, 5), xywh=False, CIoU=True)).sum()
    loss.backward()
    assert torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0


def test_bbox_ioa_hand_values():
    a = np.array([[0.0, 0, 10, 10]])
    b = np.array([[5.0, 5, 15, 15], [2, 2, 4, 4]])
    np.testing.assert_allclose(bbox_ioa(a, b), [[0.25, 1.0]], atol=1e-6)
    np.testing.assert_allclose(bbox_ioa(a, b, iou=True), [[25 / 175, 4 / 100]], atol=1e-6)


def test_mask_iou_hand_values():
    m1 = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1]])
    m2 = torch.tensor([[1, 0, 0, 0], [1, 1, 1, 1]])
    torch.testing.assert_close(mask_iou(m1, m2), torch.tensor([[0.5, 0.5], [0.0, 0.5]]), atol=1e-6, rtol=0)


def test_kpt_iou_identical_and_far():
    g = torch.Generator().manual_seed(0)
    gt = torch.cat((torch.rand(2, 17, 2, generator=g) * 100, torch.ones(2, 17, 1)), -1)
    gt[1, :5, 2] = 0  # invisible keypoints do not count
    far = gt.clone()
    far[..., :2] += 500
    oks = kpt_iou(gt, torch.cat((gt, far)), area=torch.tensor([400.0, 900.0]), sigma=OKS_SIGMA)
    assert oks.shape == (2, 4)
    assert oks[0, 0].item() == pytest.approx(1.0, abs=1e-5) and oks[1, 1].item() == pytest.approx(1.0, abs=1e-5)
    assert oks[:, 2:].max().item() < 1e-6
    # one keypoint displaced by d: exp(-d^2 / (2 * s^2 * (2 sigma)^2)) averaged over 17
    moved = gt[:1].clone()
    moved[0, 0, 0] += 10.0
    expected = (16 + math.exp(-100 / (2 * 400 * (2 * OKS_SIGMA[0]) ** 2))) / 17
    assert kpt_iou(gt[:1], moved, torch.tensor([400.0]), OKS_SIGMA).item() == pytest.approx(expected, rel=1e-5)


def test_covariance_of_square_is_isotropic():
    boxes = torch.tensor([[0.0, 0, 6, 6, 0.3], [0, 0, 6, 6, 1.2]])
    a, b, c = _get_covariance_matrix(boxes)
    torch.testing.assert_close(a, torch.full((2, 1), 3.0))
    torch.testing.assert_close(b, torch.full((2, 1), 3.0))
    torch.testing.assert_close(c, torch.zeros(2, 1), atol=1e-6, rtol=0)


def test_probiou_properties():
    g = torch.Generator().manual_seed(1)
    a = torch.cat((torch.rand(20, 2, generator=g) * 50, torch.rand(20, 2, generator=g) * 20 + 2,
                   torch.rand(20, 1, generator=g) * 3), 1)
    b = a.clone()
    b[:, :2] += torch.rand(20, 2, generator=g) * 10
    torch.testing.assert_close(probiou(a, b), probiou(b, a))  # symmetric
    assert torch.all((probiou(a, a) - 1).abs() < 1e-3)  # identical -> 1
    pair = batch_probiou(a, b)
    assert pair.shape == (20, 20)
    torch.testing.assert_close(pair.diagonal(), probiou(a, b).squeeze(-1), atol=1e-6, rtol=1e-6)
    # the same rectangle described with w/h swapped and the angle turned by 90 degrees
    swapped = a[:, [0, 1, 3, 2, 4]].clone()
    swapped[:, 4] += math.pi / 2
    assert torch.all((probiou(a, swapped) - 1).abs() < 1e-3)
    # moving a box away lowers the overlap monotonically, down to ~0
    shifts = torch.tensor([0.0, 2, 5, 10, 100])
    base = torch.tensor([[10.0, 10, 8, 4, 0.4]]).repeat(5, 1)
    moved = base.clone()
    moved[:, 0] += shifts
    values = probiou(base, moved).squeeze(-1)
    assert torch.all(values[1:] < values[:-1]) and values[-1] < 1e-3


def test_probiou_ciou_not_above_plain():
    a = torch.tensor([[10.0, 10, 8, 4, 0.4]])
    b = torch.tensor([[11.0, 10, 4, 8, 0.1]])
    assert probiou(a, b, CIoU=True).item() < probiou(a, b).item()
