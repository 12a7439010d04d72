"""Losses: hand-checked terms, toy fits that must improve, empty batches, gradients, seed-003 class weights, and
model.loss() on real models of every task."""

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ultralytics_clone.nn.modules.flow import RealNVP
from ultralytics_clone.utils.loss import (
    BboxLoss,
    DFLoss,
    E2ELoss,
    KeypointLoss,
    v8ClassificationLoss,
    v8DetectionLoss,
    v8OBBLoss,
    v8PoseLoss,
    v8SegmentationLoss,
)
from ultralytics_clone.utils.loss.detect import pad_targets

SIZE, STRIDES = 64, (8.0, 16.0)


class _Head(nn.Module):
    """Just the attributes the losses read from model.model[-1]."""

    def __init__(self, nc=3, reg_max=16, end2end=False, kpt_shape=None, flow=False):
        super().__init__()
        self.nc, self.reg_max, self.end2end = nc, reg_max, end2end
        self.stride = torch.tensor(STRIDES)
        self.dummy = nn.Parameter(torch.zeros(1))
        if kpt_shape:
            self.kpt_shape = kpt_shape
        if flow:
            self.flow_model = RealNVP()


class _Model(nn.Module):
    def __init__(self, **head_kwargs):
        super().__init__()
        self.model = nn.ModuleList([_Head(**head_kwargs)])
        self.args = SimpleNamespace(box=7.5, cls=0.5, dfl=1.5, pose=12.0, kobj=1.0, overlap_mask=True)


