"""Segment, pose, OBB and classify prediction: the reference checkpoints reproduce their .predict.json, and each
kind of Results draws."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo.obb.predict import regularize_rboxes
from ultralytics_clone.utils.nms import nms_torch, non_max_suppression

pytestmark = pytest.mark.usefixtures("torch_single_thread")


def _predict(fixtures_dir, name: str, sample: str, **kw):
    ref = json.loads((fixtures_dir / f"{name}.predict.json").read_text())
    r = YOLO(fixtures_dir / f"{name}.pt").predict(fixtures_dir / ref["source"], imgsz=ref["imgsz"], conf=ref["conf"],
                                                  max_det=ref["max_det"], verbose=False, **kw)[0]  # fmt: skip
    assert r.names == {int(k): v for k, v in ref["names"].items()}
    return r, ref


def _order(rows: np.ndarray) -> np.ndarray:
    """Rows sorted by score (column 4, descending), then x: equal-score rows come in any order, so compare as sets."""
    return np.lexsort((rows[:, 0], rows[:, 1], -np.round(rows[:, 4], 6)))


def _match_as_sets(ours: np.ndarray, theirs: np.ndarray) -> int:
    """Each reference row (box, conf, cls, extra columns) has its own row of ours: equal class, score within 1e-5,
    every coordinate within 0.5 px. Exempt: reference rows whose score is within 1e-6 of another reference row's;
    among such near-ties (neighbouring anchors of a barely trained model) float noise decides which anchor NMS
    keeps. Returns the number of rows matched."""
    used = np.zeros(len(ours), bool)
    gaps = np.abs(theirs[:, None, 4] - theirs[None, :, 4]) + np.eye(len(theirs))
    tied = gaps.min(1) < 1e-6
    for row, tie in zip(theirs, tied):
        ok = (~used & (ours[:, 5] == row[5]) & (np.abs(ours[:, 4] - row[4]) < 1e-5)
              & (np.abs(np.delete(ours, [4, 5], 1) - np.delete(row, [4, 5])).max(1) < 0.5))  # fmt: skip
        assert ok.any() or tie, f"no match for reference row {row}"
        if ok.any():
            used[np.flatnonzero(ok)[0]] = True
    return int(used.sum())


def test_segment_matches_reference(fixtures_dir):
    r, ref = _predict(fixtures_dir, "yolo11n-seg", "sample_segment.jpg")
    ours = np.concatenate([r.boxes.xyxy.numpy(), r.boxes.conf.numpy()[:, None], r.boxes.cls.numpy()[:, None],
                           r.masks.data.sum((1, 2)).numpy()[:, None]], 1)  # fmt: skip
    theirs = np.concatenate([np.array(ref["boxes_xyxy"]), np.array(ref["boxes_conf"])[:, None],
                             np.array(ref["boxes_cls"])[:, None], np.array(ref["masks_area"])[:, None]], 1)  # fmt: skip
    ours, theirs = ours[_order(ours)], theirs[_order(theirs)]
    assert ours.shape == theirs.shape
    assert np.abs(ours[:, :4] - theirs[:, :4]).max() < 0.5 and np.array_equal(ours[:, 5], theirs[:, 5])
    assert np.allclose(ours[:, 4], theirs[:, 4], atol=1e-4)
    assert np.all(np.abs(ours[:, 6] - theirs[:, 6]) <= 0.01 * theirs[:, 6] + 0.5)  # mask areas within 1%
    assert r.masks.data.shape[1:] == r.orig_shape  # the sample is 256 px, so input size == original size
    polys = r.masks.xy
    assert len(polys) == len(r.masks) and all(p.ndim == 2 and p.shape[1] == 2 for p in polys)
    big = int(np.argmax(ours[:, 6]))
    x1, y1, x2, y2 = ours[big, :4]
    p = polys[_order(np.concatenate([r.boxes.data.numpy()[:, :6], ours[:, 6:]], 1))[big]]
    assert p[:, 0].min() >= x1 - 2 and p[:, 0].max() <= x2 + 2 and p[:, 1].min() >= y1 - 2 and p[:, 1].max() <= y2 + 2
    assert all((q >= 0).all() and (q <= 1).all() for q in r.masks.xyn)


def test_segment_retina_masks_at_original_size(fixtures_dir, tmp_path):
    import cv2

    im = cv2.imread(str(fixtures_dir / "sample_segment.jpg"))
    wide = cv2.resize(im, (384, 256))  # letterboxed to 256 x 170 (+ padding) at imgsz 256
    model = YOLO(fixtures_dir / "yolo11n-seg.pt")
    r = model.predict(wide, imgsz=256, conf=0.001, retina_masks=True, verbose=False)[0]
    assert r.masks.data.shape[1:] == (256, 384)
    boxes = r.boxes.xyxy
    m = r.masks.data
    cols, rows = torch.arange(384)[None, None], torch.arange(256)[None, :, None]
    outside = (cols < boxes[:, 0, None, None] - 1) | (cols > boxes[:, 2, None, None] + 1)
    outside = outside | (rows < boxes[:, 1, None, None] - 1) | (rows > boxes[:, 3, None, None] + 1)
    assert not (m.bool() & outside).any()  # every mask stays inside its box
    plotted = r.plot()
    assert plotted.shape == (256, 384, 3) and not np.array_equal(plotted, wide)


def test_pose_matches_reference(fixtures_dir):
    r, ref = _predict(fixtures_dir, "yolo11n-pose", "sample_pose.jpg")
    k = r.keypoints
    assert k.data.shape[1:] == (4, 3) and k.conf is not None and ((k.conf >= 0) & (k.conf <= 1)).all()
    ours = np.concatenate([r.boxes.xyxy.numpy(), r.boxes.conf.numpy()[:, None], r.boxes.cls.numpy()[:, None],
                           k.xy.numpy().reshape(len(k), -1)], 1)  # fmt: skip
    theirs = np.concatenate([np.array(ref["boxes_xyxy"]), np.array(ref["boxes_conf"])[:, None],
                             np.array(ref["boxes_cls"])[:, None], np.array(ref["keypoints_xy"]).reshape(len(ours), -1)],
                            1)  # fmt: skip
    ours, theirs = ours[_order(ours)], theirs[_order(theirs)]
    assert ours.shape == theirs.shape
    assert np.array_equal(ours[:, 5], theirs[:, 5]) and np.allclose(ours[:, 4], theirs[:, 4], atol=1e-4)
    assert _match_as_sets(ours, theirs) >= len(theirs) // 2
    assert r.plot().shape == r.orig_img.shape


def test_obb_matches_reference(fixtures_dir):
    """Rotated boxes within 0.5 px. The reference's last row comes from a cluster of anchors whose scores agree to
    ~1e-7 (float noise decides which one survives), so at most that row may be missing; every row we return is one
    of the reference's."""
    r, ref = _predict(fixtures_dir, "yolo11n-obb", "sample_obb.jpg")
    ours = np.concatenate([r.obb.xywhr.numpy(), r.obb.conf.numpy()[:, None], r.obb.cls.numpy()[:, None]], 1)
    theirs = np.concatenate([np.array(ref["obb_xywhr"]), np.array(ref["obb_conf"])[:, None],
                             np.array(ref["obb_cls"])[:, None]], 1)  # fmt: skip
    assert len(theirs) - 1 <= len(ours) <= len(theirs)
    for row in ours:
        d = np.abs(theirs[:, :4] - row[:4]).max(1)
        j = int(d.argmin())
        assert d[j] < 0.5 and abs(theirs[j, 4] - row[4]) < 1e-3 and theirs[j, 6] == row[6]  # xywh, angle, class
        assert abs(theirs[j, 5] - row[5]) < 1e-5
    assert (r.obb.xywhr[:, 4] >= 0).all() and (r.obb.xywhr[:, 4] < np.pi / 2).all()
    assert r.obb.xyxyxyxy.shape == (len(ours), 4, 2)
    assert r.plot().shape == r.orig_img.shape


