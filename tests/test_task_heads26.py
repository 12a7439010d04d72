"""YOLO26 task heads: every loss term is live (Pose26 RLE, Segment26 semantic) and eval answers one-to-many first."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.nn.tasks import OBBModel, PoseModel, SegmentationModel

pytestmark = pytest.mark.usefixtures("torch_single_thread")

SIZE = 64


def _batch(task: str) -> dict:
    g = torch.Generator().manual_seed(0)
    batch = {
        "img": torch.rand(2, 3, SIZE, SIZE, generator=g),
        "batch_idx": torch.tensor([0.0, 0.0, 1.0]),
        "cls": torch.tensor([[0.0], [1.0], [0.0]]),
        "bboxes": torch.tensor([[0.3, 0.3, 0.3, 0.3], [0.7, 0.65, 0.4, 0.3], [0.5, 0.5, 0.5, 0.5]]),
    }
    if task == "pose":
        kpts = torch.rand(3, 4, 3, generator=g) * 0.2 + 0.4
        kpts[..., 2] = 1.0
        batch["keypoints"] = kpts
    if task == "segment":
        masks = torch.zeros(2, SIZE // 4, SIZE // 4)
        masks[0, 2:7, 2:7], masks[0, 8:13, 9:15], masks[1, 4:12, 4:12] = 1, 2, 1
        batch["masks"] = masks
    return batch


def _strip(out: dict, n: int) -> dict:
    """The training output with each branch's tuple cut to its first n elements (the extra term removed)."""
    return {k: tuple(v[:n]) for k, v in out.items()}


def test_pose26_rle_term_is_live_and_gets_gradients():
    torch.manual_seed(0)
    model = PoseModel("yolo26n-pose.yaml", nc=2, data_kpt_shape=(4, 3), verbose=False).train()
    batch = _batch("pose")
    out = model(batch["img"])
    assert len(out["one2many"]) == 3 and out["one2many"][2].shape == (2, 8, 84)  # sigma: 2 per keypoint
    loss, items = model.loss(batch, out)
    _, items_plain = model.loss(batch, _strip(out, 2))
    assert items[1] != items_plain[1]  # the pose term includes the RLE negative log-likelihood
    loss.sum().backward()
    head = model.model[-1]
    for part in (head.cv4_sigma, head.flow_model):
        grads = [p.grad for p in part.parameters() if p.grad is not None]
        assert grads and sum(float(g.abs().sum()) for g in grads) > 0


def test_segment26_semantic_term_is_live_and_gets_gradients():
    torch.manual_seed(0)
    model = SegmentationModel("yolo26n-seg.yaml", nc=2, verbose=False).train()
    batch = _batch("segment")
    out = model(batch["img"])
    assert len(out["one2many"]) == 4 and out["one2many"][3].shape == (2, 2, 8, 8)  # semantic logits at P3
    loss, items = model.loss(batch, out)
    _, items_plain = model.loss(batch, _strip(out, 3))
    assert items[1] > items_plain[1]  # the semantic BCE is added to the seg term
    loss.sum().backward()
    grads = [p.grad for p in model.model[-1].proto.semseg.parameters() if p.grad is not None]
    assert grads and sum(float(g.abs().sum()) for g in grads) > 0


@pytest.mark.parametrize(
    "cls, cfg, channels", [(SegmentationModel, "yolo26n-seg.yaml", 116), (PoseModel, "yolo26n-pose.yaml", 135),
                           (OBBModel, "yolo26n-obb.yaml", 85)]
)  # fmt: skip
def test_yolo26_task_heads_eval_one_to_many_first(cls, cfg, channels):
    model = cls(cfg, verbose=False).eval()
    x = torch.rand(1, 3, 256, 256)
    with torch.no_grad():
        y = model(x)[0]
        assert not model.end2end and y.shape == (1, channels, 1344)  # e.g. (1, 116, 1344) for yolo26n-seg
        model.end2end = True  # the one-to-one (NMS-free) branch, selected
        e2e = model(x)[0]
    assert e2e.shape == (1, 300, channels - 80 + 2)
