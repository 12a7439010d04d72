"""utils.ops: the seeds' documented numbers, numpy/torch parity, rotated boxes, letterbox round trips, Profile."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
import torch
from seed_values import SEED_XYWH, SEED_XYXY  # tests/ is on sys.path under pytest

from ultralytics_clone.data.augment import LetterBox
from ultralytics_clone.utils import ops
from ultralytics_clone.utils.ops import (
    Profile,
    clip_boxes,
    clip_coords,
    crop_mask,
    ltwh2xywh,
    ltwh2xyxy,
    make_divisible,
    masks2segments,
    process_mask,
    process_mask_native,
    resample_segments,
    scale_boxes,
    scale_coords,
    scale_image,
    scale_masks,
    segment2box,
    segments2boxes,
    xywh2ltwh,
    xywh2xyxy,
    xywhn2xyxy,
    xywhr2xyxyxyxy,
    xyxy2ltwh,
    xyxy2xywh,
    xyxy2xywhn,
    xyxyxyxy2xywhr,
)


def test_make_divisible_seed_values():
    assert make_divisible(7, 3) == 9 and make_divisible(7, 2) == 8
    assert make_divisible(64 * 0.25, 8) == 16 and make_divisible(10, torch.tensor([8, 32])) == 32


def test_xyxy2xywh_seed_values_numpy_and_torch():
    np.testing.assert_allclose(xyxy2xywh(SEED_XYXY), SEED_XYWH, rtol=1e-4, atol=6e-3)
    t = xyxy2xywh(torch.tensor(SEED_XYXY))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    np.testing.assert_allclose(t.numpy(), xyxy2xywh(SEED_XYXY))
    assert xyxy2xywh(np.array([[0, 0, 4, 2]])).dtype == np.float32  # integers become floats


def test_scale_boxes_seed_values():
    h, w = 1080, 810  # bus.jpg
    new_h, new_w = int(h * 1.2), int(w * 1.2)
    out = scale_boxes((h, w), SEED_XYXY.copy(), (new_h, new_w), ratio_pad=None, padding=False, xywh=False)
    expected = np.array(
        [
            [27.454, 277.52, 965.98, 908.2],
            [58.262, 478.27, 294.42, 1083.3],
            [803.36, 470.63, 971.66, 1052.4],
            [265.82, 486.96, 413.98, 1029],
            [0, 660.64, 75.612, 1048.1],
            [0.0701, 305.35, 39.073, 389.84],
        ]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)


def test_segments2boxes_seed_values():
    expected = np.array(
        [[741.66, 631.12, 133.31, 479.25], [146.81, 649.69, 185.62, 502.88], [281.81, 636.19, 118.12, 448.88]]
    )
    segments = []
    for cx, cy, bw, bh in expected:  # a ragged polygon touching each side of its box once
        x1, y1, x2, y2 = cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2
        segments.append(np.array([x2 - 3, y1, x2, y1 + 8, x2 - 5, y2, x1 + 20, y2 - 2, x1, cy, x1 + 9, y1 + 1]))
    out = segments2boxes([s.reshape(-1, 2) for s in segments])
    assert out.dtype == np.float32 and out.shape == (3, 4)
    np.testing.assert_allclose(out, expected, atol=1e-3)
    assert segments2boxes([]).shape == (0, 4)


FORMATS = [
    (xyxy2xywh, xywh2xyxy),
    (xywh2ltwh, ltwh2xywh),
    (xyxy2ltwh, ltwh2xyxy),
]


@pytest.mark.parametrize("fwd,back", FORMATS, ids=lambda f: f.__name__)
def test_conversions_round_trip_numpy_and_torch(fwd, back):
    x = np.random.default_rng(0).uniform(1, 100, (7, 4))
    x[:, 2:] += x[:, :2]  # valid xyxy / also fine as xywh
    np.testing.assert_allclose(back(fwd(x)), x, atol=1e-9)
    t = torch.from_numpy(x)
    np.testing.assert_allclose(fwd(t).numpy(), fwd(x), atol=1e-9)
    assert fwd(x[None]).shape == (1, 7, 4)  # any leading dims


def test_documented_conversion_examples():
    ltwh = np.array([[10.0, 20.0, 30.0, 40.0]])
    np.testing.assert_allclose(ltwh2xywh(ltwh), [[25, 40, 30, 40]])
    np.testing.assert_allclose(ltwh2xyxy(ltwh), [[10, 20, 40, 60]])
    np.testing.assert_allclose(xywh2ltwh(np.array([[25.0, 40, 30, 40]])), ltwh)
    np.testing.assert_allclose(xyxy2ltwh(np.array([[10.0, 20, 40, 60]])), ltwh)
    xyxy = xywhn2xyxy(np.array([[0.5, 0.5, 0.5, 0.25]]), w=200, h=100, padw=3, padh=4)
    np.testing.assert_allclose(xyxy, [[53, 41.5, 153, 66.5]])
    np.testing.assert_allclose(xyxy2xywhn(np.array([[50.0, 37.5, 150, 62.5]]), w=200, h=100), [[0.5, 0.5, 0.5, 0.25]])
    clipped = xyxy2xywhn(torch.tensor([[-10.0, 0, 210, 50]]), w=200, h=100, clip=True)
    torch.testing.assert_close(clipped, torch.tensor([[0.5, 0.25, 1.0, 0.5]]))
    with pytest.raises(ValueError, match="4 values"):
        xyxy2xywh(np.zeros((2, 5)))


def test_rotated_box_round_trip_and_min_area_rect():
    rng = np.random.default_rng(1)
    rb = np.stack([rng.uniform(50, 150, 20), rng.uniform(50, 150, 20), rng.uniform(5, 60, 20),
                   rng.uniform(5, 60, 20), rng.uniform(-3, 3, 20)], 1)  # fmt: skip
    corners = xywhr2xyxyxyxy(rb)
    assert corners.shape == (20, 4, 2)
    back = xyxyxyxy2xywhr(corners.reshape(20, 8))
    assert back.dtype == np.float32 and (back[:, 4] >= 0).all() and (back[:, 4] < np.pi / 2).all()
    for a, b in zip(corners, xywhr2xyxyxyxy(back.astype(np.float64))):  # same rectangle, corners maybe rotated
        d = np.abs(a[None] - b[:, None]).sum(-1).min(1)
        assert d.max() < 1e-3
    torch.testing.assert_close(xyxyxyxy2xywhr(torch.from_numpy(corners)), torch.from_numpy(back))
    quad = np.array([[[0, 0], [40, 10], [50, 40], [5, 30]]], np.float32)  # not a rectangle: cv2's min-area rect
    (cx, cy), (w, h), _ = cv2.minAreaRect(quad[0])
    ours = xyxyxyxy2xywhr(quad)[0]
    assert abs(ours[2] * ours[3] - w * h) < 1e-2 * w * h and abs(ours[0] - cx) < 0.05 and abs(ours[1] - cy) < 0.05
    assert xyxyxyxy2xywhr(np.zeros((0, 8))).shape == (0, 5) and xyxyxyxy2xywhr(torch.zeros(0, 4, 2)).shape == (0, 5)
    t = xywhr2xyxyxyxy(torch.tensor([[10.0, 20.0, 30.0, 10.0, 0.0]]))
    torch.testing.assert_close(t, torch.tensor([[[25.0, 25.0], [25.0, 15.0], [-5.0, 15.0], [-5.0, 25.0]]]))


def test_clip_boxes_and_coords():
    b = np.array([[-5.0, -5, 300, 80]])
    assert clip_boxes(b, (60, 200)).tolist() == [[0, 0, 200, 60]]
    t = torch.tensor([[-5.0, -5, 300, 80]])
    assert clip_boxes(t, (60, 200, 3)).tolist() == [[0, 0, 200, 60]]
    pts = torch.tensor([[[-1.0, 70.0, 1.0], [250.0, 3.0, 1.0]]])
    assert clip_coords(pts, (60, 200)).tolist() == [[[0, 60, 1], [200, 3, 1]]]


def test_scale_boxes_and_coords_undo_letterbox():
    """Boxes and points drawn on a 160x120 image, letterboxed to 128, map back onto the original."""
    labels = LetterBox((128, 128))(image=np.zeros((120, 160, 3), np.uint8))
    assert labels.shape == (128, 128, 3)
    gain, pad = 0.8, (0, 16)
    orig = np.array([[10.0, 20, 60, 100]])
    boxed = orig * gain + [pad[0], pad[1], pad[0], pad[1]]
    np.testing.assert_allclose(scale_boxes((128, 128), boxed.copy(), (120, 160)), orig, atol=1e-6)
    np.testing.assert_allclose(scale_boxes((128, 128), boxed.copy(), (120, 160), ratio_pad=((gain, gain), pad)), orig)
    xywh = xyxy2xywh(boxed)
    np.testing.assert_allclose(scale_boxes((128, 128), xywh, (120, 160), xywh=True), xyxy2xywh(orig), atol=1e-6)
    pts = torch.tensor([[[10.0, 20.0], [60.0, 100.0]]]) * gain + torch.tensor([0.0, 16.0])
    back = scale_coords((128, 128), pts, (120, 160), normalize=True)
    torch.testing.assert_close(back, torch.tensor([[[10 / 160, 20 / 120], [60 / 160, 100 / 120]]]))


def test_segment_helpers():
    seg = np.array([[-10.0, 5], [50, 5], [50, 700], [20, 30]])
    assert segment2box(seg, width=100, height=100).tolist() == [20, 5, 50, 30]
    assert segment2box(seg - 1000, 100, 100).tolist() == [0, 0, 0, 0]
    tri = np.array([[0.0, 0], [10, 0], [0, 10]])
    out = resample_segments([tri, np.zeros((2000, 2))], n=50)
    assert [o.shape for o in out] == [(50, 2), (50, 2)] and out[0].dtype == np.float32
    assert all((out[0] == v).all(1).any() for v in tri)  # original vertices survive
    assert np.abs(out[0][-1] - tri[0]).max() < 1e-6  # the outline is closed


def test_crop_and_process_masks():
    masks = torch.ones(2, 8, 8)
    out = crop_mask(masks, torch.tensor([[0.0, 0, 4, 4], [2, 2, 8, 6]]))
    assert out[0].sum() == 16 and out[1].sum() == 24 and out[1, 1].sum() == 0
    protos = torch.ones(3, 16, 16)
    coef = torch.tensor([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    boxes = torch.tensor([[0.0, 0.0, 32.0, 32.0], [0.0, 0.0, 64.0, 64.0]])
    m = process_mask(protos, coef, boxes, (64, 64))
    assert m.shape == (2, 16, 16) and m[0].sum() == 64 and m[1].sum() == 0
    up = process_mask(protos, coef, boxes, (64, 64), upsample=True)
    assert up.shape == (2, 64, 64) and 32 * 32 <= up[0].sum() <= 34 * 34  # cropped, then upsampled (soft edge)
    native = process_mask_native(protos, coef, boxes, (48, 64))
    assert native.shape == (2, 48, 64) and native[0].sum() == 32 * 32


def test_scale_masks_and_image_remove_letterbox_padding():
    m = torch.zeros(1, 1, 128, 128)
    m[..., 16:112, :] = 1  # the image part of a 160x120 frame letterboxed to 128
    out = scale_masks(m, (120, 160))
    assert out.shape == (1, 1, 120, 160) and out.min() == 1
    im = np.zeros((128, 128, 2), np.float32)
    im[16:112] = 1
    res = scale_image(im, (120, 160))
    assert res.shape == (120, 160, 2) and res.min() == 1
    assert scale_image(np.zeros((120, 160, 1)), (120, 160)).shape == (120, 160, 1)


def test_masks2segments():
    masks = torch.zeros(2, 32, 32)
    masks[0, 4:12, 4:20] = 1
    masks[1, 2:6, 2:6] = 1
    masks[1, 20:30, 20:30] = 1
    segs = masks2segments(masks, strategy="largest")
    assert segs[0].dtype == np.float32 and segs[0][:, 0].min() == 4 and segs[0][:, 0].max() == 19
    assert segs[1][:, 0].min() == 20  # the larger of the two blobs
    assert len(masks2segments(masks, strategy="all")[1]) == 8  # both squares' corners
    assert masks2segments(torch.zeros(1, 8, 8))[0].shape == (0, 2)
    with pytest.raises(ValueError, match="strategy"):
        masks2segments(masks, strategy="biggest")


def test_profile_context_manager_and_decorator():
    p = Profile()
    with p:
        time.sleep(0.01)
    with p:
        time.sleep(0.01)
    assert p.t >= 0.02 and 0.01 <= p.dt < p.t and str(p).startswith("Elapsed time is")
    timer = Profile(t=1.0)

    @timer
    def work():
        time.sleep(0.005)

    work()
    assert timer.t >= 1.005


def test_profile_cuda_without_cuda_times_on_cpu(monkeypatch):
    warned = []
    monkeypatch.setattr(ops, "warn_once", warned.append)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with Profile(device="cuda:0") as p:
        time.sleep(0.002)
    assert p.t > 0 and not p.cuda and len(warned) == 1 and "CUDA" in warned[0]
    Profile(device="cpu")
    assert len(warned) == 1


def test_scale_boxes_and_coords_use_per_axis_gains():
    """A letterbox whose gain differs per axis (the loader records (h / h0, w / w0)) maps back exactly."""
    import torch

    from ultralytics_clone.utils.ops import scale_boxes, scale_coords

    ratio_pad = ((0.5, 0.25), (4, 2))  # y gain 0.5, x gain 0.25, pad left 4, top 2
    orig = torch.tensor([[40.0, 20.0, 200.0, 100.0]])
    lb = torch.tensor([[40 * 0.25 + 4, 20 * 0.5 + 2, 200 * 0.25 + 4, 100 * 0.5 + 2]])
    torch.testing.assert_close(scale_boxes((64, 64), lb.clone(), (120, 240), ratio_pad=ratio_pad), orig)
    pts = torch.tensor([[[14.0, 12.0]]])
    torch.testing.assert_close(scale_coords((64, 64), pts, (120, 240), ratio_pad=ratio_pad), torch.tensor([[[40.0, 20.0]]]))


def test_scale_masks_ratio_pad_and_zero_masks():
    import torch

    from ultralytics_clone.utils.ops import process_mask, process_mask_native, process_mask_upsample, scale_masks

    m = torch.zeros(1, 1, 64, 64)
    m[..., 8:56, 16:48] = 1  # a 48x32 image letterboxed at gain 1 with padding left 16, top 8
    out = scale_masks(m, (48, 32), ratio_pad=(1.0, (16, 8)))
    assert out.shape == (1, 1, 48, 32) and out.min() == 1
    protos = torch.rand(32, 16, 16)
    for f in (process_mask_native, process_mask_upsample):
        assert f(protos, torch.zeros(0, 32), torch.zeros(0, 4), (64, 64)).shape == (0, 64, 64)
    assert process_mask(protos, torch.zeros(0, 32), torch.zeros(0, 4), (64, 64), upsample=True).shape == (0, 64, 64)
