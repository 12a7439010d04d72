"""data.converter on a tiny hand-written COCO JSON and on mask images."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ultralytics_clone.data.converter import (
    coco80_to_coco91_class,
    coco91_to_coco80_class,
    convert_coco,
    convert_segment_masks_to_yolo_seg,
    merge_multi_segment,
)
from ultralytics_clone.utils.errors import DatasetError

COCO = {
    "images": [
        {"id": 1, "file_name": "000000000001.jpg", "width": 200, "height": 100},
        {"id": 7, "file_name": "sub/000000000007.jpg", "width": 100, "height": 100},
    ],
    "annotations": [
        {"id": 10, "image_id": 1, "category_id": 1, "bbox": [20, 10, 40, 20], "iscrowd": 0,
         "segmentation": [[20, 10, 60, 10, 60, 30, 20, 30]],
         "keypoints": [30, 20, 2, 50, 20, 1]},
        {"id": 11, "image_id": 1, "category_id": 13, "bbox": [100, 50, 50, 50], "iscrowd": 0,  # stop sign: 91-id 13
         "segmentation": [[100, 50, 150, 50, 150, 100], [100, 60, 110, 60, 110, 70]],
         "keypoints": [0, 0, 0, 0, 0, 0]},
        {"id": 12, "image_id": 1, "category_id": 1, "bbox": [20, 10, 40, 20], "iscrowd": 0,  # duplicate box
         "segmentation": [[20, 10, 60, 10, 60, 30, 20, 30]], "keypoints": [30, 20, 2, 50, 20, 1]},
        {"id": 13, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "iscrowd": 1,
         "segmentation": {"counts": [1, 2], "size": [100, 200]}},
        {"id": 14, "image_id": 7, "category_id": 90, "bbox": [0, 0, 0, 10], "iscrowd": 0, "segmentation": []},
        {"id": 15, "image_id": 7, "category_id": 90, "bbox": [10, 20, 30, 40], "iscrowd": 0,
         "segmentation": [[10, 20, 40, 20, 40, 60]]},
    ],
}  # fmt: skip


@pytest.fixture
def coco_dir(tmp_path):
    d = tmp_path / "annotations"
    d.mkdir()
    (d / "instances_val2017.json").write_text(json.dumps(COCO))
    return d


def _rows(path) -> list[list[float]]:
    return [[float(v) for v in line.split()] for line in path.read_text().splitlines()]


def test_coco_class_maps():
    m = coco91_to_coco80_class()
    assert len(m) == 91 and m[0] == 0 and m[10] == 10 and m[11] is None and m[12] == 11 and m[89] == 79
    assert sum(v is not None for v in m) == 80
    back = coco80_to_coco91_class()
    assert len(back) == 80 and all(m[cid - 1] == i for i, cid in enumerate(back))


def test_convert_coco_boxes(coco_dir, tmp_path):
    out = convert_coco(coco_dir, save_dir=tmp_path / "out", cls91to80=True)
    assert (out / "images").is_dir()
    rows = _rows(out / "labels" / "val2017" / "000000000001.txt")
    assert rows == [[0, 0.2, 0.2, 0.2, 0.2], [11, 0.625, 0.75, 0.25, 0.5]]  # crowd and duplicate dropped
    assert _rows(out / "labels" / "val2017" / "000000000007.txt") == [[79, 0.25, 0.4, 0.3, 0.4]]  # empty box dropped
    again = convert_coco(coco_dir, save_dir=tmp_path / "out", cls91to80=False)
    assert again.name == "out2" and _rows(again / "labels" / "val2017" / "000000000001.txt")[1][0] == 12


def test_convert_coco_segments_and_keypoints(coco_dir, tmp_path):
    seg = convert_coco(coco_dir, save_dir=tmp_path / "seg", use_segments=True)
    rows = _rows(seg / "labels" / "val2017" / "000000000001.txt")
    assert rows[0] == [0, 0.1, 0.1, 0.3, 0.1, 0.3, 0.3, 0.1, 0.3]
    merged = np.array(rows[1][1:]).reshape(-1, 2) * [200, 100]
    assert rows[1][0] == 11 and len(merged) == 3 + 1 + 3 + 1 + 1  # both parts plus the bridge ends
    assert {(100, 60), (150, 100)} <= {tuple(p) for p in np.round(merged).astype(int).tolist()}
    kpt = convert_coco(coco_dir, save_dir=tmp_path / "kpt", use_keypoints=True)
    rows = _rows(kpt / "labels" / "val2017" / "000000000001.txt")
    assert rows[0] == [0, 0.2, 0.2, 0.2, 0.2, 0.15, 0.2, 2, 0.25, 0.2, 1]
    assert len(rows[1]) == 5 + 6


def test_merge_multi_segment_visits_every_point_once_per_part():
    a = [0, 0, 10, 0, 10, 10, 0, 10]
    b = [20, 0, 30, 0, 30, 10]
    pts = np.concatenate(merge_multi_segment([a, b]))
    assert {tuple(p) for p in pts.tolist()} == {(0, 0), (10, 0), (10, 10), (0, 10), (20, 0), (30, 0), (30, 10)}
    assert (pts[0] == pts[-1]).all()  # a closed outline


def test_convert_coco_missing_dir(tmp_path):
    with pytest.raises(DatasetError, match="json"):
        convert_coco(tmp_path / "nothing", save_dir=tmp_path / "o")


def test_convert_segment_masks_to_yolo_seg(tmp_path):
    masks = tmp_path / "masks"
    masks.mkdir()
    m = np.zeros((50, 100), np.uint8)
    m[10:20, 10:40] = 1  # class 0
    m[30:45, 60:90] = 3  # class 2
    m[0:5, 95:100] = 9  # beyond classes: skipped with a warning
    cv2.imwrite(str(masks / "a.png"), m)
    out = tmp_path / "labels"
    convert_segment_masks_to_yolo_seg(masks_dir=masks, output_dir=out, classes=3)
    rows = _rows(out / "a.txt")
    assert sorted(r[0] for r in rows) == [0, 2]
    for r in rows:
        pts = np.array(r[1:]).reshape(-1, 2) * [100, 50]
        box = [*pts.min(0), *pts.max(0)]
        assert box == ([10, 10, 39, 19] if r[0] == 0 else [60, 30, 89, 44])
