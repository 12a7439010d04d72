"""utils.instance: the seeds' Bboxes numbers, format conversions, and Instances geometry."""

from __future__ import annotations

import numpy as np
import pytest
from seed_values import SEED_XYXY  # tests/ is on sys.path under pytest

from ultralytics_clone.utils.instance import Bboxes, Instances


def test_bboxes_seed_areas_and_xywh():
    boxes = Bboxes(bboxes=SEED_XYXY.copy(), format="xyxy")
    np.testing.assert_allclose(boxes.areas(), [4.1104e05, 99216, 68000, 55772, 20347, 2288.5], rtol=1e-4)
    boxes.convert("xywh")
    expected = [
        [413.93, 494.05, 782.1, 525.56],
        [146.95, 650.63, 196.8, 504.15],
        [739.6, 634.62, 140.25, 484.85],
        [283.25, 631.67, 123.46, 451.74],
        [31.505, 711.99, 63.01, 322.91],
        [16.31, 289.67, 32.503, 70.41],
    ]
    np.testing.assert_allclose(boxes.bboxes, expected, rtol=1e-4, atol=6e-3)
    assert boxes.format == "xywh"
    np.testing.assert_allclose(boxes.areas(), Bboxes(SEED_XYXY).areas())  # same areas in every format


def test_bboxes_formats_ops_and_errors():
    b = Bboxes(np.array([10.0, 20.0, 30.0, 60.0]))  # 1-D becomes (1, 4)
    assert b.bboxes.shape == (1, 4) and len(b) == 1
    for fmt, expected in (("ltwh", [10, 20, 20, 40]), ("xywh", [20, 40, 20, 40]), ("xyxy", [10, 20, 30, 60])):
        b.convert(fmt)
        assert b.bboxes.tolist() == [expected]
    b.mul(2)
    b.add((1, 2, 3, 4))
    assert b.bboxes.tolist() == [[21, 42, 63, 124]]
    b.mul((0.5, 1, 1, 1))
    assert b.bboxes.tolist() == [[10.5, 42, 63, 124]]
    both = Bboxes.concatenate([b, Bboxes(np.zeros((2, 4)))])
    assert len(both) == 3 and both[0].bboxes.shape == (1, 4) and len(both[1:]) == 2
    assert len(both[np.array([True, False, True])]) == 2
    with pytest.raises(ValueError, match="format"):
        Bboxes(np.zeros((1, 4)), format="cxcywh")
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        Bboxes(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="same format"):
        Bboxes.concatenate([Bboxes(np.zeros((1, 4))), Bboxes(np.zeros((1, 4)), "xywh")])


def _instances() -> Instances:
    boxes = np.array([[0.5, 0.5, 0.2, 0.4], [0.25, 0.25, 0.1, 0.1]])  # xywh normalised
    segs = np.array([[[0.4, 0.3], [0.6, 0.3], [0.6, 0.7], [0.4, 0.7], [0.5, 0.5]],
                     [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3], [0.2, 0.3], [0.25, 0.25]]], np.float32)  # fmt: skip
    kpts = np.array([[[0.45, 0.5, 2], [0.55, 0.5, 2]], [[0.22, 0.25, 2], [0.28, 0.25, 1]]], np.float32)
    return Instances(boxes, segs, kpts, bbox_format="xywh", normalized=True)


