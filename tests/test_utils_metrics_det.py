"""DetMetrics on hand-made cases through the validator's own batch matching; agreement with pycocotools."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ultralytics_clone.models.yolo.detect import DetectionValidator
from ultralytics_clone.utils.metrics import DetMetrics, match_predictions
from ultralytics_clone.utils.metrics.iou import box_iou

NAMES = {0: "a", 1: "b", 2: "c"}
PERFECT_AP = 1.0  # COCO interpolation (the reference library gives 0.995 here, see docs/validation.md)


def _validator(names=NAMES) -> DetectionValidator:
    """A validator ready for update_metrics on hand-made batches (no model, no data set)."""
    v = DetectionValidator(args={"plots": False, "verbose": False})
    v.device = torch.device("cpu")
    v.data = {"names": names}

    class _M:
        pass

    m = _M()
    m.names = names
    v.init_metrics(m)
    return v


def _batch(labels: list[list], size: int = 100) -> dict:
    """labels: per image [(cls, x1, y1, x2, y2), ...] in pixels of a size x size image (no letterbox)."""
    rows = [(i, *lb) for i, img in enumerate(labels) for lb in img]
    t = torch.tensor(rows, dtype=torch.float32).view(-1, 6)
    xyxy = t[:, 2:6] / size
    xywh = torch.cat(((xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]), 1)
    n = len(labels)
    return {"img": torch.zeros(n, 3, size, size), "batch_idx": t[:, 0], "cls": t[:, 1:2], "bboxes": xywh,
            "ori_shape": [(size, size)] * n, "ratio_pad": [((1.0, 1.0), (0, 0))] * n,
            "im_file": [f"{i}.jpg" for i in range(n)]}  # fmt: skip


def _run(labels, preds) -> DetMetrics:
    """preds: per image [(x1, y1, x2, y2, conf, cls), ...] best first."""
    v = _validator()
    v.update_metrics([torch.tensor(p, dtype=torch.float32).view(-1, 6) for p in preds], _batch(labels))
    v.metrics.process()
    return v.metrics


def test_perfect_predictions():
    labels = [[(0, 10, 10, 40, 40), (1, 50, 50, 90, 80)], [(2, 5, 5, 30, 60)]]
    preds = [[(10, 10, 40, 40, 0.9, 0), (50, 50, 90, 80, 0.8, 1)], [(5, 5, 30, 60, 0.7, 2)]]
    m = _run(labels, preds)
    assert m.box.p.tolist() == [1, 1, 1] and m.box.r.tolist() == [1, 1, 1] and m.box.f1.tolist() == pytest.approx([1] * 3)
    assert m.box.map50 == pytest.approx(PERFECT_AP) and m.box.map == pytest.approx(PERFECT_AP)
    assert m.nt_per_class.tolist() == [1, 1, 1] and m.nt_per_image.tolist() == [1, 1, 1]


def test_no_predictions_give_zero():
    m = _run([[(0, 10, 10, 40, 40)], [(1, 5, 5, 30, 60)]], [[], []])
    assert m.results_dict == {"metrics/precision(B)": 0.0, "metrics/recall(B)": 0.0, "metrics/mAP50(B)": 0.0,
                              "metrics/mAP50-95(B)": 0.0, "fitness": 0.0}  # fmt: skip


def test_one_false_positive_class_confusion_and_missed_class():
    labels = [[(0, 10, 10, 40, 40), (0, 50, 50, 90, 90)], [(1, 10, 10, 40, 40), (2, 60, 60, 95, 95)]]
    preds = [[(10, 10, 40, 40, 0.9, 0), (50, 50, 90, 90, 0.8, 0), (0, 60, 20, 95, 0.85, 0)],  # one FP between TPs
             [(10, 10, 40, 40, 0.9, 2)]]  # class confusion: a 'c' box on the 'b' object; 'c' object missed  # fmt: skip
    m = _run(labels, preds)
    assert m.ap_class_index.tolist() == [0, 1, 2]
    ap50 = dict(zip(m.ap_class_index.tolist(), m.box.ap50))
    # class a: TP, FP, TP over 2 labels -> precision 1 up to recall 0.5 (51 of COCO's 101 levels), then 2/3
    assert ap50[0] == pytest.approx((51 * 1 + 50 * 2 / 3) / 101, abs=1e-9)
    assert ap50[1] == 0 and ap50[2] == 0  # labels but no (correct) predictions
    assert m.box.r[1] == 0 and m.box.p[2] == 0
    f1 = 2 * m.box.p * m.box.r / (m.box.p + m.box.r + 1e-16)
    assert m.box.f1 == pytest.approx(f1)
    assert m.nt_per_class.tolist() == [2, 1, 1] and m.nt_per_image.tolist() == [1, 1, 1]


def test_batched_matching_equals_per_image_matching():
    g = torch.Generator().manual_seed(0)
    labels, preds = [], []
    for _ in range(6):
        n = int(torch.randint(0, 9, (1,), generator=g))
        xy = torch.rand(n, 2, generator=g) * 70
        boxes = torch.cat((xy, xy + torch.rand(n, 2, generator=g) * 25 + 5), 1)
        cls = torch.randint(0, 3, (n,), generator=g).float()
        labels.append([(float(c), *b.tolist()) for c, b in zip(cls, boxes)])
        k = int(torch.randint(0, 15, (1,), generator=g))
        src = boxes[torch.randint(0, max(n, 1), (k,), generator=g)] if n else torch.rand(k, 4, generator=g) * 50
        pb = (src + torch.randn(k, 4, generator=g) * 3).clamp(0, 100)
        pb[:, 2:] = torch.maximum(pb[:, 2:], pb[:, :2] + 1)
        conf = torch.rand(k, generator=g).sort(descending=True).values
        pc = torch.randint(0, 3, (k,), generator=g).float()
        preds.append([(*b.tolist(), float(s), float(c)) for b, s, c in zip(pb, conf, pc)])
    labels[0].append((7.0, 10.0, 10.0, 30.0, 30.0))  # a class the model lacks: paired with nothing
    preds[0].append((10.0, 10.0, 30.0, 30.0, 0.01, 0.0))
    v = _validator()
    v.update_metrics([torch.tensor(p, dtype=torch.float32).view(-1, 6) for p in preds], _batch(labels))
    batched = np.concatenate(v.metrics.stats["tp"])
    per_image = []
    for lb, p in zip(labels, preds):
        lb, p = torch.tensor(lb).view(-1, 5), torch.tensor(p).view(-1, 6)
        per_image.append(match_predictions(p[:, 5], lb[:, 0], box_iou(lb[:, 1:], p[:, :4])).numpy())
    assert np.array_equal(batched, np.concatenate(per_image)) and batched.any()


def test_batched_matching_under_letterbox_equals_the_per_image_path():
    """Images of several shapes letterboxed to 320 (per-axis gains, padding, boxes crossing the border): the batch
    path's stats, confusion matrix and COCO rows equal those of the per-image path (scale_boxes, box_iou)."""
    g = torch.Generator().manual_seed(5)
    oris, size = [(480, 640), (300, 200), (640, 640), (123, 457), (50, 60)], 320
    rows, ratio_pad, preds = [], [], []
    for i, (h0, w0) in enumerate(oris):
        r = min(size / h0, size / w0)
        h1, w1 = round(h0 * r), round(w0 * r)
        pad = ((size - w1) / 2, (size - h1) / 2)
        ratio_pad.append(((h1 / h0, w1 / w0), pad))
        n = int(torch.randint(0, 6, (1,), generator=g))
        xy = torch.rand(n, 2, generator=g) * torch.tensor([w1, h1]) + torch.tensor(pad)
        wh = torch.rand(n, 2, generator=g) * 60 + 4
        lb = torch.cat((xy - wh / 2, xy + wh / 2), 1).clamp(0, size)
        rows += [(i, float(c), *b.tolist()) for c, b in zip(torch.randint(0, 3, (n,), generator=g), lb)]
        k = 40
        src = lb[torch.randint(0, n, (k,), generator=g)] if n else torch.rand(k, 4, generator=g) * size
        pb = src + torch.randn(k, 4, generator=g) * 6 - 3  # some cross the image's border into the padding
        pb[:, 2:] = torch.maximum(pb[:, 2:], pb[:, :2] + 1)
        conf = torch.rand(k, generator=g).sort(descending=True).values
        preds.append(torch.cat((pb, conf[:, None], torch.randint(0, 3, (k, 1), generator=g).float()), 1))
    t = torch.tensor(rows).view(-1, 6)
    xyxy = t[:, 2:] / size
    batch = {"img": torch.zeros(len(oris), 3, size, size), "batch_idx": t[:, 0], "cls": t[:, 1:2],
             "bboxes": torch.cat(((xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]), 1),
             "ori_shape": oris, "ratio_pad": ratio_pad, "im_file": [f"{i}.jpg" for i in range(len(oris))]}  # fmt: skip
    batched, per_image = _validator(), _validator()
    for v in batched, per_image:
        v.args.save_json, v.args.plots, v.do_plots, v.jdict = True, True, True, []
    batched.update_metrics(preds, batch)
    per_image._update_per_image(preds, batch)
    for k in batched.metrics.stats:
        a, b = (np.concatenate(v.metrics.stats[k]) for v in (batched, per_image))
        assert np.array_equal(a, b) and (a.dtype == b.dtype or k == "target_img"), k  # class ids: int or float
    assert np.concatenate(batched.metrics.stats["tp"]).any()
    assert np.array_equal(batched.confusion_matrix.matrix, per_image.confusion_matrix.matrix)
    assert batched.jdict == per_image.jdict and len(batched.jdict) == 40 * len(oris)


