"""Optimizer construction (3 parameter groups, by name or auto), LR schedules and layer freezing."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

from ultralytics_clone.utils import LOGGER, colorstr
from ultralytics_clone.utils.errors import ConfigError

OPTIMIZERS = ("SGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSProp", "auto")


def param_groups(model: nn.Module) -> tuple[list, list, list]:
    """(weights with decay, norm-layer weights without decay, biases), every parameter incl. frozen ones.

    Frozen parameters are included so that unfreezing them later (requires_grad=True) lets them train.
    """
    norm_types = tuple(v for k, v in nn.__dict__.items() if "Norm" in k and isinstance(v, type))
    decay, no_decay, biases = [], [], []
    for _, module in model.named_modules():
        for name, p in module.named_parameters(recurse=False):
            if name == "bias":
                biases.append(p)
            elif isinstance(module, norm_types) or "logit_scale" in name:
                no_decay.append(p)
            else:
                decay.append(p)
    return decay, no_decay, biases


def auto_choice(iterations: float, nc: int) -> tuple[str, float, float]:
    """(name, lr, momentum) for optimizer=auto: SGD for long schedules, AdamW with an nc-derived lr for short ones."""
    if iterations > 10000:
        return "SGD", 0.01, 0.9
    return "AdamW", round(0.002 * 5 / (4 + nc), 6), 0.9


def make_optimizer(model: nn.Module, name: str, lr: float, momentum: float, decay: float) -> torch.optim.Optimizer:
    """Optimizer `name` over three groups: pg0 biases (no decay), pg1 weights (decay), pg2 norm weights (no decay).

    foreach=True on every device (torch enables it only on CUDA by default): one fused kernel per group on CPU too.
    """
    decay_w, norm_w, biases = param_groups(model)
    key = {n.lower(): n for n in OPTIMIZERS}.get(str(name).lower())
    if key in {"Adam", "Adamax", "AdamW", "NAdam", "RAdam"}:
        opt = getattr(torch.optim, key)(biases, lr=lr, betas=(momentum, 0.999), weight_decay=0.0, foreach=True)
    elif key == "RMSProp":
        opt = torch.optim.RMSprop(biases, lr=lr, momentum=momentum, foreach=True)
    elif key == "SGD":
        opt = torch.optim.SGD(biases, lr=lr, momentum=momentum, nesterov=True, foreach=True)
    else:
        raise ConfigError(f"optimizer='{name}' is not supported. Accepted: {', '.join(OPTIMIZERS)}.")
    opt.add_param_group({"params": decay_w, "weight_decay": decay})
    opt.add_param_group({"params": norm_w, "weight_decay": 0.0})
    LOGGER.info(f"{colorstr('optimizer:')} {type(opt).__name__}(lr={lr}, momentum={momentum}) with parameter groups "
                f"{len(norm_w)} weight(decay=0.0), {len(decay_w)} weight(decay={decay}), {len(biases)} bias(decay=0.0)")  # fmt: skip
    return opt


def lr_lambda(epochs: int, lrf: float, cos: bool) -> Callable[[int], float]:
    """Epoch -> LR multiplier, from 1 down to lrf: cosine or linear."""
    if cos:
        return lambda x: ((1 - math.cos(x * math.pi / epochs)) / 2) * (lrf - 1) + 1
    return lambda x: max(1 - x / epochs, 0) * (1.0 - lrf) + lrf


def freeze_names(freeze: int | Iterable | None) -> list[str]:
    """Parameter-name fragments to freeze: 'model.{i}.' for the first N layers or listed indices, names as given."""
    if freeze is None or freeze is False:
        return []
    items = range(freeze) if isinstance(freeze, int) else freeze
    return [f"model.{x}." if isinstance(x, int) or str(x).isdigit() else str(x) for x in items]


def apply_freeze(model: nn.Module, names: list[str], unfreeze_others: bool = False) -> int:
    """Set requires_grad=False on parameters whose name contains any of `names`; returns how many were frozen."""
    n = 0
    for k, p in model.named_parameters():
        if any(x in k for x in names):
            p.requires_grad_(False)
            n += 1
        elif unfreeze_others and not p.requires_grad and p.dtype.is_floating_point:
            p.requires_grad_(True)
    return n


__all__ = ["OPTIMIZERS", "param_groups", "auto_choice", "make_optimizer", "lr_lambda", "freeze_names", "apply_freeze"]
