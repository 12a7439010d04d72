"""Task metrics: mask and keypoint mAP agree with pycocotools on 60 synthetic images; OBB and classify metrics on
hand-made cases; the metric classes' keys and fitness.

The synthetic predictions look like a validator's at conf=0.001: every object found once or twice, jittered, then a
tail of low-score false alarms; one class, ~360 objects. Matches (mask IoU / OKS, per threshold) must equal
pycocotools' exactly, and mAP50 and mAP50-95 agree within 0.005 (AP is COCO's 101-point rule, utils.metrics.ap).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ultralytics_clone.models.yolo.obb.val import OBBValidator
from ultralytics_clone.models.yolo.pose.val import PoseValidator, oks_sigmas
from ultralytics_clone.models.yolo.segment.val import SegmentationValidator
from ultralytics_clone.utils.metrics import ClassifyMetrics, OBBMetrics, PoseMetrics, SegmentMetrics
from ultralytics_clone.utils.metrics.iou import OKS_SIGMA

pytest.importorskip("pycocotools")
N_IMAGES, SIZE, CELL, NC = 100, 64, 32, 1  # each image: a 2 x 2 grid of cells, at most one object per cell


def _scene(rng: np.random.Generator, with_masks: bool):
    """Ground truth and predictions for one image: per object a box, class, mask (or 17 keypoints)."""
    gts, preds = [], []
    for cy in range(2):
        for cx in range(2):
            if rng.random() < 0.1:
                continue
            x1, y1 = cx * CELL + rng.integers(1, 8), cy * CELL + rng.integers(1, 8)
            w, h = rng.integers(12, 22), rng.integers(12, 22)
            gts.append({"box": (x1, y1, x1 + w, y1 + h), "cls": int(rng.integers(0, NC)), "kpts": None})
            if with_masks is False:
                k = np.stack([rng.uniform(x1, x1 + w, 17), rng.uniform(y1, y1 + h, 17), np.full(17, 2.0)], 1)
                k[rng.random(17) < 0.2, 2] = 0  # some keypoints not labelled
                k[0, 2] = 2
                gts[-1]["kpts"] = k
            for _ in range(1 if rng.random() < 0.9 else 2):  # one prediction per object (sometimes a duplicate)
                dx, dy = rng.integers(-2, 3, 2)
                pw, ph = w + rng.integers(-1, 2), h + rng.integers(-1, 2)
                cls = gts[-1]["cls"] if rng.random() < 0.85 else int(rng.integers(0, NC))
                kp = None
                if gts[-1]["kpts"] is not None:
                    kp = gts[-1]["kpts"][:, :2] + rng.normal(0, rng.uniform(0.05, 1.0), (17, 2))
                preds.append({"box": (x1 + dx, y1 + dy, x1 + dx + pw, y1 + dy + ph), "cls": cls,
                              "score": float(rng.uniform(0.05, 1.0)), "kpts": kp})  # fmt: skip
    for k in range(rng.integers(6, 12)):  # false alarms: a few confident ones, then a low-score tail (conf=0.001)
        x1, y1 = rng.integers(0, SIZE - 16, 2)
        kp = np.stack([rng.uniform(x1, x1 + 14, 17), rng.uniform(y1, y1 + 14, 17)], 1) if not with_masks else None
        preds.append({"box": (x1, y1, x1 + 14, y1 + 14), "cls": int(rng.integers(0, NC)),
                      "score": float(rng.uniform(0.05, 1.0) if k == 0 else rng.uniform(0.001, 0.05)), "kpts": kp})
    preds.sort(key=lambda p: -p["score"])  # validators see predictions best first
    return gts, preds


def _mask(box) -> np.ndarray:
    m = np.zeros((SIZE, SIZE), np.uint8)
    x1, y1, x2, y2 = (int(np.clip(v, 0, SIZE)) for v in box)
    m[y1:y2, x1:x2] = 1
    return m


def _coco(images: list, iou_type: str) -> tuple[float, float, list]:
    """pycocotools' (mAP50-95, mAP50, per-image true-positive matrices Tensor[P, 10]) for the same data."""
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = {"images": [], "annotations": [], "categories": [{"id": c, "name": str(c)} for c in range(NC)]}
    dets = []
    for i, (gts, preds) in enumerate(images):
        gt["images"].append({"id": i, "width": SIZE, "height": SIZE})
        for g in gts:
            x1, y1, x2, y2 = g["box"]
            ann = {"id": len(gt["annotations"]) + 1, "image_id": i, "category_id": g["cls"], "iscrowd": 0,
                   "bbox": [x1, y1, x2 - x1, y2 - y1]}  # fmt: skip
            if iou_type == "segm":
                rle = mask_utils.encode(np.asfortranarray(_mask(g["box"])))
                ann.update(segmentation={"size": rle["size"], "counts": rle["counts"].decode()}, area=float(rle_area(rle)))
            else:
                k = g["kpts"]
                ann.update(keypoints=k.ravel().tolist(), num_keypoints=int((k[:, 2] > 0).sum()),
                           area=float((x2 - x1) * (y2 - y1) * 0.53))  # fmt: skip
            gt["annotations"].append(ann)
        for p in preds:
            x1, y1, x2, y2 = p["box"]
            d = {"image_id": i, "category_id": p["cls"], "score": p["score"], "bbox": [x1, y1, x2 - x1, y2 - y1]}
            if iou_type == "segm":
                rle = mask_utils.encode(np.asfortranarray(_mask(p["box"])))
                d["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
            else:
                d["keypoints"] = np.concatenate([p["kpts"], np.ones((17, 1))], 1).ravel().tolist()
            dets.append(d)
    coco = COCO()
    coco.dataset = gt
    coco.createIndex()
    ev = COCOeval(coco, coco.loadRes(dets), iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    tps = []
    for i, (_, preds) in enumerate(images):  # COCO orders each image's detections by score, as ours are
        e = next((e for e in ev.evalImgs if e and e["image_id"] == i and e["aRng"] == [0, 1e10]), None)
        tps.append(torch.from_numpy(e["dtMatches"].T > 0) if e else torch.zeros((len(preds), 10), dtype=torch.bool))
    return float(ev.stats[0]), float(ev.stats[1]), tps


def rle_area(rle) -> int:
    from pycocotools import mask as mask_utils

    return int(mask_utils.area(rle))


def _stats(gts, preds, tp, tp_key: str) -> dict:
    cls = np.array([g["cls"] for g in gts], dtype=float)
    return {"tp": np.zeros((len(preds), 10), bool), tp_key: tp.numpy(), "conf": np.array([p["score"] for p in preds]),
            "pred_cls": np.array([p["cls"] for p in preds], dtype=float), "target_cls": cls,
            "target_img": np.unique(cls)}  # fmt: skip


def _agree(ours, coco: tuple, ours_tp: list) -> None:
    """Same matches as pycocotools at every threshold; mAP50 and mAP50-95 within 0.005."""
    coco_map, coco_map50, coco_tp = coco
    for a, b in zip(ours_tp, coco_tp):
        assert torch.equal(a.cpu(), b), "matching differs from pycocotools"
    assert 0.2 < ours.map < 0.9, (ours.map, coco_map)  # a case with something to measure
    assert abs(ours.map50 - coco_map50) < 0.005, (ours.map50, coco_map50)
    assert abs(ours.map - coco_map) < 0.005, (ours.map, coco_map)  # COCO 101-point AP since issue 19


def test_mask_map_agrees_with_pycocotools():
    rng = np.random.default_rng(0)
    images = [_scene(rng, with_masks=True) for _ in range(N_IMAGES)]
    val = SegmentationValidator(args={"task": "segment"})
    metrics = SegmentMetrics(names={c: str(c) for c in range(NC)})
    tps = []
    for gts, preds in images:
        gt_m = torch.from_numpy(np.stack([_mask(g["box"]) for g in gts])) if gts else torch.zeros(0, SIZE, SIZE)
        pr_m = torch.from_numpy(np.stack([_mask(p["box"]) for p in preds])) if preds else torch.zeros(0, SIZE, SIZE)
        tp = val._mask_tp(pr_m.float(), gt_m.float(), torch.tensor([float(p["cls"]) for p in preds]),
                          torch.tensor([float(g["cls"]) for g in gts]))  # fmt: skip
        tps.append(tp)
        metrics.update_stats(_stats(gts, preds, tp, "tp_m"))
    metrics.process()
    _agree(metrics.seg, _coco(images, "segm"), tps)


def test_keypoint_map_agrees_with_pycocotools():
    rng = np.random.default_rng(1)
    images = [_scene(rng, with_masks=False) for _ in range(N_IMAGES)]
    val = PoseValidator(args={"task": "pose"})
    val.sigma = oks_sigmas([17, 3])
    metrics = PoseMetrics(names={c: str(c) for c in range(NC)})
    tps = []
    for gts, preds in images:
        pbatch = {"cls": torch.tensor([float(g["cls"]) for g in gts]),
                  "bboxes": torch.tensor([g["box"] for g in gts], dtype=torch.float32).view(-1, 4),
                  "keypoints": torch.tensor(np.array([g["kpts"] for g in gts]), dtype=torch.float32).view(-1, 17, 3)}
        predn = torch.zeros(len(preds), 6)
        predn[:, 5] = torch.tensor([float(p["cls"]) for p in preds])
        kpts = torch.tensor(np.array([p["kpts"] for p in preds]), dtype=torch.float32).view(-1, 17, 2)
        tp = val._oks_tp(kpts, predn, pbatch)
        tps.append(tp)
        metrics.update_stats(_stats(gts, preds, tp, "tp_p"))
    metrics.process()
    _agree(metrics.pose, _coco(images, "keypoints"), tps)


def test_oks_sigmas_coco_for_17_else_uniform():
    assert np.array_equal(oks_sigmas([17, 3]), OKS_SIGMA)
    assert np.allclose(oks_sigmas([4, 3]), 0.25) and np.allclose(oks_sigmas([5, 2]), 0.2)


def test_obb_metrics_hand_made():
    """Two rotated labels; predictions: an exact hit, the same box rotated 90 deg with w/h swapped (also exact), a
    miss, a wrong class. AP of class 0 is 1 (both labels found before the miss), class 1 has no labels."""
    val = OBBValidator(args={"task": "obb"})
    gt = torch.tensor([[20.0, 20, 16, 8, 0.3], [60, 60, 20, 10, 1.2]])
    det = torch.tensor([
        [20.0, 20, 16, 8, 0.9, 0, 0.3],  # cx, cy, w, h, conf, cls, angle
        [60, 60, 10, 20, 0.8, 0, 1.2 - np.pi / 2],  # same box, other parametrisation
        [100, 100, 10, 10, 0.7, 0, 0.0],  # nothing there
        [20, 20, 16, 8, 0.6, 1, 0.3],  # right place, wrong class
    ])  # fmt: skip
    tp = val._process_batch(det, gt, torch.tensor([0.0, 0.0]))
    assert tp[:2].all() and not tp[2:].any()
    m = OBBMetrics(names={0: "plate", 1: "car"})
    m.update_stats({"tp": tp.numpy(), "conf": det[:, 4].numpy(), "pred_cls": det[:, 5].numpy(),
                    "target_cls": np.array([0.0, 0.0]), "target_img": np.array([0.0])})  # fmt: skip
    m.process()
    assert m.box.map50 == pytest.approx(1.0) and m.box.map == pytest.approx(1.0)  # perfect: 1.0 (COCO interpolation)
    assert list(m.results_dict) == ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)",
                                    "metrics/mAP50-95(B)", "fitness"]  # fmt: skip
    shifted = det.clone()
    shifted[0, 0] += 4  # a quarter of the width off: ProbIoU drops below the strict thresholds
    assert 0 < val._process_batch(shifted, gt, torch.tensor([0.0, 0.0]))[0].sum() < 10