def _feats(nc=3, reg_max=16, bs=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for s in STRIDES:
        f = torch.randn(bs, 4 * reg_max + nc, int(SIZE // s), int(SIZE // s), generator=g) * 0.1
        if reg_max == 1:
            f[:, :4] += 1.0  # distances of one cell, as the head's bias init
        out.append(nn.Parameter(f))
    return out


def _batch(obb=False):
    boxes = torch.tensor([[0.3, 0.3, 0.25, 0.3], [0.7, 0.65, 0.4, 0.3], [0.5, 0.5, 0.5, 0.5]])
    if obb:
        boxes = torch.cat((boxes, torch.tensor([[0.3], [-0.2], [1.0]])), 1)
    return dict(batch_idx=torch.tensor([0.0, 0, 1]), cls=torch.tensor([[0.0], [1], [2]]), bboxes=boxes)


def _empty(obb=False):
    return dict(batch_idx=torch.zeros(0), cls=torch.zeros(0, 1), bboxes=torch.zeros(0, 5 if obb else 4))


def _fit(criterion, params, make_preds, batch, steps=25, lr=0.05):
    """Adam on the raw predictions; returns the first and last loss items."""
    opt = torch.optim.Adam(params, lr=lr)
    first = None
    for _ in range(steps):
        loss, items = criterion(make_preds(), batch)
        assert torch.isfinite(loss).all() and torch.isfinite(items).all()
        first = items if first is None else first
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
    return first, criterion(make_preds(), batch)[1]


def test_pad_targets_matches_loop():
    idx = torch.tensor([2, 0, 2, 2, 0])
    values = torch.arange(10.0).view(5, 2)
    padded, mask, index = pad_targets(idx, values, 4)
    assert padded.shape == (4, 3, 2) and mask.squeeze(-1).sum(1).tolist() == [2, 0, 3, 0]
    for b in range(4):
        rows = [values[i] for i in range(5) if idx[i] == b]  # order within an image is kept
        for j, r in enumerate(rows):
            assert torch.equal(padded[b, j], r) and torch.equal(values[index[b, j]], r)
    assert padded[~mask.squeeze(-1)].abs().sum() == 0


def test_dfloss_hand_values():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 16, generator=g)
    target = torch.tensor([[2.0, 2.25, 7.5, 20.0]])  # 20 is clamped just below the last bin
    loss = DFLoss(16)(logits, target)
    assert loss.shape == (1, 1)

    def ce_at(row, k):
        return F.cross_entropy(logits[row : row + 1], torch.tensor([k])).item()

    clamped = 15 - 0.01
    expected = (
        ce_at(0, 2)
        + (0.75 * ce_at(1, 2) + 0.25 * ce_at(1, 3))
        + 0.5 * (ce_at(2, 7) + ce_at(2, 8))
        + ((15 - clamped) * ce_at(3, 14) + (clamped - 14) * ce_at(3, 15))
    ) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_bbox_and_keypoint_losses_vanish_on_perfect_predictions():
    boxes = torch.tensor([[[2.0, 2, 6, 5], [1, 1, 3, 3]]])
    fg = torch.tensor([[True, False]])
    scores = torch.tensor([[[0.0, 0.8], [0.0, 0.0]]])
    iou, dfl = BboxLoss(reg_max=1)(boxes, boxes, torch.tensor([[4.0, 3.5], [2, 2]]), boxes, scores, 1.0, fg)
    assert iou.item() == pytest.approx(0.0, abs=1e-6) and dfl.item() == 0
    kpts = torch.rand(3, 5, 2) * 10
    sig = torch.full((5,), 0.1)
    mask = torch.ones(3, 5, dtype=torch.bool)
    area = torch.full((3, 1), 16.0)
    assert KeypointLoss(sig)(kpts, kpts, mask, area).item() == pytest.approx(0.0, abs=1e-7)
    off = kpts + 3.0
    assert KeypointLoss(sig)(off, kpts, mask, area).item() > 0.5
    assert KeypointLoss(sig)(off, kpts, torch.zeros_like(mask), area).item() == 0  # invisible: no loss


@pytest.mark.parametrize("reg_max", [16, 1])
def test_detection_loss_fits_toy_problem(reg_max):
    crit = v8DetectionLoss(_Model(reg_max=reg_max))
    feats = _feats(reg_max=reg_max)
    first, last = _fit(crit, feats, lambda: feats, _batch(), steps=40)
    assert first.shape == (3,) and (first[:2] > 0).all()
    assert (first[2] > 0) == (reg_max > 1)  # no DFL with reg_max 1
    # the box term is weighted by the soft class targets, so it may rise at first; after 40 steps all terms fell
    assert last.sum() < first.sum() * 0.3 and last[0] < first[0] and last[1] < first[1] * 0.5


def test_detection_loss_empty_batch_and_gradients():
    crit = v8DetectionLoss(_Model())
    feats = _feats()
    loss, items = crit(feats, _empty())
    assert items[0] == 0 and items[2] == 0 and items[1] > 0
    loss.sum().backward()
    assert all(f.grad is not None and torch.isfinite(f.grad).all() for f in feats)
    feats = _feats()
    crit(feats, _batch())[0].sum().backward()
    box_grad = sum(f.grad[:, :64].abs().sum() for f in feats)
    cls_grad = sum(f.grad[:, 64:].abs().sum() for f in feats)
    assert box_grad > 0 and cls_grad > 0
    eval_style = crit((torch.zeros(2, 7, 80), feats), _batch())[1]  # (y, raw) eval output is accepted too
    torch.testing.assert_close(eval_style, crit(feats, _batch())[1])


def test_e2e_loss_one2one_assigns_one_anchor_per_gt():
    model = _Model(reg_max=1, end2end=True)
    crit = E2ELoss(model)
    assert crit.one2many.assigner.topk == 10 and (crit.one2one.assigner.topk, crit.one2one.assigner.topk2) == (7, 1)
    o2m, o2o = _feats(reg_max=1), _feats(reg_max=1, seed=1)
    _, st = crit.one2one.detection_terms(o2o, _batch())
    assert st["fg_mask"].sum(1).tolist() == [2, 1]  # exactly one anchor per GT
    _, st = crit.one2many.detection_terms(o2m, _batch())
    assert st["fg_mask"].sum() > 3
    first, last = _fit(crit, o2m + o2o, lambda: {"one2many": o2m, "one2one": o2o}, _batch())
    assert first.shape == (3,) and last[:2].sum() < first[:2].sum() * 0.6
    loss, items = crit({"one2many": o2m, "one2one": o2o}, _empty())
    assert torch.isfinite(loss).all() and items[0] == 0


class WeightedDetectionLoss(v8DetectionLoss):
    """Seed 003 'Adding Class Weights', verbatim apart from the package name."""

    def __init__(self, model, class_weights=None, tal_topk=10, tal_topk2=None):
        super().__init__(model, tal_topk=tal_topk, tal_topk2=tal_topk2)
        if class_weights is not None:
            self.bce = nn.BCEWithLogitsLoss(pos_weight=class_weights.to(self.device), reduction="none")


class WeightedE2ELoss(E2ELoss):
    def __init__(self, model, class_weights=None):
        def weighted_loss_fn(model, tal_topk=10, tal_topk2=None):
            return WeightedDetectionLoss(model, class_weights=class_weights, tal_topk=tal_topk, tal_topk2=tal_topk2)

        super().__init__(model, loss_fn=weighted_loss_fn)


def test_seed003_class_weighted_losses():
    from ultralytics_clone.nn.tasks import DetectionModel

    class WeightedDetectionModel(DetectionModel):
        def init_criterion(self):
            class_weights = torch.ones(self.nc)
            class_weights[0] = 2.0
            class_weights[1] = 3.0
            return WeightedE2ELoss(self, class_weights=class_weights)

    torch.manual_seed(0)
    model = WeightedDetectionModel("yolo26n.yaml", nc=3, verbose=False).train()
    batch = dict(_batch(), img=torch.rand(2, 3, SIZE, SIZE))
    preds = model(batch["img"])
    loss, items = model.loss(batch, preds)
    assert isinstance(model.criterion, WeightedE2ELoss) and items.shape == (3,) and torch.isfinite(loss).all()
    assert model.criterion.one2one.bce.pos_weight.tolist() == [2.0, 3.0, 1.0]
    plain = E2ELoss(model)(preds, batch)[1]
    assert items[1] > plain[1] and torch.allclose(items[0], plain[0])  # only the class term changes
    loss.sum().backward()
    assert model.model[-1].cv3[0][-1].weight.grad.abs().sum() > 0
    toy = WeightedDetectionLoss(_Model(), class_weights=torch.tensor([1.0, 5.0, 1.0]))
    assert toy(_feats(), _batch())[1][1] > v8DetectionLoss(_Model())(_feats(), _batch())[1][1]


def _seg_inputs(seed=0, nm=4):
    g = torch.Generator().manual_seed(seed)
    coeffs = nn.Parameter(torch.randn(2, nm, 80, generator=g) * 0.1)
    proto = nn.Parameter(torch.randn(2, nm, 16, 16, generator=g) * 0.1)
    overlap = torch.zeros(2, 16, 16)
    overlap[0, 2:8, 3:7] = 1  # instance 0 of image 0 (box 0.3, 0.3, 0.25, 0.3 -> px 2.8-6.8, 2.4-7.2)
    overlap[0, 8:13, 9:14] = 2  # instance 1 of image 0
    overlap[1, 4:12, 4:12] = 1  # instance 0 of image 1
    per_instance = torch.stack([overlap[0] == 1, overlap[0] == 2, overlap[1] == 1]).float()
    return coeffs, proto, overlap, per_instance


def test_segmentation_loss_fits_and_mask_formats_agree():
    crit = v8SegmentationLoss(_Model())
    feats = _feats()
    coeffs, proto, overlap, per_instance = _seg_inputs()
    batch = dict(_batch(), masks=overlap)
    first, last = _fit(crit, feats + [coeffs, proto], lambda: (feats, coeffs, proto), batch)
    assert first.shape == (4,) and (first[:3] > 0).all() and last[1] < first[1] * 0.5
    crit_sep = v8SegmentationLoss(_Model())
    crit_sep.overlap = False
    a = crit((feats, coeffs, proto), batch)[1]
    b = crit_sep((feats, coeffs, proto), dict(_batch(), masks=per_instance))[1]
    torch.testing.assert_close(a, b)
    up = F.interpolate(overlap[None], scale_factor=4, mode="nearest")[0]  # masks at input size get resized
    torch.testing.assert_close(crit((feats, coeffs, proto), dict(_batch(), masks=up))[1], a)
    loss, items = crit((feats, coeffs, proto), dict(_empty(), masks=torch.zeros(2, 16, 16)))
    loss.sum().backward()
    assert items[1] == 0 and proto.grad is not None


def test_segmentation_semantic_branch():
    crit = v8SegmentationLoss(_Model())
    feats = _feats()
    coeffs, proto, overlap, _ = _seg_inputs()
    sem = nn.Parameter(torch.zeros(2, 3, 16, 16))
    batch = dict(_batch(), masks=overlap)
    with_sem = crit((feats, coeffs, proto, sem), batch)[1]
    without = crit((feats, coeffs, proto), batch)[1]
    expected = without[1].item() + 7.5 * torch.log(torch.tensor(2.0)).item()  # zero logits: BCE log(2) everywhere
    assert with_sem[1].item() == pytest.approx(expected, rel=1e-5)
    crit((feats, coeffs, proto, sem), batch)[0].sum().backward()
    assert sem.grad[0, 0, 2:8, 3:7].sum() < 0 and sem.grad[0, 1, 2:8, 3:7].sum() > 0  # pushes class 0 up there


def _pose_batch(ndim=3):
    g = torch.Generator().manual_seed(3)
    kpts = torch.rand(3, 5, ndim, generator=g) * 0.3 + 0.35
    if ndim == 3:
        kpts[..., 2] = 1.0
        kpts[0, :2, 2] = 0.0
    return dict(_batch(), keypoints=kpts)


@pytest.mark.parametrize("ndim", [3, 2])
def test_pose_loss_fits_toy_problem(ndim):
    crit = v8PoseLoss(_Model(kpt_shape=[5, ndim]))
    feats = _feats()
    kpts = nn.Parameter(torch.zeros(2, 5 * ndim, 80))
    first, last = _fit(crit, feats + [kpts], lambda: (feats, kpts), _pose_batch(ndim))
    assert first.shape == (5,) and first[1] > 0 and last[1] < first[1] * 0.5
    assert (first[2] > 0) == (ndim == 3) and (ndim == 2 or last[2] < first[2])
    loss, items = crit((feats, kpts), dict(_empty(), keypoints=torch.zeros(0, 5, ndim)))
    loss.sum().backward()
    assert items[1] == 0 and items[2] == 0 and kpts.grad is not None


def test_pose_rle_term_reaches_flow():
    model = _Model(kpt_shape=[5, 3], flow=True)
    crit = v8PoseLoss(model)
    feats = _feats()
    kpts, sigma = nn.Parameter(torch.zeros(2, 15, 80)), nn.Parameter(torch.zeros(2, 10, 80))
    with_rle = crit((feats, kpts, sigma), _pose_batch())
    without = crit((feats, kpts), _pose_batch())[1]
    assert torch.isfinite(with_rle[0]).all() and with_rle[1][1] != without[1]
    with_rle[0].sum().backward()
    flow = model.model[-1].flow_model
    assert sigma.grad.abs().sum() > 0 and any(p.grad is not None and p.grad.abs().sum() > 0 for p in flow.parameters())


def test_obb_loss_fits_toy_problem():
    crit = v8OBBLoss(_Model())
    feats = _feats()
    angle = nn.Parameter(torch.zeros(2, 1, 80))
    first, last = _fit(crit, feats + [angle], lambda: (feats, angle), _batch(obb=True))
    assert first.shape == (3,) and (first > 0).all() and last[0] < first[0] * 0.7 and last[1] < first[1] * 0.5
    loss, items = crit((feats, angle), _empty(obb=True))
    loss.sum().backward()
    assert items[0] == 0 and items[1] > 0


def test_classification_loss():
    logits = nn.Parameter(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)))
    batch = {"cls": torch.tensor([0, 2, 1, 2])}
    crit = v8ClassificationLoss()
    loss, items = crit(logits, batch)
    assert loss.shape == items.shape == (1,)
    assert items.item() == pytest.approx(F.cross_entropy(logits, batch["cls"]).item())
    assert loss.item() == pytest.approx(4 * items.item())
    first, last = _fit(crit, [logits], lambda: logits, batch, steps=10, lr=0.2)
    assert last < first * 0.5
    smooth = v8ClassificationLoss(SimpleNamespace(args={"label_smoothing": 0.1}))
    expected = F.cross_entropy(logits, batch["cls"], label_smoothing=0.1)
    assert smooth(logits, batch)[1].item() == pytest.approx(expected.item())


