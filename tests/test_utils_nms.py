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
    monkeypatch.setattr(torch.ops.torchvision, "nms", broken)  # the compiled op the NMS calls
    for o, r in zip(non_max_suppression(pred.clone(), 0.3, 0.5, nc=4), ref):
        torch.testing.assert_close(o, r)
    assert len(warnings) == 1 and "torchvision::nms" in warnings[0]


def _fast_rotated(boxes, scores, thr):
    """The reference's rule for rotated boxes (Fast NMS): dropped when any higher-scored box overlaps, kept or not."""
    order = scores.argsort(descending=True).tolist()
    iou = batch_probiou(boxes, boxes)
    return [i for k, i in enumerate(order) if all(iou[i, j] <= thr for j in order[:k])]


def test_rotated_nms():
    g = torch.Generator().manual_seed(8)
    n = 150
    xywhr = torch.cat((torch.rand(n, 2, generator=g) * 100, torch.rand(n, 2, generator=g) * 30 + 4,
                       torch.rand(n, 1, generator=g) * math.pi), 1)
    scores = torch.rand(n, generator=g) * 0.9 + 0.1
    pred = torch.cat((xywhr[:, :4], scores[:, None], torch.zeros(n, 1), xywhr[:, 4:]), 1).T[None]  # nc=2
    pred[0, 5] = 0.01
    out = non_max_suppression(pred.clone(), 0.05, 0.3, nc=2, rotated=True, max_det=1000)[0]
    kept = _fast_rotated(xywhr, scores, 0.3)
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


# ----------------------------------------------------------------- exactness: both backends against brute force
def _brute(pred, conf_thres, iou_thres, multi_label, agnostic=False, max_det=300, classes=None):
    """Per-image, per-box Python greedy NMS with the documented order (conf desc; ties: class, then anchor)."""
    nc = pred.shape[1] - 4
    out = []
    for x in pred:
        xyxy = nms_mod._xywh2xyxy(x[:4].T).double()
        cands = []
        for a in range(x.shape[1]):
            s = x[4:, a]
            cs = [c for c in range(nc) if s[c] > conf_thres] if multi_label else (
                [int(s.argmax())] if s.max() > conf_thres else [])  # fmt: skip
            cands += [(-float(s[c]), c if multi_label else 0, a, c) for c in cs if classes is None or c in classes]
        cands.sort()
        kept = []
        for _, _, a, c in cands:
            if len(kept) == max_det:
                break
            b = xyxy[a]
            if all(_iou64(b, xyxy[ka]) <= iou_thres for ka, kc in kept if agnostic or kc == c):
                kept.append((a, c))
        out.append([(a, c) for a, c in kept])
    return out


def _iou64(a, b):
    w = max(0.0, float(min(a[2], b[2]) - max(a[0], b[0])))
    h = max(0.0, float(min(a[3], b[3]) - max(a[1], b[1])))
    inter = w * h
    union = float((a[2] - a[0]) * (a[3] - a[1])) + float((b[2] - b[0]) * (b[3] - b[1])) - inter
    return inter / union if union else float("nan")


def _cases():
    """(name, prediction Tensor[B, 4 + nc, A]): random and adversarial inputs."""
    g = torch.Generator().manual_seed(11)
    out = []
    out.append(("random", _prediction(12, bs=2, nc=5, n_anchors=300, extra=0)))
    grid = torch.zeros(2, 4 + 3, 120)  # integer grid: many IoUs exactly 0.5, many equal scores
    grid[:, 0] = torch.randint(0, 8, (2, 120), generator=g).float() + 1.5
    grid[:, 1] = torch.randint(0, 3, (2, 120), generator=g).float() + 0.5
    grid[:, 2], grid[:, 3] = 3.0, 1.0
    grid[:, 4:] = torch.randint(1, 4, (2, 3, 120), generator=g).float() / 4
    out.append(("ties", grid))
    same = torch.zeros(1, 4 + 2, 50)  # all boxes overlap each other
    same[0, :4] = torch.tensor([50.0, 50, 40, 40])[:, None] + torch.rand(4, 50, generator=g)
    same[0, 4:] = torch.rand(2, 50, generator=g)
    out.append(("all-overlapping", same))
    chain = torch.zeros(1, 4 + 1, 200)  # each box overlaps only its neighbours: longest suppression chain
    chain[0, 0] = torch.arange(200.0) * 6
    chain[0, 1], chain[0, 2], chain[0, 3] = 10.0, 10.0, 10.0
    chain[0, 4] = torch.linspace(0.99, 0.2, 200)
    out.append(("one-class-chain", chain))
    many = _prediction(13, bs=2, nc=80, n_anchors=400, extra=0)
    many[:, 4:] = many[:, 4:] ** 6  # mostly low scores, as a trained head gives
    out.append(("80-classes", many))
    out.append(("empty", torch.zeros(2, 4 + 3, 30)))
    return out


