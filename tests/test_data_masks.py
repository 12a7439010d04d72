"""data.masks: polygon rasterisation for training masks (the seeds' polygon2mask call included)."""

from __future__ import annotations

import numpy as np

from ultralytics_clone.data.masks import polygon2mask, polygons2masks, polygons2masks_overlap


def test_polygon2mask_seed_call():
    imgsz = (1080, 810)
    polygon = np.array([100, 200, 500, 200, 500, 700, 100, 700], np.float32)  # flat x, y list like the seeds'
    mask = polygon2mask(imgsz, [polygon], color=255, downsample_ratio=1)
    assert mask.shape == (1080, 810) and mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 255}
    ys, xs = np.nonzero(mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (100, 500, 200, 700)  # cv2 fills edges inclusively
    assert mask.sum() / 255 == 401 * 501


def test_downsampled_masks_keep_area_and_position():
    square = np.array([[8.0, 8], [40, 8], [40, 24], [8, 24]])
    m = polygon2mask((64, 64), [square], downsample_ratio=4)
    assert m.shape == (16, 16) and m[2:6, 2:10].all() and 32 <= m.sum() <= 9 * 5  # within half a cell per edge
    stack = polygons2masks((64, 64), [square, square + 20], color=1, downsample_ratio=4)
    assert stack.shape == (2, 16, 16) and stack[1, 7:11, 7:15].all() and 32 <= stack[1].sum() <= 45
    assert not stack[1, :6].any() and not stack[1, :, :6].any()


def test_overlap_mask_orders_by_area_and_small_objects_on_top():
    big = np.array([[0.0, 0], [64, 0], [64, 64], [0, 64]])
    small = np.array([[16.0, 16], [32, 16], [32, 32], [16, 32]])
    mask, order = polygons2masks_overlap((64, 64), np.stack([small, big]), downsample_ratio=4)
    assert order.tolist() == [1, 0]  # big first
    assert mask.shape == (16, 16) and mask[0, 0] == 1 and (mask[4:8, 4:8] == 2).all() and 16 <= (mask == 2).sum() <= 25
