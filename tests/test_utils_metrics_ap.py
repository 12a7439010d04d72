"""ap_per_class, compute_ap and match_predictions against hand-computed cases; DetMetrics' results_dict."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ultralytics_clone.utils.metrics import DetMetrics, ap_per_class, compute_ap, match_predictions
from ultralytics_clone.utils.metrics.ap import IOU_THRESHOLDS, smooth

GRID = np.linspace(0, 1, 101)


def _trapz(y: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(GRID)))


def test_compute_ap_perfect_curve_is_one():
    # every prediction correct: precision 1 at each of COCO's 101 recall levels
    ap, mpre, mrec = compute_ap(np.array([0.25, 0.5, 0.75, 1.0]), np.ones(4))
    assert ap == 1.0
    assert mpre[0] == 1.0 and mrec[-1] == 1.0


def test_ap_per_class_hand_computed():
    # one class, 3 ground truths; predictions (best first): TP, FP, TP, TP -> recall 1/3, 1/3, 2/3, 1
    # precision 1, 1/2, 2/3, 3/4 -> monotone envelope: 1 for recall <= 1/3 (34 of 101 levels), then 3/4
    tp = np.array([[1], [0], [1], [1]], dtype=bool)
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    out = ap_per_class(tp, conf, np.zeros(4), np.zeros(3))
    assert out[5][0, 0] == pytest.approx((34 + 67 * 0.75) / 101, abs=1e-9)
    assert out[6].tolist() == [0]


def test_ap_per_class_two_classes_and_thresholds():
    # class 0: one GT hit at IoU 0.5 only; class 1: two GTs, one hit at every threshold, one missed
    tp = np.zeros((3, 10), dtype=bool)
    tp[0, 0] = True
    tp[1, :] = True
    out = ap_per_class(tp, np.array([0.9, 0.8, 0.3]), np.array([0, 1, 1]), np.array([0, 1, 1]))
    ap = out[5]
    assert ap.shape == (2, 10)
    assert ap[0, 0] == 1.0 and np.allclose(ap[0, 1:], 0.0)
    # class 1: recall 1/2 at precision 1, never more: COCO counts recall levels 0..0.5 (51 of 101), 0 beyond
    assert np.allclose(ap[1], ap[1, 0]) and ap[1, 0] == pytest.approx(51 / 101, abs=1e-9)
    p, r = out[2], out[3]
    assert p.shape == r.shape == (2,)


def test_ap_per_class_class_without_predictions_scores_zero():
    out = ap_per_class(np.ones((1, 10), bool), np.array([0.9]), np.array([0]), np.array([0, 2]))
    assert out[6].tolist() == [0, 2]
    assert np.allclose(out[5][1], 0.0) and out[5][0, 0] > 0.99


def test_match_predictions_greedy_by_rank():
    # gt0 overlaps pred0 (0.9) and pred1 (0.6); gt1 overlaps pred1 (0.55). pred1's best gt is gt0, already taken
    # by the higher-ranked pred0, so pred1 takes gt1 where its IoU reaches the threshold (COCO's rule).
    iou = torch.tensor([[0.9, 0.6, 0.1], [0.2, 0.55, 0.0]])
    tp = match_predictions(torch.zeros(3), torch.zeros(2), iou)
    assert tp.shape == (3, 10)
    assert tp[0].tolist() == (IOU_THRESHOLDS <= 0.9).tolist()
    assert tp[1].tolist() == (IOU_THRESHOLDS <= 0.55).tolist() and not tp[2].any()


def test_match_predictions_chain_of_contested_picks():
    # each prediction's best ground truth is taken by the one ranked just above it: greedy walks down the chain
    iou = torch.tensor([[0.9, 0.85, 0.0, 0.0], [0.0, 0.8, 0.75, 0.0], [0.0, 0.0, 0.7, 0.65], [0.0, 0.0, 0.0, 0.6]])
    tp = match_predictions(torch.zeros(4), torch.zeros(4), iou)[:, 0]
    assert tp.tolist() == [True, True, True, True]
    iou[3, 3] = 0.4  # below 0.5: the last prediction has nothing left
    assert match_predictions(torch.zeros(4), torch.zeros(4), iou)[:, 0].tolist() == [True, True, True, False]


def _greedy(iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """COCO's matching, written out: per threshold, predictions in rank order take the highest-IoU free ground truth
    at or above it (IoU ties go to the later ground truth)."""
    correct = np.zeros((iou.shape[1], len(thresholds)), dtype=bool)
    for ti, t in enumerate(thresholds):
        taken: set[int] = set()
        for p in range(iou.shape[1]):
            best = max((gi for gi in range(iou.shape[0]) if gi not in taken and iou[gi, p] >= t),
                       key=lambda gi: (iou[gi, p], gi), default=None)  # fmt: skip
            if best is not None:
                taken.add(best)
                correct[p, ti] = True
    return correct


@pytest.mark.parametrize("seed", range(6))
def test_match_predictions_equals_the_written_out_greedy(seed):
    """Random crowded scenes, IoUs drawn from a few values so that ties and contested chains are common."""
    g = np.random.default_rng(seed)
    n_gt, n_pred = int(g.integers(1, 9)), int(g.integers(1, 30))
    iou = g.choice(np.float32([0.0, 0.3, 0.5, 0.55, 0.7, 0.75, 0.9, 0.95]), size=(n_gt, n_pred))
    tp = match_predictions(torch.zeros(n_pred), torch.zeros(n_gt), torch.from_numpy(iou)).numpy()
    assert np.array_equal(tp, _greedy(iou, IOU_THRESHOLDS.numpy())) and tp.any()


def test_match_predictions_respects_classes_and_thresholds():
    iou = torch.tensor([[0.72, 0.8], [0.0, 0.0]])
    tp = match_predictions(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), iou)
    assert not tp[0].any()  # pred0 overlaps gt0 but has the wrong class
    assert tp[1].tolist() == (IOU_THRESHOLDS <= 0.8 + 1e-6).tolist()
    assert match_predictions(torch.zeros(0), torch.zeros(2), torch.zeros(2, 0)).shape == (0, 10)


def test_smooth_keeps_length_and_constant():
    y = np.ones(1000)
    assert np.allclose(smooth(y, 0.1), 1.0) and len(smooth(y, 0.1)) == 1000


def test_det_metrics_results_dict_and_fitness():
    m = DetMetrics(names={0: "circle", 1: "square"})
    m.update_stats({"tp": np.ones((2, 10), bool), "conf": np.array([0.9, 0.8]), "pred_cls": np.array([0.0, 1.0]),
                    "target_cls": np.array([0.0, 1.0]), "target_img": np.array([0.0, 1.0])})  # fmt: skip
    m.process()
    d = m.results_dict
    assert list(d) == ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "fitness"]
    assert d["fitness"] == pytest.approx(d["metrics/mAP50-95(B)"])
    assert d["metrics/mAP50(B)"] == 1.0
    assert m.box.ap_class_index.tolist() == [0, 1] and m.maps.shape == (2,)
    assert [r["Class"] for r in m.summary()] == ["circle", "square"]
    assert m.box.f1.shape == (2,)


def test_det_metrics_without_predictions():
    m = DetMetrics(names={0: "a"})
    m.update_stats({"tp": np.zeros((0, 10), bool), "conf": np.zeros(0), "pred_cls": np.zeros(0),
                    "target_cls": np.array([0.0]), "target_img": np.array([0.0])})  # fmt: skip
    m.process()
    assert m.results_dict["metrics/mAP50-95(B)"] == 0.0 and m.fitness == 0.0


def test_against_pycocotools_on_tiny_case():
    """mAP50 and mAP50-95 equal COCOeval's: same matching rule and the same 101-point interpolation."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from ultralytics_clone.utils.metrics.iou import box_iou

    gts = {0: torch.tensor([[10.0, 10, 50, 50, 0], [60, 60, 100, 110, 1]]), 1: torch.tensor([[20.0, 30, 80, 90, 0]])}
    # near-exact hits (IoU > 0.95) interleaved with false positives that overlap nothing
    preds = {0: torch.tensor([[10.0, 10, 50, 50.5, 0.9, 0], [60, 60, 100, 110, 0.8, 1], [0, 100, 8, 120, 0.75, 0],
                              [110, 0, 120, 9, 0.5, 1]]),
             1: torch.tensor([[20.0, 30, 80.5, 90, 0.7, 0], [100, 100, 120, 120, 0.85, 0]])}  # fmt: skip
    m = DetMetrics(names={0: "a", 1: "b"})
    for k in gts:
        g, p = gts[k], preds[k]
        tp = match_predictions(p[:, 5], g[:, 4], box_iou(g[:, :4], p[:, :4]))
        m.update_stats({"tp": tp.numpy(), "conf": p[:, 4].numpy(), "pred_cls": p[:, 5].numpy(),
                        "target_cls": g[:, 4].numpy(), "target_img": np.unique(g[:, 4].numpy())})  # fmt: skip
    m.process()

    def xywh(b):
        return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]

    coco = COCO()
    coco.dataset = {"images": [{"id": k, "width": 128, "height": 128} for k in gts],
                    "categories": [{"id": 0}, {"id": 1}],
                    "annotations": [{"id": 10 * k + j + 1, "image_id": k, "category_id": int(b[4]), "bbox": xywh(b),
                                     "area": xywh(b)[2] * xywh(b)[3], "iscrowd": 0}
                                    for k, g in gts.items() for j, b in enumerate(g)]}  # fmt: skip
    coco.createIndex()  # annotation ids start at 1: pycocotools reads id 0 as "unmatched"
    dets = coco.loadRes([{"image_id": k, "category_id": int(b[5]), "bbox": xywh(b), "score": float(b[4])}
                         for k, p in preds.items() for b in p])  # fmt: skip
    ev = COCOeval(coco, dets, "bbox")
    ev.evaluate(), ev.accumulate(), ev.summarize()
    assert m.box.map == pytest.approx(ev.stats[0], abs=1e-6)
    assert m.box.map50 == pytest.approx(ev.stats[1], abs=1e-6)