@pytest.mark.parametrize("multi_label", [False, True])
@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_both_backends_equal_brute_force(case, multi_label, monkeypatch):
    name, pred = case
    for agnostic, max_det, iou in ((False, 300, 0.5), (True, 7, 0.45), (False, 3, 0.7)):
        want = _brute(pred, 0.05, iou, multi_label, agnostic, max_det)
        results = []
        for backend in ("torchvision", "torch"):
            monkeypatch.setattr(nms_mod, "_BACKEND", backend)
            out, idx = non_max_suppression(pred.clone(), 0.05, iou, agnostic=agnostic, multi_label=multi_label,
                                           max_det=max_det, return_idxs=True)  # fmt: skip
            got = [list(zip(i.tolist(), o[:, 5].long().tolist())) for o, i in zip(out, idx)]
            assert got == want, (name, backend, agnostic, max_det)
            results.append(out)
        for a, b in zip(*results):
            assert torch.equal(a, b)


def test_widening_passes_stay_exact(monkeypatch):
    """Heavy suppression: the first max_det candidates keep few boxes, later chunks must add the rest in order."""
    g = torch.Generator().manual_seed(14)
    n = 900
    pred = torch.zeros(1, 4 + 1, n)
    centers = torch.randint(0, 30, (n,), generator=g).float() * 40  # 30 clusters of near-identical boxes
    pred[0, 0], pred[0, 1] = centers + torch.rand(n, generator=g), 20.0
    pred[0, 2], pred[0, 3] = 30.0, 30.0
    pred[0, 4] = torch.rand(n, generator=g) * 0.9 + 0.05
    for backend in ("torchvision", "torch"):
        monkeypatch.setattr(nms_mod, "_BACKEND", backend)
        out, idx = non_max_suppression(pred.clone(), 0.01, 0.5, max_det=10, return_idxs=True)
        assert [(a, 0) for a, _ in _brute(pred, 0.01, 0.5, False, max_det=10)[0]] == [(a, 0) for a in idx[0].tolist()]
        assert len(out[0]) == 10


def test_many_classes_best_candidates_widen_when_short(monkeypatch):
    """With many classes only each image's best candidates are taken; heavy suppression leaves an image short of
    max_det within them, so more are taken, and the result stays the exact greedy one."""
    g = torch.Generator().manual_seed(17)
    n, nc = 300, 20
    pred = torch.zeros(2, 4 + nc, n)
    pred[:, 0] = torch.randint(0, 6, (2, n), generator=g).float() * 40 + torch.rand(2, n, generator=g)  # 6 clusters
    pred[:, 1], pred[:, 2], pred[:, 3] = 20.0, 30.0, 30.0
    pred[:, 4:] = torch.rand(2, nc, n, generator=g) ** 8
    for backend in ("torchvision", "torch"):
        monkeypatch.setattr(nms_mod, "_BACKEND", backend)
        for multi_label in (False, True):
            for agnostic, max_det in ((False, 4), (False, 40), (True, 10)):  # agnostic: 6 boxes at most survive
                out, idx = non_max_suppression(pred.clone(), 0.01, 0.5, agnostic=agnostic, multi_label=multi_label,
                                               max_det=max_det, return_idxs=True)  # fmt: skip
                got = [list(zip(i.tolist(), o[:, 5].long().tolist())) for o, i in zip(out, idx)]
                assert got == _brute(pred, 0.01, 0.5, multi_label, agnostic, max_det), (backend, multi_label, max_det)


