"""NMS: agreement with torchvision, the built-in fallback, options, rotated and end-to-end outputs."""

import math
import sys

import pytest
import torch
import torchvision

from ultralytics_clone.utils import nms as nms_mod
from ultralytics_clone.utils.metrics import batch_probiou
from ultralytics_clone.utils.nms import nms_torch, non_max_suppression


def _prediction(seed, bs=3, nc=4, n_anchors=600, extra=2, size=200):
    """Decoded head output Tensor[B, 4 + nc + extra, A]: cx, cy, w, h, scores, extras."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(bs, 2, n_anchors, generator=g) * size
    wh = torch.rand(bs, 2, n_anchors, generator=g) * 40 + 5
    scores = torch.rand(bs, nc, n_anchors, generator=g)
    return torch.cat((xy, wh, scores, torch.randn(bs, extra, n_anchors, generator=g)), 1)


def _reference(pred, conf_thres, iou_thres, nc, agnostic=False, max_det=300):
    """Per-image torchvision reference (best class per anchor)."""
    out = []
    for x in pred:
        x = x.T
        box = torch.cat((x[:, :2] - x[:, 2:4] / 2, x[:, :2] + x[:, 2:4] / 2), 1)
        conf, cls = x[:, 4 : 4 + nc].max(1)
        m = conf > conf_thres
        box, conf, cls, extra = box[m], conf[m], cls[m], x[m, 4 + nc :]
        if agnostic:
            keep = torchvision.ops.nms(box, conf, iou_thres)
        else:
            keep = torchvision.ops.batched_nms(box, conf, cls, iou_thres)
        keep = keep[:max_det]
        out.append(torch.cat((box[keep], conf[keep, None], cls[keep, None].float(), extra[keep]), 1))
    return out


@pytest.fixture
def fallback(monkeypatch):
    """Force the built-in NMS."""
    monkeypatch.setattr(nms_mod, "_BACKEND", "torch")


@pytest.fixture
def fresh_backend(monkeypatch):
    """Forget the probed backend so the next call probes again."""
    monkeypatch.setattr(nms_mod, "_BACKEND", None)


@pytest.mark.parametrize("agnostic", [False, True])
def test_matches_torchvision_reference(agnostic):
    pred = _prediction(0)
    ref = _reference(pred, 0.3, 0.5, nc=4, agnostic=agnostic, max_det=1000)
    out = non_max_suppression(pred.clone(), 0.3, 0.5, nc=4, agnostic=agnostic, max_det=1000)
    assert len(out) == 3
    for o, r in zip(out, ref):
        assert o.shape == r.shape and o.shape[1] == 8 and len(o) > 20
        torch.testing.assert_close(o, r)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fallback_equals_torchvision(seed, fallback):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(700, 2, generator=g) * 300
    boxes = torch.cat((xy, xy + torch.rand(700, 2, generator=g) * 60 + 1), 1)
    scores = torch.rand(700, generator=g)
    idxs = torch.randint(0, 3, (700,), generator=g)
    assert torch.equal(nms_torch(boxes, scores, 0.45), torchvision.ops.nms(boxes, scores, 0.45))
    assert torch.equal(nms_torch(boxes, scores, 0.6, idxs), torchvision.ops.batched_nms(boxes, scores, idxs, 0.6))
    pred = _prediction(seed)
    ref = _reference(pred, 0.25, 0.5, nc=4, max_det=1000)
    for o, r in zip(non_max_suppression(pred, 0.25, 0.5, nc=4, max_det=1000), ref):
        torch.testing.assert_close(o, r)


def test_classes_max_det_and_thresholds():
    pred = _prediction(4)
    out = non_max_suppression(pred.clone(), 0.2, 0.5, classes=[1, 3], nc=4, max_det=7)
    for o in out:
        assert 0 < len(o) <= 7
        assert set(o[:, 5].long().tolist()) <= {1, 3}
        assert torch.all(o[:, 4] > 0.2) and torch.all(o[:-1, 4] >= o[1:, 4])  # best first
    full = non_max_suppression(pred.clone(), 0.2, 0.5, classes=[1, 3], nc=4, max_det=1000)
    for o, f in zip(out, full):
        torch.testing.assert_close(o, f[:7])  # max_det keeps the top rows
    with pytest.raises(ValueError, match="conf_thres"):
        non_max_suppression(pred, conf_thres=1.5)


def test_multi_label_keeps_every_class_above_threshold():
    pred = torch.zeros(1, 4 + 3, 2)
    pred[0, :4, 0] = torch.tensor([50.0, 50, 20, 20])
    pred[0, :4, 1] = torch.tensor([150.0, 150, 20, 20])
    pred[0, 4:, 0] = torch.tensor([0.9, 0.8, 0.1])
    pred[0, 4:, 1] = torch.tensor([0.2, 0.1, 0.7])
    single = non_max_suppression(pred.clone(), 0.5, 0.5)[0]
    multi = non_max_suppression(pred.clone(), 0.5, 0.5, multi_label=True)[0]
    assert single[:, 5].tolist() == [0.0, 2.0]
    assert multi[:, 5].tolist() == [0.0, 1.0, 2.0] and multi[:, 4].tolist() == pytest.approx([0.9, 0.8, 0.7])
    torch.testing.assert_close(multi[1, :4], torch.tensor([40.0, 40, 60, 60]))  # same box, other class


def test_return_idxs_in_place_and_labels():
    pred = _prediction(5, bs=2)
    original = pred.clone()
    out, idxs = non_max_suppression(pred, 0.3, 0.5, nc=4, in_place=False, return_idxs=True)
    assert torch.equal(pred, original)  # untouched
    for i, (o, ix) in enumerate(zip(out, idxs)):
        torch.testing.assert_close(o[:, 6:], original[i, 8:, ix].T)  # extras belong to the kept anchors
    non_max_suppression(pred, 0.3, 0.5, nc=4)
    torch.testing.assert_close(pred[:, 0], original[:, 0] - original[:, 2] / 2)  # in place: x1 written back
    empty = torch.zeros(2, 4 + 4 + 2, 10)
    lab = [torch.tensor([[2.0, 100, 100, 20, 10]]), torch.zeros(0, 5)]
    out = non_max_suppression(empty, 0.3, 0.5, nc=4, labels=lab)
    assert out[0].tolist() == [[90.0, 95.0, 110.0, 105.0, 1.0, 2.0, 0.0, 0.0]] and out[1].shape == (0, 8)


def test_empty_prediction():
    out = non_max_suppression(torch.zeros(2, 84, 50), 0.25, 0.45)
    assert [o.shape for o in out] == [(0, 6), (0, 6)]


def test_torchvision_missing_warns_once_and_works(monkeypatch, fresh_backend):
    pred = _prediction(6)
    ref = _reference(pred, 0.3, 0.5, nc=4)
    warnings = []
    monkeypatch.setattr(nms_mod.LOGGER, "warning", lambda msg, *a, **k: warnings.append(msg))
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import torchvision -> ImportError
    for _ in range(2):
        for o, r in zip(non_max_suppression(pred.clone(), 0.3, 0.5, nc=4), ref):
            torch.testing.assert_close(o, r)
    assert len(warnings) == 1 and "pip install torchvision" in warnings[0]
    assert f"torch {torch.__version__.split('+')[0]}" in warnings[0]


def test_broken_torchvision_ops_fall_back(monkeypatch, fresh_backend):
    def broken(*args, **kwargs):
        raise RuntimeError("operator torchvision::nms does not exist")

    pred = _prediction(7)
    ref = _reference(pred, 0.3, 0.5, nc=4)
    warnings = []
    monkeypatch.setattr(nms_mod.LOGGER, "warning", lambda msg, *a, **k: warnings.append(msg))
    monkeypatch.setattr(torchvision.ops, "nms", broken)
    for o, r in zip(non_max_suppression(pred.clone(), 0.3, 0.5, nc=4), ref):
        torch.testing.assert_close(o, r)
    assert len(warnings) == 1 and "torchvision::nms" in warnings[0]


def _greedy_rotated(boxes, scores, thr):
    order = scores.argsort(descending=True).tolist()
    iou = batch_probiou(boxes, boxes)
    kept = []
    for i in order:
        if all(iou[i, j] <= thr for j in kept):
            kept.append(i)
    return kept


def test_rotated_nms():
    g = torch.Generator().manual_seed(8)
    n = 150
    xywhr = torch.cat((torch.rand(n, 2, generator=g) * 100, torch.rand(n, 2, generator=g) * 30 + 4,
                       torch.rand(n, 1, generator=g) * math.pi), 1)
    scores = torch.rand(n, generator=g) * 0.9 + 0.1
    pred = torch.cat((xywhr[:, :4], scores[:, None], torch.zeros(n, 1), xywhr[:, 4:]), 1).T[None]  # nc=2
    pred[0, 5] = 0.01
    out = non_max_suppression(pred.clone(), 0.05, 0.3, nc=2, rotated=True, max_det=1000)[0]
    kept = _greedy_rotated(xywhr, scores, 0.3)
    assert 5 < len(kept) < n
    assert out.shape == (len(kept), 7)
    torch.testing.assert_close(out[:, :4], xywhr[kept, :4])  # rotated rows stay xywh
    torch.testing.assert_close(out[:, 6], xywhr[kept, 4])  # angle last
    torch.testing.assert_close(out[:, 4], scores[kept])


def test_end2end_thresholds_only():
    rows = torch.zeros(2, 5, 6)
    rows[..., 4] = torch.tensor([[0.9, 0.8, 0.3, 0.2, 0.1], [0.1, 0.05, 0.0, 0.0, 0.0]])
    rows[..., 5] = torch.tensor([[0.0, 1, 0, 1, 0], [1, 1, 1, 1, 1]])
    rows[..., :4] = torch.arange(40.0).view(2, 5, 4)  # identical boxes would be NMS-ed; end2end keeps them
    out = non_max_suppression(rows, 0.25, 0.45, end2end=True)
    assert [len(o) for o in out] == [3, 0]
    torch.testing.assert_close(out[0], rows[0, :3])
    assert non_max_suppression(rows, 0.25, end2end=True, classes=[1])[0][:, 5].tolist() == [1.0]
    assert len(non_max_suppression(rows, 0.25, end2end=True, max_det=2)[0]) == 2