def test_classify_matches_reference(fixtures_dir):
    r, ref = _predict(fixtures_dir, "yolo11n-cls", "sample_classify.jpg")
    assert r.boxes is None and r.probs is not None
    assert np.abs(r.probs.data.numpy() - np.array(ref["probs"])).max() < 1e-4
    assert r.probs.top1 == int(np.argmax(ref["probs"])) and r.probs.top5[0] == r.probs.top1
    assert len(r.probs.top5) == 3  # three classes: top-5 holds them all
    assert r.plot().shape == r.orig_img.shape


def test_regularize_rboxes_same_box():
    from ultralytics_clone.utils.ops import xywhr2xyxyxyxy

    rb = torch.tensor([[10.0, 20, 30, 8, 2.0], [5, 5, 4, 9, -0.3], [0, 0, 6, 6, 3.5]])
    reg = regularize_rboxes(rb)
    assert (reg[:, 4] >= 0).all() and (reg[:, 4] < np.pi / 2).all()
    a, b = xywhr2xyxyxyxy(rb), xywhr2xyxyxyxy(reg)
    for p, q in zip(a, b):  # the same four corners, possibly starting at another one
        assert torch.cdist(p, q).min(1).values.max() < 1e-4


def test_rotated_nms_rule_and_classes():
    """Rotated NMS follows the reference's Fast NMS rule (suppressed boxes still suppress); classes never touch."""
    from ultralytics_clone.utils.metrics.iou import batch_probiou

    boxes = torch.tensor([[0.0, 0, 10, 10, 0], [3, 0, 10, 10, 0], [6, 0, 10, 10, 0], [0, 0, 10, 10, 0]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    cls = torch.tensor([0, 0, 0, 1])
    iou = batch_probiou(boxes, boxes)
    thr = float((iou[0, 1] + iou[0, 2]) / 2)  # 0 overlaps 1 above thr, 0 and 2 below, 1 and 2 above
    assert iou[0, 1] > thr > iou[0, 2] and iou[1, 2] > thr
    pred = torch.zeros(1, 4 + 2 + 1, 4)  # (B, xywh + 2 class scores + angle, anchors)
    pred[0, :4], pred[0, 6] = boxes[:, :4].T, boxes[:, 4]
    pred[0, 4 + cls, torch.arange(4)] = scores
    out = non_max_suppression(pred, 0.1, thr, nc=2, rotated=True)[0]
    assert out[:, 4].tolist() == pytest.approx([0.9, 0.6]) and out[:, 5].tolist() == [0, 1]  # box 2 dropped by 1
    assert nms_torch(boxes, scores, thr, cls, iou_fn=batch_probiou).tolist() == [0, 2, 3]  # greedy would keep 2


def test_mask_polygons_undo_the_letterbox(fixtures_dir):
    """Masks at inference size of a wide (letterboxed) image: polygons land in original pixels, inside their boxes."""
    import cv2

    wide = cv2.resize(cv2.imread(str(fixtures_dir / "sample_segment.jpg")), (384, 256))
    r = YOLO(fixtures_dir / "yolo11n-seg.pt").predict(wide, imgsz=256, conf=0.001, rect=False, verbose=False)[0]
    assert r.masks.data.shape[1:] == (256, 256) and r.orig_shape == (256, 384)  # letterboxed, padding included
    for poly, box in zip(r.masks.xy, r.boxes.xyxy.numpy()):
        if len(poly):
            assert poly[:, 0].min() >= box[0] - 3 and poly[:, 0].max() <= box[2] + 3
            assert poly[:, 1].min() >= box[1] - 3 and poly[:, 1].max() <= box[3] + 3


def test_17_keypoint_pose_draws_its_skeleton():
    from ultralytics_clone.utils.plotting import Annotator

    rng = np.random.default_rng(0)
    kpts = np.concatenate([rng.uniform(20, 180, (17, 2)), np.ones((17, 1))], 1)
    img = np.zeros((200, 200, 3), np.uint8)
    a, b = Annotator(img.copy()), Annotator(img.copy())  # the Annotator draws on the array it is given
    a.kpts(kpts, kpt_line=False)
    b.kpts(kpts, kpt_line=True)
    assert (b.result() != a.result()).any()  # the limbs add pixels beyond the dots
    c, d = Annotator(img.copy()), Annotator(img.copy())
    c.kpts(kpts[:4], kpt_line=False)
    d.kpts(kpts[:4], kpt_line=True)
    assert np.array_equal(c.result(), d.result())  # other layouts: dots only


@pytest.mark.parametrize("name, data, key", [("yolo11n-seg", "shapes-seg.yaml", "segmentation"),
                                             ("yolo11n-pose", "shapes-pose.yaml", "keypoints")])  # fmt: skip
def test_val_save_json_coco_rows(name, data, key, fixtures_dir, tmp_path):
    """save_json writes COCO result rows: segment masks as RLE at original size, pose keypoints flattened."""
    YOLO(fixtures_dir / f"{name}.pt").val(data=data, imgsz=64, batch=16, save_json=True, plots=False,
                                          project=str(tmp_path), name="v")  # fmt: skip
    rows = json.loads((tmp_path / "v" / "predictions.json").read_text())
    assert rows and all({"image_id", "category_id", "bbox", "score", key} <= set(r) for r in rows)
    if key == "segmentation":
        from pycocotools import mask as mask_utils

        rle = rows[0]["segmentation"]
        m = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})
        assert m.ndim == 2 and list(m.shape) == rle["size"]
    else:
        assert all(len(r["keypoints"]) == 4 * 3 for r in rows)