def test_end2end_with_classes_filter():
    """NMS-free rows with a classes filter (int, list, no match, extra columns) never crash."""
    rows = torch.zeros(2, 4, 6 + 3)
    rows[..., 4] = torch.tensor([[0.9, 0.8, 0.7, 0.6], [0.5, 0.4, 0.3, 0.2]])
    rows[..., 5] = torch.tensor([[2.0, 0, 2, 1], [0, 0, 0, 0]])
    out = non_max_suppression(rows, 0.1, end2end=True, classes=2)
    assert [o[:, 5].tolist() for o in out] == [[2.0, 2.0], []] and out[0].shape[1] == 9
    out = non_max_suppression(rows, 0.1, end2end=True, classes=[7])
    assert [o.shape for o in out] == [(0, 9), (0, 9)]
    out, idx = non_max_suppression(rows, 0.1, end2end=True, classes=[0, 1], return_idxs=True)
    assert idx[0].tolist() == [1, 3] and idx[1].tolist() == [0, 1, 2, 3]


def test_no_class_columns_and_reference_positional_order():
    assert [o.shape for o in non_max_suppression(torch.rand(2, 4, 20), 0.1)] == [(0, 6), (0, 6)]
    pred = _prediction(15, bs=1)
    by_pos = non_max_suppression(pred.clone(), 0.2, 0.5, None, False, False, 3)  # 7th positional is max_det
    assert len(by_pos[0]) == 3


def test_torch_nms_class():
    g = torch.Generator().manual_seed(16)
    xy = torch.rand(200, 2, generator=g) * 100
    boxes = torch.cat((xy, xy + 20), 1)
    scores = torch.rand(200, generator=g)
    assert torch.equal(nms_mod.TorchNMS.nms(boxes, scores, 0.5), torchvision.ops.nms(boxes, scores, 0.5))
    fast = nms_mod.TorchNMS.fast_nms(boxes, scores, 0.5)
    assert set(fast.tolist()) <= set(torchvision.ops.nms(boxes, scores, 0.5).tolist())  # fast NMS drops more
    assert len(nms_mod.TorchNMS.fast_nms(boxes[:0], scores[:0], 0.5)) == 0


@pytest.mark.parametrize("seed", range(8))
def test_few_candidates_path_equals_general_path(seed, monkeypatch):
    """Predict-time thresholds take every candidate at once (_few); the result must be the general path's exactly."""
    g = torch.Generator().manual_seed(100 + seed)
    n_anchors = [0, 50, 900][seed % 3 if seed else 0] if seed < 6 else 400
    pred = _prediction(seed, bs=1 + seed % 3, nc=[1, 4, 20][seed % 3] if seed < 6 else 4, n_anchors=n_anchors)
    if seed in (4, 6):  # ties: equal scores and equal boxes (seed 6: one image, its own sort)
        pred[:, 4:] = torch.round(pred[:, 4:] * 4) / 4
        pred[:, :4, ::2] = pred[:, :4, 1::2]
    kwargs = dict(conf_thres=[0.1, 0.25, 0.5][seed % 3], iou_thres=float(torch.rand(1, generator=g)) * 0.8 + 0.1,
                  classes=[0, 2] if seed in (5, 6) else None, agnostic=seed in (3, 7), max_det=[300, 7, 30][seed % 3],
                  return_idxs=True)  # fmt: skip
    fast_rows, fast_idx = non_max_suppression(pred.clone(), **kwargs)
    monkeypatch.setattr(nms_mod, "FEW_CONF", 2.0)  # never: the general path
    rows, idx = non_max_suppression(pred.clone(), **kwargs)
    assert len(fast_rows) == len(rows) == pred.shape[0]
    for a, b, ia, ib in zip(fast_rows, rows, fast_idx, idx):
        assert torch.equal(a, b) and torch.equal(ia, ib)
    assert sum(len(r) for r in rows) or pred.shape[2] == 0


def test_best_class_is_max_index_on_either_branch():
    """The candidates' class is the first best one, as max() gives, whether read from their own scores (few) or
    from one max over the block (many); ties included."""
    g = torch.Generator().manual_seed(3)
    scores = torch.round(torch.rand(3, 80, 500, generator=g) * 4) / 4  # many ties between classes
    expected = scores.max(1).indices
    for n in (20, 1400):  # under and over an eighth of the 1,500 anchors
        img = torch.randint(0, 3, (n,), generator=g)
        anchor = torch.randint(0, 500, (n,), generator=g)
        assert torch.equal(nms_mod._best_class(scores, img, anchor), expected[img, anchor])
