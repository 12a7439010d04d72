"""Torch helpers used across the package: devices, seeds, model unwrapping, optimizer state compaction."""

from __future__ import annotations

import torch
from torch import nn

from ultralytics_clone.utils.devices import init_seeds, select_device


def unwrap_model(model: nn.Module) -> nn.Module:
    """The bare module inside DataParallel / DistributedDataParallel / torch.compile wrappers."""
    while True:
        if isinstance(model, (nn.parallel.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        elif hasattr(model, "_orig_mod"):
            model = model._orig_mod
        else:
            return model


de_parallel = unwrap_model  # Ultralytics' older name


def convert_optimizer_state_dict_to_fp16(state_dict: dict) -> dict:
    """Cast the float32 tensors of an optimizer state_dict to float16 in place (checkpoint size), keep 'step'."""
    for state in state_dict["state"].values():
        for k, v in state.items():
            if k != "step" and isinstance(v, torch.Tensor) and v.dtype is torch.float32:
                state[k] = v.half()
    return state_dict


__all__ = ["select_device", "init_seeds", "unwrap_model", "de_parallel", "convert_optimizer_state_dict_to_fp16"]