def test_classify_metrics_hand_made():
    m = ClassifyMetrics()
    targets = torch.tensor([0, 1, 2, 3, 4, 5])
    top = torch.tensor([[0, 1, 2, 3, 4], [1, 0, 2, 3, 4], [0, 1, 3, 4, 2], [0, 1, 2, 4, 5], [4, 0, 1, 2, 3],
                        [0, 1, 2, 3, 4]])  # fmt: skip
    m.process([targets[:3], targets[3:]], [top[:3], top[3:]])
    assert m.top1 == pytest.approx(3 / 6) and m.top5 == pytest.approx(4 / 6)  # image 3 and 5: not in the top 5
    assert m.results_dict == pytest.approx({"metrics/accuracy_top1": 0.5, "metrics/accuracy_top5": 4 / 6,
                                            "fitness": (0.5 + 4 / 6) / 2})  # fmt: skip


def test_segment_and_pose_metric_keys_and_fitness():
    seg = SegmentMetrics(names={0: "a"})
    assert seg.keys[4:] == ["metrics/precision(M)", "metrics/recall(M)", "metrics/mAP50(M)", "metrics/mAP50-95(M)"]
    pose = PoseMetrics(names={0: "a"})
    assert pose.keys[4:] == ["metrics/precision(P)", "metrics/recall(P)", "metrics/mAP50(P)", "metrics/mAP50-95(P)"]
    tp = np.array([[True] * 10, [True] * 5 + [False] * 5])
    pose.update_stats({"tp": tp, "tp_p": tp[:, ::-1].copy() * False, "conf": np.array([0.9, 0.8]),
                       "pred_cls": np.zeros(2), "target_cls": np.zeros(2), "target_img": np.zeros(1)})  # fmt: skip
    pose.process()
    assert pose.box.map50 == pytest.approx(1.0) and pose.pose.map == 0
    assert pose.fitness == pytest.approx(pose.box.map + pose.pose.map)
    assert set(pose.results_dict) == {*pose.keys, "fitness"}


@pytest.mark.parametrize("do_plots", [False, True])
def test_classify_confusion_plots_only_when_asked(tmp_path, do_plots):
    """A trainer asks for plots on the final epoch only (do_plots); args.plots alone must not draw every epoch."""
    from ultralytics_clone.models.yolo.classify.val import ClassificationValidator

    v = ClassificationValidator(save_dir=tmp_path, args={"plots": True})

    class _M:
        names = {0: "a", 1: "b"}

    v.init_metrics(_M())
    v.do_plots = do_plots
    v.pred, v.targets = [torch.tensor([[0, 1], [1, 0]], dtype=torch.int32)], [torch.tensor([0, 0], dtype=torch.int32)]
    v.finalize_metrics()
    v.plot_queue.join()
    assert bool(list(tmp_path.glob("confusion_matrix*.png"))) is do_plots