def test_confusion_matrix_counts():
    from ultralytics_clone.utils.metrics import ConfusionMatrix

    cm = ConfusionMatrix(names={0: "a", 1: "b"})
    gt = {"bboxes": torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]]), "cls": torch.tensor([0, 1, 1])}
    det = {"bboxes": torch.tensor([[0.0, 0, 10, 11], [20, 20, 30, 30], [0, 0, 10, 10], [80, 80, 90, 90],
                                   [50, 50, 60, 60]]),
           "conf": torch.tensor([0.9, 0.8, 0.7, 0.6, 0.1]), "cls": torch.tensor([0, 0, 0, 1, 1])}  # fmt: skip
    cm.process_batch(det, gt)
    # gt0 <- det0 (correct); gt1 <- det1 (predicted a, true b); det2 duplicates gt0 (false alarm);
    # det3 hits nothing (false alarm); det4 is below conf 0.25, so gt2 is missed
    expected = np.array([[1, 1, 1], [0, 0, 1], [0, 1, 0]])
    assert np.array_equal(cm.matrix, expected)
    tp, fp = cm.tp_fp()
    assert tp.tolist() == [1, 0] and fp.tolist() == [2, 1]
    assert cm.summary()[0] == {"Predicted": "a", "a": 1.0, "b": 1.0, "background": 1.0}
    empty = ConfusionMatrix(names={0: "a"})
    empty.process_batch({"bboxes": torch.zeros(0, 4), "conf": torch.zeros(0), "cls": torch.zeros(0)}, gt | {"cls": torch.zeros(3)})
    assert empty.matrix[1, 0] == 3
