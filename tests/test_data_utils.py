"""data.utils helpers and the built-in synthetic generator."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from ultralytics_clone.data import synthetic
from ultralytics_clone.data.utils import (
    IMG_FORMATS,
    VID_FORMATS,
    autosplit,
    bgr_to_unit_rgb,
    compress_one_image,
    get_hash,
    hwc_to_chw,
    img2label_paths,
    imread,
    polygon2mask,
    polygons2masks,
)
from ultralytics_clone.utils.errors import DatasetError


def test_formats_match_the_documented_sets():
    assert IMG_FORMATS == {"tiff", "pfm", "bmp", "mpo", "dng", "jpeg", "png", "webp", "tif", "jpg"}
    assert VID_FORMATS == {"avi", "mpg", "wmv", "mpeg", "m4v", "mov", "mp4", "asf", "mkv", "ts", "gif", "webm"}


def test_img2label_paths_replaces_the_last_images_folder():
    s = os.sep
    got = img2label_paths([f"{s}d{s}images{s}set{s}images{s}a.b.jpg", f"{s}d{s}images{s}x.png"])
    assert got == [f"{s}d{s}images{s}set{s}labels{s}a.b.txt", f"{s}d{s}labels{s}x.txt"]


def test_get_hash_tracks_names_sizes_and_mtimes(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("1")
    h0 = get_hash([f])
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    h1 = get_hash([f])
    f.write_text("12")
    assert len({h0, h1, get_hash([f]), get_hash([tmp_path / "b.txt"])}) == 4


def test_autosplit_writes_the_three_lists(tmp_path):
    img_dir = tmp_path / "images"
    img_dir.mkdir()
    for i in range(20):
        cv2.imwrite(str(img_dir / f"{i}.jpg"), np.zeros((12, 12, 3), np.uint8))
    (tmp_path / "labels").mkdir()
    for i in range(5):
        (tmp_path / "labels" / f"{i}.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    written = autosplit(img_dir, weights=(0.5, 0.3, 0.2))
    lines = [ln for f in written for ln in f.read_text().splitlines()]
    assert sorted(lines) == sorted(f"./images/{i}.jpg" for i in range(20)) and len(written) == 3
    annotated = autosplit(img_dir, weights=(1.0, 0.0, 0.0), annotated_only=True)
    assert [f.name for f in annotated] == ["autosplit_train.txt"] and len(annotated[0].read_text().splitlines()) == 5


def test_compress_one_image_keeps_aspect_and_never_enlarges(tmp_path):
    big, small = tmp_path / "big.jpg", tmp_path / "small.jpg"
    rng = np.random.default_rng(0)
    cv2.imwrite(str(big), rng.integers(0, 255, (1000, 2500, 3), dtype=np.uint8))
    cv2.imwrite(str(small), rng.integers(0, 255, (100, 50, 3), dtype=np.uint8))
    before = big.stat().st_size
    compress_one_image(big)
    compress_one_image(small)
    assert imread(big).shape == (768, 1920, 3) and big.stat().st_size < before
    assert imread(small).shape == (100, 50, 3)


def test_polygon_masks_are_reexported():
    mask = polygon2mask((20, 30), [np.array([2, 2, 12, 2, 12, 10, 2, 10], np.float32)], color=255, downsample_ratio=1)
    assert mask.shape == (20, 30) and mask.max() == 255 and 60 <= (mask > 0).sum() <= 120
    masks = polygons2masks((20, 30), [np.array([2, 2, 12, 2, 12, 10], np.float32)] * 2, color=1, downsample_ratio=2)
    assert masks.shape == (2, 10, 15)


def test_synthetic_sets_are_deterministic_and_labels_match_pixels(tmp_path):
    a = synthetic.build_synthetic("shapes-seg", tmp_path / "a", n_train=3, n_val=1, seed=5)
    b = synthetic.build_synthetic("shapes-seg", tmp_path / "b", n_train=3, n_val=1, seed=5)
    for f in sorted((a / "labels" / "train").glob("*.txt")):
        assert f.read_text() == (b / "labels" / "train" / f.name).read_text()
    assert synthetic.build_synthetic("shapes-seg", tmp_path / "a", n_train=99) == a  # built once, then reused
    assert len(list((a / "images" / "train").glob("*.jpg"))) == 3
    im = imread(a / "images" / "train" / "train_0000.jpg")
    h, w = im.shape[:2]
    for line in (a / "labels" / "train" / "train_0000.txt").read_text().splitlines():
        poly = (np.array(line.split()[1:], np.float32).reshape(-1, 2) * (w, h)).astype(np.int32)
        inside = polygon2mask((h, w), [poly.ravel()], color=1).astype(bool)
        ring = cv2.dilate(inside.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~cv2.dilate(
            inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # fmt: skip
        eroded = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        shape_px, bg_px = im[eroded].astype(float), im[ring].astype(float)
        assert shape_px.std(0).max() < 6  # flat fill inside the labelled polygon
        assert np.abs(shape_px.mean(0) - bg_px.mean(0)).max() > 3  # and it differs from what surrounds it
    with pytest.raises(DatasetError, match="built-in"):
        synthetic.build_synthetic("shapes-nope", tmp_path / "c")


def test_synthetic_pose_keypoints_are_the_square_corners(shapes_data):
    root = Path(shapes_data["pose"]["path"])
    for f in sorted((root / "labels" / "val").glob("*.txt"))[:4]:
        for line in f.read_text().splitlines():
            v = np.array(line.split(), np.float32)
            box, kpt = v[1:5], v[5:].reshape(4, 3)
            assert (kpt[:, 2] == 2).all()
            np.testing.assert_allclose(kpt[:, :2].min(0), box[:2] - box[2:] / 2, atol=1e-5)
            np.testing.assert_allclose(kpt[:, :2].max(0), box[:2] + box[2:] / 2, atol=1e-5)


def test_unit_rgb_conversions_agree_with_a_plain_divide():
    """Both layouts the predictor builds hold exactly what torch.div(RGB planes, 255) holds."""
    import torch

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (37, 53, 3), dtype=np.uint8) for _ in range(3)]
    planes = hwc_to_chw(images)  # (B, 3, H, W) RGB
    assert planes.shape == (3, 3, 37, 53) and np.array_equal(planes[1, 0], images[1][..., 2])
    expected = torch.div(torch.from_numpy(planes), 255)
    nhwc = bgr_to_unit_rgb(images)
    assert nhwc.shape == (3, 37, 53, 3) and nhwc.dtype == np.float32
    as_bchw = torch.from_numpy(nhwc).permute(0, 3, 1, 2)
    assert as_bchw.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(as_bchw, expected)
