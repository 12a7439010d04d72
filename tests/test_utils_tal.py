"""Task-aligned assigners: hand-checked cases, padding, a brute-force reference, rotated and small-target variants."""

import math

import pytest
import torch

from ultralytics_clone.utils.metrics import bbox_iou
from ultralytics_clone.utils.tal import RotatedTaskAlignedAssigner, TaskAlignedAssigner, make_anchors


def _anchors(size=64, strides=(8, 16)):
    feats = [torch.zeros(1, 1, size // s, size // s) for s in strides]
    points, stride = make_anchors(feats, strides)
    return points * stride  # pixels


def _random_problem(seed, bs=3, n_max=4, nc=5, size=64):
    g = torch.Generator().manual_seed(seed)
    anc = _anchors(size)
    n_anchors = len(anc)
    centre = torch.rand(bs, n_max, 2, generator=g) * 40 + 12
    wh = torch.rand(bs, n_max, 2, generator=g) * 30 + 12
    gt_bboxes = torch.cat((centre - wh / 2, centre + wh / 2), -1)
    gt_labels = torch.randint(0, nc, (bs, n_max, 1), generator=g).float()
    mask_gt = torch.ones(bs, n_max, 1)
    mask_gt[1] = 0  # an image without labels, padded
    mask_gt[2, 3:] = 0  # a partly padded image
    gt_bboxes = gt_bboxes * mask_gt
    pd_scores = torch.rand(bs, n_anchors, nc, generator=g) * 0.9 + 0.05
    pd_wh = torch.rand(bs, n_anchors, 2, generator=g) * 20 + 30  # large boxes centred on anchors: IoU > 0 inside GTs
    pd_bboxes = torch.cat((anc - pd_wh / 2, anc + pd_wh / 2), -1)
    return pd_scores, pd_bboxes, anc, gt_labels, gt_bboxes, mask_gt


def _reference(pd_scores, pd_bboxes, anc, gt_labels, gt_bboxes, mask_gt, topk, alpha, beta, eps=1e-9):
    """Straight-line loops over images, GTs and anchors."""
    bs, n_anchors, nc = pd_scores.shape
    fg = torch.zeros(bs, n_anchors, dtype=torch.bool)
    gt_idx = torch.zeros(bs, n_anchors, dtype=torch.long)
    scores = torch.zeros(bs, n_anchors, nc)
    for b in range(bs):
        metric, overlap, claims = {}, {}, {}
        for m in range(gt_bboxes.shape[1]):
            if not mask_gt[b, m]:
                continue
            x1, y1, x2, y2 = gt_bboxes[b, m].tolist()
            label = int(gt_labels[b, m])
            inside = [
                a for a in range(n_anchors) if min(anc[a, 0] - x1, anc[a, 1] - y1, x2 - anc[a, 0], y2 - anc[a, 1]) > eps
            ]
            for a in inside:
                iou = bbox_iou(gt_bboxes[b, m], pd_bboxes[b, a], xywh=False, CIoU=True).clamp(0).item()
                overlap[m, a] = iou
                metric[m, a] = pd_scores[b, a, label].item() ** alpha * iou**beta
            for a in sorted(inside, key=lambda a: -metric[m, a])[:topk]:
                claims.setdefault(a, []).append(m)
        owner = {a: max(ms, key=lambda m: overlap[m, a]) for a, ms in claims.items()}
        for m in {*owner.values()}:
            mine = [a for a, o in owner.items() if o == m]
            best_metric = max(metric[m, a] for a in mine)
            best_overlap = max(overlap[m, a] for a in mine)
            for a in mine:
                fg[b, a], gt_idx[b, a] = True, m
                scores[b, a, int(gt_labels[b, m])] = metric[m, a] * best_overlap / (best_metric + eps)
    return fg, gt_idx, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_bruteforce_reference(seed):
    problem = _random_problem(seed)
    assigner = TaskAlignedAssigner(topk=5, num_classes=5, alpha=0.5, beta=6.0)
    labels, bboxes, scores, fg, gt_idx = assigner(*problem)
    ref_fg, ref_idx, ref_scores = _reference(*problem, topk=5, alpha=0.5, beta=6.0)
    assert fg.any() and torch.equal(fg, ref_fg)
    assert torch.equal(gt_idx[fg], ref_idx[fg])
    torch.testing.assert_close(scores, ref_scores, atol=1e-6, rtol=1e-5)
    gt_labels, gt_bboxes = problem[3], problem[4]
    b = torch.arange(3)[:, None].expand_as(gt_idx)
    assert torch.equal(labels[fg], gt_labels[b, gt_idx, 0].long()[fg])
    assert torch.equal(bboxes[fg], gt_bboxes[b, gt_idx][fg])


def test_best_aligned_anchors_inside_box_and_padding():
    pd_scores, pd_bboxes, anc, gt_labels, gt_bboxes, mask_gt = _random_problem(5)
    assigner = TaskAlignedAssigner(topk=3, num_classes=5)
    _, _, scores, fg, gt_idx = assigner(pd_scores, pd_bboxes, anc, gt_labels, gt_bboxes, mask_gt)
    assert not fg[1].any() and scores[1].abs().sum() == 0  # the unlabelled image gets only background
    assert not (gt_idx[2][fg[2]] >= 3).any()  # padded slots never own anchors
    for b, a in fg.nonzero().tolist():
        x1, y1, x2, y2 = gt_bboxes[b, gt_idx[b, a]].tolist()
        assert x1 < anc[a, 0] < x2 and y1 < anc[a, 1] < y2
    assert (fg.sum(1) <= 3 * mask_gt.sum((1, 2))).all()  # at most topk per GT
    # each GT's best-scoring anchor carries its best IoU as target score (normalisation)
    assert scores[fg].amax(-1).max() <= 1.0 + 1e-6


def test_single_gt_picks_highest_metric_anchors():
    anc = _anchors()
    gt = torch.tensor([[[8.0, 8, 40, 40]]])
    pd_bboxes = gt.expand(1, len(anc), 4).clone()  # every prediction is the GT box: IoU 1, metric = score
    pd_scores = torch.zeros(1, len(anc), 2)
    pd_scores[0, :, 1] = torch.linspace(0.01, 0.9, len(anc))
    inside = ((anc > 8) & (anc < 40)).all(1)
    pd_scores[0, ~inside, 1] = 0.99  # outside anchors never qualify, however confident
    out = TaskAlignedAssigner(topk=4, num_classes=2)(pd_scores, pd_bboxes, anc, torch.ones(1, 1, 1), gt,
                                                     torch.ones(1, 1, 1))
    fg, scores = out[3][0], out[2][0]
    expected = torch.where(inside, pd_scores[0, :, 1], -1).topk(4).indices
    assert set(fg.nonzero().flatten().tolist()) == set(expected.tolist())
    assert scores[expected, 1].max().item() == pytest.approx(1.0, abs=1e-5)  # best anchor -> best IoU (1)
    assert scores[:, 0].abs().sum() == 0


def test_no_gt_at_all():
    anc = _anchors()
    out = TaskAlignedAssigner(num_classes=3)(torch.rand(2, len(anc), 3), torch.rand(2, len(anc), 4), anc,
                                             torch.zeros(2, 0, 1), torch.zeros(2, 0, 4), torch.zeros(2, 0, 1))
    labels, bboxes, scores, fg, gt_idx = out
    assert not fg.any() and scores.sum() == 0 and bboxes.shape == (2, len(anc), 4) and labels.shape == (2, len(anc))


def test_conflict_goes_to_higher_iou_and_topk2_keeps_one():
    anc = _anchors()
    gts = torch.tensor([[[0.0, 0, 40, 40], [4, 4, 44, 44]]])
    pd_bboxes = torch.tensor([3.0, 3, 43, 43]).expand(1, len(anc), 4).clone()
    iou = bbox_iou(gts[0], pd_bboxes[0, :2], xywh=False, CIoU=True).squeeze(-1)
    assert iou[1] > iou[0]
    both = ((anc > 4) & (anc < 40)).all(1).nonzero().flatten()[:3].tolist()
    pd_scores = torch.full((1, len(anc), 2), 0.1)
    pd_scores[0, both[0]] = 0.95  # both GTs' favourite anchor
    pd_scores[0, both[1], 0] = 0.9  # GT 0 (class 0) runner-up
    pd_scores[0, both[2], 1] = 0.9  # GT 1 (class 1) runner-up
    args = (pd_scores, pd_bboxes, anc, torch.tensor([[[0.0], [1.0]]]), gts, torch.ones(1, 2, 1))
    _, _, _, fg, gt_idx = TaskAlignedAssigner(topk=1, num_classes=2)(*args)
    assert fg[0].nonzero().flatten().tolist() == [both[0]] and gt_idx[0, both[0]] == 1  # higher IoU wins
    _, _, _, fg, gt_idx = TaskAlignedAssigner(topk=2, num_classes=2, topk2=1)(*args)
    assert sorted(fg[0].nonzero().flatten().tolist()) == sorted(both[:2])  # GT 0 falls back on its runner-up
    assert gt_idx[0, both[0]] == 1 and gt_idx[0, both[1]] == 0
    _, _, _, fg, _ = TaskAlignedAssigner(topk=2, num_classes=2)(*args)
    assert fg.sum() == 3  # without topk2 GT 1 keeps its runner-up as well


def test_small_target_aware_candidates():
    anc = _anchors()
    tiny = torch.tensor([[[17.0, 17, 19, 19]]])  # 2x2 px, between anchor centres 12 and 20
    args = (torch.full((1, len(anc), 1), 0.5), torch.tensor([10.0, 10, 26, 26]).expand(1, len(anc), 4), anc,
            torch.zeros(1, 1, 1), tiny, torch.ones(1, 1, 1))
    assert not TaskAlignedAssigner(topk=3, num_classes=1)(*args)[3].any()
    fg = TaskAlignedAssigner(topk=3, num_classes=1, stride=[8, 16])(*args)[3]
    assert fg.any()


def _inside_rotated_bruteforce(points, box):
    cx, cy, w, h, r = box.tolist()
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        dx, dy = sx * w / 2, sy * h / 2
        corners.append((cx + dx * math.cos(r) - dy * math.sin(r), cy + dx * math.sin(r) + dy * math.cos(r)))
    out = []
    for px, py in points.tolist():
        signs = []
        for i in range(4):
            (x1, y1), (x2, y2) = corners[i], corners[(i + 1) % 4]
            signs.append((x2 - x1) * (py - y1) - (y2 - y1) * (px - x1))
        out.append(all(s > 0 for s in signs) or all(s < 0 for s in signs))
    return torch.tensor(out)


def test_rotated_candidates_and_assignment():
    anc = _anchors()
    box = torch.tensor([32.0, 32, 40, 12, math.pi / 5])
    assigner = RotatedTaskAlignedAssigner(topk=6, num_classes=2)
    inside = assigner.select_candidates_in_gts(anc, box.view(1, 1, 5))[0, 0]
    assert torch.equal(inside, _inside_rotated_bruteforce(anc, box)) and inside.sum() >= 4
    pd = box.expand(1, len(anc), 5).clone()
    pd_scores = torch.rand(1, len(anc), 2, generator=torch.Generator().manual_seed(0))
    _, bboxes, scores, fg, _ = assigner(pd_scores, pd, anc, torch.ones(1, 1, 1), box.view(1, 1, 5),
                                        torch.ones(1, 1, 1))
    assert fg.sum() == 6 and torch.all(inside[fg[0]])
    assert bboxes.shape == (1, len(anc), 5) and torch.equal(bboxes[fg], box.expand(6, 5))
    assert scores[fg][:, 0].abs().sum() == 0 and scores[fg][:, 1].max().item() == pytest.approx(1.0, abs=2e-3)
