"""Whatever the package saves loads back with its own loader: float, half and fused models of all five tasks give
identical outputs after save + load."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.nn.modules import Conv
from ultralytics_clone.nn.weights import load_checkpoint

pytestmark = pytest.mark.usefixtures("torch_single_thread")
TASKS = ["", "-seg", "-pose", "-obb", "-cls"]


@pytest.fixture(scope="module")
def tiny_cfg(tmp_path_factory) -> dict[str, str]:
    """YOLO11 YAMLs of each task at a tiny scale (a few hundred thousand parameters), by suffix."""
    import yaml

    from ultralytics_clone.nn.tasks import MODELS_DIR

    out, d = {}, tmp_path_factory.mktemp("tiny")
    for t in TASKS:
        cfg = yaml.safe_load((MODELS_DIR / "11" / f"yolo11{t}.yaml").read_text())
        cfg.update(scales={"n": [0.33, 0.0625, 128]}, scale="n")
        out[t] = str(d / f"tiny11{t}.yaml")
        (d / f"tiny11{t}.yaml").write_text(yaml.safe_dump(cfg))
    return out


def _out(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        y = model.eval()(x)
    return y[0] if isinstance(y, (list, tuple)) else y


@pytest.mark.parametrize("task", TASKS)
def test_float_half_and_fused_models_round_trip(tmp_path, tiny_cfg, task):
    cfg = tiny_cfg[task]
    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 64)
    base = YOLO(cfg)
    for mode in ("float", "half", "fused"):
        yolo = YOLO(cfg)
        yolo.model.load_state_dict(base.model.state_dict())
        if mode == "fused":
            yolo.model.fuse(verbose=False)
        if mode == "half":
            yolo.model.half()
        reference = copy.deepcopy(yolo.model).float()  # what the float32 loader must reproduce
        path = yolo.save(tmp_path / f"{mode}.pt")
        loaded = YOLO(path)
        assert loaded.task == yolo.task and loaded.model.names == yolo.model.names
        assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
        assert loaded.model.is_fused() == (mode == "fused"), mode
        torch.testing.assert_close(_out(loaded.model, x), _out(reference, x), rtol=0, atol=0, msg=f"{cfg} {mode}")


def test_fused_conv_pickles_without_getattr_and_still_runs_fused():
    conv = Conv(3, 8, 3).eval()
    from ultralytics_clone.utils.torch_utils import fuse_conv_and_bn

    conv.conv = fuse_conv_and_bn(conv.conv, conv.bn)
    delattr(conv, "bn")
    conv.forward = conv.forward_fuse
    data = pickle.dumps(conv)
    assert b"getattr" not in data
    again = pickle.loads(data)
    x = torch.rand(1, 3, 16, 16)
    torch.testing.assert_close(again(x), conv(x), rtol=0, atol=0)
    assert not any(p.grad_fn is not None for p in again.parameters())


def test_reference_style_fused_pickle_loads(tmp_path, tiny_cfg, monkeypatch):
    """Ultralytics' fuse() leaves `forward` pickled as getattr(conv, 'forward_fuse'); it is read as inert data."""
    yolo = YOLO(tiny_cfg["-pose"])
    yolo.model.fuse(verbose=False)
    monkeypatch.setattr(Conv, "__getstate__", lambda self: self.__dict__)  # pickle the instance dict as-is
    f = tmp_path / "ref_fused.pt"
    torch.save({"model": yolo.model}, f)
    monkeypatch.undo()
    assert b"getattr" in f.read_bytes()
    loaded, _ = load_checkpoint(f)
    x = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(_out(loaded, x), _out(yolo.model, x), rtol=0, atol=0)