def test_summary_and_exports():
    labels = [[(0, 10, 10, 40, 40), (1, 50, 50, 90, 80)], [(0, 5, 5, 30, 60)]]
    preds = [[(10, 10, 40, 40, 0.9, 0), (50, 50, 90, 80, 0.8, 1)], [(5, 5, 30, 60, 0.7, 0)]]
    m = _run(labels, preds)
    rows = m.summary()
    assert [r["Class"] for r in rows] == ["a", "b"] and rows[0]["Images"] == 2 and rows[0]["Instances"] == 2
    assert set(rows[0]) == {"Class", "Images", "Instances", "Box-P", "Box-R", "Box-F1", "mAP50", "mAP50-95"}
    assert json.loads(m.to_json())[1]["Class"] == "b"
    assert m.to_csv().splitlines()[0] == "Class,Images,Instances,Box-P,Box-R,Box-F1,mAP50,mAP50-95"
    assert m.maps.tolist() == pytest.approx([PERFECT_AP, PERFECT_AP, m.box.map])  # class c: no labels -> overall map
    assert m.box.map75 == pytest.approx(PERFECT_AP) and len(m.curves) == 4 and len(m.curves_results) == 4
    x, y, xlabel, ylabel = m.curves_results[0]
    assert (xlabel, ylabel) == ("Recall", "Precision") and y.shape == (2, 1000) and x.shape == (1000,)


