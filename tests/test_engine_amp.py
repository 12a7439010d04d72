"""Training autocast: float16 on CUDA, bfloat16 on CPUs with native bf16, float32 elsewhere; the loss in float32."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.utils import checks


def test_amp_setting_per_device(monkeypatch):
    model = torch.nn.Linear(2, 2)
    monkeypatch.setattr(checks, "cpu_has_native_bf16", lambda: True)
    assert checks.amp_setting(True, torch.device("cpu"), model) == (True, torch.bfloat16)  # native bf16: the default
    assert checks.amp_setting("bf16", torch.device("cpu"), model) == (True, torch.bfloat16)
    assert checks.amp_setting(False, torch.device("cpu"), model)[0] is False
    monkeypatch.setattr(checks, "cpu_has_native_bf16", lambda: False)  # a CPU that would emulate bf16: float32
    assert checks.amp_setting(True, torch.device("cpu"), model)[0] is False  # as the reference there
    assert checks.amp_setting("bf16", torch.device("cpu"), model)[0] is False
    assert checks.amp_setting(True, "mps", model)[0] is False


def test_amp_accepts_bf16_and_names_the_choices():
    from ultralytics_clone.cfg import get_cfg
    from ultralytics_clone.utils.errors import ConfigError

    assert get_cfg(overrides={"amp": "BF16"}).amp == "bf16"
    assert get_cfg(overrides={"amp": "false"}).amp is False
    with pytest.raises(ConfigError, match=r"amp=fp8.*True, False or 'bf16'"):
        get_cfg(overrides={"amp": "fp8"})


def test_loss_runs_in_float32_under_bf16_autocast():
    torch.manual_seed(0)
    model = DetectionModel("yolo11n.yaml", nc=3, verbose=False).train()
    seen = []
    model.criterion = model.init_criterion()
    criterion = model.criterion
    model.criterion = lambda preds, batch: (seen.append(preds), criterion(preds, batch))[1]
    batch = {"img": torch.rand(2, 3, 64, 64), "batch_idx": torch.tensor([0.0, 1.0]), "cls": torch.tensor([[0.0], [2.0]]),
             "bboxes": torch.tensor([[0.5, 0.5, 0.4, 0.4], [0.3, 0.3, 0.2, 0.2]])}
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, items = model.loss(batch)
    flat = [t for p in seen for t in (p if isinstance(p, (list, tuple)) else p.values() if isinstance(p, dict) else [p])
            if isinstance(t, torch.Tensor)]
    assert flat and all(t.dtype == torch.float32 for t in flat)
    assert loss.dtype == torch.float32 and torch.isfinite(loss).all()
    loss.sum().backward()
    assert all(p.grad is not None for p in model.model[-1].parameters() if p.requires_grad)


def test_validator_during_training_autocasts_to_the_trainers_dtype():
    from types import SimpleNamespace

    from ultralytics_clone.models.yolo.detect import DetectionValidator

    net = torch.nn.Linear(2, 2)
    for device, amp, dtype, expect in (("cuda", True, torch.bfloat16, True), ("cuda", True, torch.float16, True),
                                       ("cpu", True, torch.bfloat16, False), ("cuda", False, torch.float16, False)):  # fmt: skip
        v = DetectionValidator(args={"plots": False})
        trainer = SimpleNamespace(device=torch.device(device), data={}, amp=amp, amp_dtype=dtype, ema=None, model=net)
        assert v._setup_from_trainer(trainer) is net
        assert (v._autocast, v._autocast_dtype) == (expect, dtype)