@pytest.mark.parametrize(
    "cfg, n_items",
    [
        ("yolo11n.yaml", 3), ("yolo26n.yaml", 3), ("yolo11n-seg.yaml", 4), ("yolo26n-seg.yaml", 4),
        ("yolo11n-pose.yaml", 5), ("yolo26n-pose.yaml", 5), ("yolo11n-obb.yaml", 3), ("yolo26n-obb.yaml", 3),
        ("yolo11n-cls.yaml", 1),
    ],
)
def test_model_loss_on_real_models(cfg, n_items):
    from ultralytics_clone.nn import tasks

    torch.manual_seed(0)
    task = next((t for t in ("seg", "pose", "obb", "cls") if f"-{t}" in cfg), "det")
    model_cls = {"det": tasks.DetectionModel, "seg": tasks.SegmentationModel, "pose": tasks.PoseModel,
                 "obb": tasks.OBBModel, "cls": tasks.ClassificationModel}[task]
    model = model_cls(cfg, nc=3, verbose=False).train()
    batch = dict(_batch(obb=task == "obb"), img=torch.rand(2, 3, SIZE, SIZE))
    if task == "seg":
        batch["masks"] = _seg_inputs()[2]
    if task == "pose":
        batch["keypoints"] = torch.rand(3, 17, 3)
    if task == "cls":
        batch = {"img": batch["img"], "cls": torch.tensor([0, 2])}
    loss, items = model.loss(batch)
    assert items.shape == (n_items,) and torch.isfinite(items).all() and (items >= 0).all() and items.sum() > 0
    loss.sum().backward()
    grads = [p.grad for p in model.model[-1].parameters() if p.grad is not None]
    assert grads and sum(g.abs().sum() for g in grads) > 0
    model.eval()
    with torch.no_grad():
        eval_items = model.loss(batch, model(batch["img"]))[1]  # validation computes the loss on eval outputs
    assert eval_items.shape == (n_items,) and torch.isfinite(eval_items).all()


def test_yolo26n_overfits_one_batch():
    from ultralytics_clone.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel("yolo26n.yaml", nc=3, verbose=False).train()
    batch = dict(_batch(), img=torch.rand(2, 3, SIZE, SIZE))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    history = []
    for _ in range(30):  # 10 steps halve the loss on some CPUs' kernels only; by 30 every one measured is far below
        loss, items = model.loss(batch)
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        history.append(items)
    assert isinstance(model.criterion, E2ELoss)
    last = torch.stack(history[-5:]).mean(0)  # the mean of the last steps, not one noisy step
    # measured on two CPUs: 14.5 -> about 1.7 (sum) and 7.9 -> about 0.45 (cls); the bound asks for under half
    assert last.sum() < 0.5 * history[0].sum() and last[1] < 0.5 * history[0][1], (history[0], last)
