"""Task models: output contract per head, fuse(), info() GFLOPs, the end2end switch and the loss hook."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ultralytics_clone.nn.tasks import MODELS_DIR, TASK_MODELS, DetectionModel
from ultralytics_clone.nn.weights import load_checkpoint

pytestmark = pytest.mark.usefixtures("torch_single_thread")

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not (SHARED / "fixtures").is_dir():  # a checkout with shared/ inside it (as in conftest.py)
    SHARED = Path(__file__).resolve().parents[1] / "shared"
FIXTURES = SHARED / "fixtures" / "ultralytics"
FACT_GFLOPS = {"yolo11n.yaml": 6.67, "yolov8n.yaml": 8.86, "yolo26n.yaml": 6.24}  # reference, at 640


def yaml_gflops(family_file: Path) -> dict[str, float]:
    """{scale: GFLOPs} from the comments of a bundled model YAML."""
    found = re.findall(r"^\s+([nslmx]): \[.*\] # ([\d.]+) GFLOPs", family_file.read_text(), flags=re.M)
    return {k: float(v) for k, v in found}


def build(cfg: str, task: str, device: str = "cpu", **kw):
    with torch.device(device):
        return TASK_MODELS[task](cfg, verbose=False, **kw)


FAMILIES = sorted(MODELS_DIR.rglob("*.yaml"))


@pytest.mark.parametrize("file", FAMILIES, ids=[f.stem for f in FAMILIES])
def test_info_gflops_match_yaml_comments(file):
    comments = yaml_gflops(file)
    assert set(comments) == set("nslmx")
    suffix = file.stem.split("-")[1] if "-" in file.stem else ""
    task = {"": "detect", "seg": "segment", "pose": "pose", "obb": "obb", "cls": "classify"}[suffix]
    cfg = file.stem.replace("-", "n-", 1) if suffix else file.stem + "n"
    model = build(cfg + ".yaml", task, "meta")
    _, n_p, _, gflops = model.info(verbose=False, imgsz=224 if task == "classify" else 640)
    assert n_p > 0
    assert abs(gflops - comments["n"]) <= 0.02 * comments["n"]


@pytest.mark.parametrize("cfg", sorted(FACT_GFLOPS))
def test_gflops_close_to_reference(cfg):
    _, _, _, gflops = build(cfg, "detect", "meta").info(verbose=False)
    assert abs(gflops - FACT_GFLOPS[cfg]) <= 0.02 * FACT_GFLOPS[cfg]


def test_info_logs_summary(caplog):
    with caplog.at_level("INFO", logger="ultralytics_clone"):
        build("yolo11n.yaml", "detect", "meta").info()
    pattern = r"YOLO11n summary: [\d,]+ layers, 2,624,080 parameters, 2,624,064 gradients, 6\.\d GFLOPs"
    assert re.search(pattern, caplog.text)


@pytest.mark.parametrize("name", ["yolo11n", "yolo26n", "yolo11n-seg", "yolo11n-pose", "yolo11n-obb", "yolo11n-cls"])
def test_fuse_keeps_outputs(name):
    model, _ = load_checkpoint(FIXTURES / f"{name}.pt")
    x = torch.from_numpy(np.load(FIXTURES / "input.npy"))
    model.eval()
    with torch.no_grad():
        before = model(x)
        model.fuse(verbose=False)
        after = model(x)
    assert model.is_fused() and not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    a, b = (o[0] if isinstance(o, tuple) else o for o in (before, after))
    assert (a - b).abs().max() <= 1e-5 * max(1.0, a.abs().max())  # relative to the largest value (pixels)
    if a.ndim == 3:  # class scores (0-1) stay within 1e-5 absolute
        nc = len(model.names)
        assert (a[:, 4 : 4 + nc] - b[:, 4 : 4 + nc]).abs().max() <= 1e-5


X = torch.rand(2, 3, 64, 64)
A = 8 * 8 + 4 * 4 + 2 * 2


def run(model, train: bool):
    model.train(train)
    with torch.set_grad_enabled(train):
        return model(X)


def test_detect_output_contract():
    m = build("yolo11n.yaml", "detect", nc=3)
    feats = run(m, True)
    assert [tuple(f.shape) for f in feats] == [(2, 64 + 3, 8, 8), (2, 67, 4, 4), (2, 67, 2, 2)]
    y, raw = run(m, False)
    assert y.shape == (2, 4 + 3, A) and len(raw) == 3
    assert (y[:, 4:] >= 0).all() and (y[:, 4:] <= 1).all()


def test_yolo26_end2end_contract():
    m = build("yolo26n.yaml", "detect", nc=3)
    head = m.model[-1]
    assert head.reg_max == 1 and head.has_one2one and m.end2end
    out = run(m, True)
    assert set(out) == {"one2many", "one2one"} and out["one2one"][0].shape == (2, 4 + 3, 8, 8)
    m.model[-1].max_det = 30
    y, raw = run(m, False)
    assert y.shape == (2, 30, 6) and set(raw) == {"one2many", "one2one"}
    assert (y[..., 4][:, :-1] >= y[..., 4][:, 1:]).all()  # best first
    assert (y[..., 2] >= y[..., 0]).all() and (y[..., 3] >= y[..., 1]).all()  # xyxy
    m.end2end = False
    y, _ = run(m, False)
    assert y.shape == (2, 4 + 3, A)
    assert DetectionModel("yolo11n.yaml", nc=3, verbose=False).end2end is False


@pytest.mark.parametrize("cfg", ["yolo11n-seg.yaml", "yolo26n-seg.yaml"])
def test_segment_contract(cfg):
    m = build(cfg, "segment", nc=3)
    m.end2end = False
    out = run(m, True)
    feats, coeffs, proto, *semseg = out["one2many"] if isinstance(out, dict) else out
    assert coeffs.shape == (2, 32, A) and proto.shape == (2, 32, 16, 16)
    assert [s.shape for s in semseg] == ([(2, 3, 8, 8)] if "26" in cfg else [])  # YOLO26: semantic logits at P3
    y, raw = run(m, False)
    assert y.shape == (2, 4 + 3 + 32, A)


@pytest.mark.parametrize("cfg", ["yolov8n-pose.yaml", "yolo26n-pose.yaml"])
def test_pose_contract(cfg):
    m = build(cfg, "pose", nc=1, data_kpt_shape=(4, 3))
    m.end2end = False
    out = run(m, True)
    feats, kpts, *sigma = out["one2many"] if isinstance(out, dict) else out
    assert kpts.shape == (2, 12, A)
    assert [s.shape for s in sigma] == ([(2, 8, A)] if "26" in cfg else [])  # YOLO26: RLE sigma logits, 2 per kpt
    y, _ = run(m, False)
    assert y.shape == (2, 4 + 1 + 12, A)
    vis = y[:, 4 + 1 + 2 :: 3]
    assert (vis >= 0).all() and (vis <= 1).all()


@pytest.mark.parametrize("cfg", ["yolo11n-obb.yaml", "yolo26n-obb.yaml"])
def test_obb_contract(cfg):
    m = build(cfg, "obb", nc=2)
    m.end2end = False
    out = run(m, True)
    feats, angle = out["one2many"] if isinstance(out, dict) else out
    assert angle.shape == (2, 1, A) and angle.min() >= -np.pi / 4 and angle.max() <= 3 * np.pi / 4
    y, _ = run(m, False)
    assert y.shape == (2, 4 + 2 + 1, A)


def test_classify_contract():
    m = build("yolo11n-cls.yaml", "classify", nc=4)
    assert run(m, True).shape == (2, 4)
    p, logits = run(m, False)  # eval: probabilities, plus the logits the validation loss reads
    assert p.shape == (2, 4) and torch.allclose(p.sum(1), torch.ones(2)) and torch.allclose(logits.softmax(1), p)


def test_loss_hook_builds_criterion_lazily():
    m = build("yolo11n.yaml", "detect", nc=3)
    calls = []

    class Crit:
        def __call__(self, preds, batch):
            calls.append((len(preds), batch["img"].shape))
            return torch.tensor([1.0, 2.0, 3.0]) * 2, torch.tensor([1.0, 2.0, 3.0])

    m.init_criterion = lambda: Crit()
    m.train()
    loss, items = m.loss({"img": X})
    assert calls == [(3, X.shape)] and loss.shape == (3,) and items.tolist() == [1.0, 2.0, 3.0]
    assert isinstance(m.criterion, Crit)
    m({"img": X})  # a dict goes to loss()
    assert len(calls) == 2


def test_predict_embed_returns_pooled_features():
    m = build("yolo11n.yaml", "detect", nc=3).eval()
    with torch.no_grad():
        emb = m.predict(X, embed=[10])
    assert len(emb) == 2 and emb[0].shape == (256,)


def test_export_mode_returns_decoded_tensor_and_prototypes():
    m = build("yolo11n-seg.yaml", "segment", nc=3).eval()
    m.model[-1].export = True
    with torch.no_grad():
        y, proto = m(X)
    assert y.shape == (2, 4 + 3 + 32, A) and proto.shape == (2, 32, 16, 16)
    d = build("yolo11n.yaml", "detect", nc=3).eval()
    d.model[-1].export = True
    with torch.no_grad():
        assert d(X).shape == (2, 7, A)


def test_info_on_a_real_model_counts_shapes_only_and_leaves_it_intact():
    m = build("yolo11n.yaml", "detect", nc=3).eval()
    with torch.no_grad():
        before = m(X)[0]
    m.train()
    _, _, _, gflops = m.info(verbose=False)
    assert m.training and isinstance(m.model[-1].stride, torch.Tensor)
    assert abs(gflops - build("yolo11n.yaml", "detect", "meta", nc=3).info(verbose=False)[3]) < 1e-6
    m.eval()
    with torch.no_grad():
        assert torch.equal(m(X)[0], before)