# ------------------------------------------------------------------------------------- agreement with COCOeval
def _scene(g: torch.Generator, i: int) -> tuple[list, list]:
    """Image i: labels (cls, x1, y1, x2, y2) and predictions (x1, y1, x2, y2, conf, cls), best first, as a
    conf=0.001 detector gives them: jittered hits, duplicates, misclassifications and low-score clutter."""
    kind = i % 5
    n = 0 if kind == 0 else (int(torch.randint(12, 25, (1,), generator=g)) if kind == 1 else int(torch.randint(1, 6, (1,), generator=g)))
    xy = torch.rand(n, 2, generator=g) * (300 if kind == 1 else 500)  # kind 1: crowded, overlapping objects
    wh = torch.rand(n, 2, generator=g) * 80 + 15
    boxes = torch.cat((xy, xy + wh), 1)
    cls = torch.randint(0, 4, (n,), generator=g)
    preds = []
    for b, c in zip(boxes, cls):
        for _ in range(int(torch.randint(1, 3, (1,), generator=g))):  # a hit, sometimes a duplicate
            jit = torch.randn(4, generator=g) * float(torch.rand(1, generator=g)) * 8
            wrong = bool(torch.rand(1, generator=g) < 0.1)
            pc = int(torch.randint(0, 4, (1,), generator=g)) if wrong else int(c)
            preds.append((*(b + jit).tolist(), float(torch.rand(1, generator=g)) * 0.7 + 0.3, pc))
    for _ in range(int(torch.randint(5, 30, (1,), generator=g))):  # clutter
        xy = torch.rand(2, generator=g) * 550
        preds.append((*xy.tolist(), *(xy + torch.rand(2, generator=g) * 60 + 5).tolist(),
                      float(torch.rand(1, generator=g)) * 0.3, int(torch.randint(0, 4, (1,), generator=g))))  # fmt: skip
    preds.sort(key=lambda p: -p[4])
    return [(int(c), *b.tolist()) for c, b in zip(cls, boxes)], preds[:100]  # COCO scores 100 per image


def test_map_agrees_with_pycocotools_within_0_005():
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    g = torch.Generator().manual_seed(3)
    scenes = [_scene(g, i) for i in range(60)]
    assert sum(not lb for lb, _ in scenes) >= 10 and max(len(lb) for lb, _ in scenes) >= 12
    names = {0: "a", 1: "b", 2: "c", 3: "d"}
    v = _validator(names)
    for s in range(0, 60, 8):  # batches of 8, through the validator's batched matching
        chunk = scenes[s : s + 8]
        v.update_metrics([torch.tensor(p, dtype=torch.float32).view(-1, 6) for _, p in chunk],
                         _batch([lb for lb, _ in chunk], size=640))  # fmt: skip
    v.metrics.process()

    def xywh(b):
        return [b[0], b[1], b[2] - b[0], b[3] - b[1]]

    anns = [{"id": j + 1000 * i + 1, "image_id": i, "category_id": c + 1, "bbox": xywh(b),
             "area": xywh(b)[2] * xywh(b)[3], "iscrowd": 0}
            for i, (lb, _) in enumerate(scenes) for j, (c, *b) in enumerate(lb)]  # fmt: skip
    coco = COCO()
    coco.dataset = {"images": [{"id": i, "width": 640, "height": 640} for i in range(60)],
                    "categories": [{"id": c + 1} for c in names], "annotations": anns}  # fmt: skip
    coco.createIndex()
    dets = coco.loadRes([{"image_id": i, "category_id": int(p[5]) + 1, "bbox": xywh(p[:4]), "score": p[4]}
                         for i, (_, ps) in enumerate(scenes) for p in ps])  # fmt: skip
    ev = COCOeval(coco, dets, "bbox")
    ev.evaluate(), ev.accumulate(), ev.summarize()
    assert v.metrics.box.map == pytest.approx(ev.stats[0], abs=0.005)
    assert v.metrics.box.map50 == pytest.approx(ev.stats[1], abs=0.005)