def test_instances_denormalize_pad_normalize_round_trip():
    inst = _instances()
    inst.denormalize(200, 100)
    assert not inst.normalized and inst.bboxes[0].tolist() == [100, 50, 40, 40]
    assert inst.segments[0, 0].tolist() == pytest.approx([80, 30]) and inst.keypoints[0, 1, :2].tolist() == [110, 50]
    inst.denormalize(200, 100)  # no-op once in pixels
    inst.convert_bbox("xyxy")
    inst.add_padding(10, 5)
    assert inst.bboxes[0].tolist() == [90, 35, 130, 75] and inst.segments[0, 0].tolist() == pytest.approx([90, 35])
    assert inst.keypoints[0, 0].tolist() == pytest.approx([100, 55, 2])  # visibility untouched
    np.testing.assert_allclose(inst.bbox_areas, [1600, 200])
    inst.scale(0.5, 2.0, bbox_only=True)
    assert inst.bboxes[0].tolist() == [45, 70, 65, 150] and inst.segments[0, 0].tolist() == pytest.approx([90, 35])
    inst.normalize(100, 200)
    assert inst.normalized and inst.bboxes[0].tolist() == pytest.approx([0.45, 0.35, 0.65, 0.75])
    with pytest.raises(ValueError, match="denormalize"):
        inst.add_padding(1, 1)


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "ltwh"])
def test_instances_flips_in_every_format(fmt):
    inst = _instances()
    inst.denormalize(200, 100)
    inst.convert_bbox(fmt)
    inst.fliplr(200)
    inst.flipud(100)
    inst.convert_bbox("xyxy")
    assert inst.bboxes[1].tolist() == pytest.approx([140, 70, 160, 80])
    assert inst.segments[1, 0].tolist() == pytest.approx([160, 80])
    assert inst.keypoints[1, 0, :2].tolist() == pytest.approx([156, 75])


def test_instances_clip_remove_index_concatenate_update():
    inst = _instances()
    inst.denormalize(200, 100)
    inst.convert_bbox("xyxy")
    inst.add_padding(-65, 0)  # the second instance leaves the image on the left
    inst.clip(200, 100)
    assert inst.bboxes[1].tolist() == [0, 20, 0, 30] and inst.segments[..., 0].min() == 0
    assert inst.keypoints[1, :, 2].tolist() == [0, 0]  # outside -> invisible
    good = inst.remove_zero_area_boxes()
    assert good.tolist() == [True, False] and len(inst) == 1 and inst.segments.shape[0] == 1
    assert len(inst.keypoints) == 1
    both = Instances.concatenate([inst, Instances.concatenate([inst])])
    assert len(both) == 2
    sub = both[0]
    assert len(sub) == 1 and sub.keypoints.shape == (1, 2, 3)
    sub.update(np.array([[1.0, 2, 3, 4]]))
    assert sub.bboxes.tolist() == [[1, 2, 3, 4]]
    with pytest.raises(ValueError, match="same bbox format"):
        Instances.concatenate([_instances(), inst])


def test_instances_obb_quads_are_not_clipped_point_wise():
    quad = np.array([[[-10.0, 10], [30, 10], [30, 30], [-10, 30]]], np.float32)
    inst = Instances(np.array([[-10.0, 10, 30, 30]]), quad, None, bbox_format="xyxy", normalized=False)
    inst.clip(100, 100)
    assert inst.bboxes.tolist() == [[0, 10, 30, 30]] and inst.segments[0, 0].tolist() == [-10, 10]


def test_instances_ragged_segments_and_empty():
    inst = Instances(np.zeros((2, 4)), [np.zeros((5, 2)), np.ones((7, 2))])
    assert inst.segments.shape == (2, 1000, 2)
    empty = Instances(np.zeros((0, 4)))
    assert len(empty) == 0 and empty.segments.shape == (0, 1000, 2) and empty.keypoints is None
    a, b = Instances(np.zeros((1, 4)), np.zeros((1, 50, 2))), Instances(np.ones((1, 4)), np.ones((1, 80, 2)))
    mixed = Instances.concatenate([a, b])
    assert mixed.segments.shape == (2, 80, 2)


def test_instances_concatenate_keypoints_with_empty_items():
    kp = Instances(np.ones((2, 4)), None, np.ones((2, 5, 3), np.float32))
    out = Instances.concatenate([kp, Instances(np.zeros((0, 4)))])
    assert out.keypoints.shape == (2, 5, 3)
    with pytest.raises(ValueError, match="keypoints"):
        Instances.concatenate([kp, Instances(np.zeros((1, 4)))])
