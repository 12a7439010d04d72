"""The trainer's full state at an epoch end: kept in memory for roll-backs and saved in last.pt for exact resume.

capture() copies model, EMA, optimizer and scaler state, best fitness, early-stopping, time-budget and close-mosaic
state, and the RNG states (python, numpy, torch, CUDA, the loader's epoch and mosaic buffer). restore() puts them
back: all of it when resuming, only the learnable state when rolling back (a replay with the same random numbers
would meet the same bad batch again).
"""

from __future__ import annotations

import random
import time
from copy import deepcopy
from typing import Any

import numpy as np
import torch
from torch import nn

from ultralytics_clone.utils.torch_utils import unwrap_model


def _cpu_copy(sd: dict) -> dict:
    return {k: v.detach().clone().cpu() if isinstance(v, torch.Tensor) else deepcopy(v) for k, v in sd.items()}


def finite(model: nn.Module) -> bool:
    """True when every floating tensor of `model` is finite (one host sync)."""
    flags = [torch.isfinite(v).all() for v in model.state_dict().values() if v.dtype.is_floating_point]
    return bool(torch.stack(flags).all()) if flags else True


def rng_state() -> dict[str, Any]:
    """Python, numpy, torch (and CUDA) generator states as plain lists and tensors (safe for the checkpoint loader)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"python": random.getstate(), "numpy": [kind, keys.tolist(), pos, has_gauss, cached],
             "torch": torch.get_rng_state()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Inverse of rng_state()."""
    random.setstate(_tuples(state["python"]))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _tuples(x: Any) -> Any:
    """random.setstate needs tuples where a round trip may have produced lists."""
    return tuple(_tuples(v) for v in x) if isinstance(x, (list, tuple)) else x


def capture(trainer: Any, epoch: int) -> dict[str, Any]:
    """The state after 0-based `epoch` (-1: before the first), detached and on the CPU."""
    loader = trainer.train_loader
    dataset = getattr(loader, "dataset", None)
    return {
        "epoch": epoch,
        "model": _cpu_copy(unwrap_model(trainer.model).state_dict()),
        "ema": _cpu_copy(trainer.ema.ema.state_dict()),
        "updates": trainer.ema.updates,
        "optimizer": deepcopy(trainer.optimizer.state_dict()),
        "scaler": trainer.scaler.state_dict(),
        "best_fitness": trainer.best_fitness,
        "fitness": trainer.fitness,
        "metrics": dict(trainer.metrics or {}),
        "stopper": trainer.stopper.state_dict(),
        "elapsed": time.time() - trainer.time_budget.start,
        "epochs": trainer.epochs,
        "mosaic_closed": trainer._mosaic_closed,
        "last_opt_step": trainer._last_opt_step,
        "accumulate": trainer.accumulate,
        "rng": rng_state(),
        "loader_epoch": getattr(getattr(loader, "batch_sampler", None), "epoch", None),
        "buffer": list(getattr(dataset, "buffer", None) or []) if trainer.args.workers == 0 else [],
        "grads": [None if p.grad is None else p.grad.detach().clone().cpu() for p in trainer.model.parameters()],
    }


def restore(trainer: Any, state: dict[str, Any], exact: bool = False) -> None:
    """Load `state` into the trainer; `exact` (resume) also restores RNG, loader, time budget and close-mosaic state."""
    unwrap_model(trainer.model).load_state_dict(state["model"])
    trainer.ema.ema.load_state_dict(state["ema"])
    trainer.ema.updates = state["updates"]
    trainer.optimizer.load_state_dict(deepcopy(state["optimizer"]))  # the optimizer updates its state in place
    trainer.scaler.load_state_dict(state["scaler"])
    trainer.best_fitness, trainer.fitness = state["best_fitness"], state["fitness"]
    trainer.metrics = dict(state["metrics"]) or trainer.metrics
    trainer.stopper.load_state_dict(state["stopper"])
    trainer.accumulate, trainer._last_opt_step = state["accumulate"], state["last_opt_step"]
    loader = trainer.train_loader
    if hasattr(loader, "reset"):
        loader.reset()  # a roll-back leaves the iterator mid-epoch; a resume has none yet
    if not exact:
        return
    for p, g in zip(trainer.model.parameters(), state.get("grads") or ()):  # gradients accumulated, not yet stepped
        p.grad = None if g is None else g.to(p.device)
    trainer.time_budget.start = time.time() - state["elapsed"]
    trainer.epochs = trainer.args.epochs = state["epochs"]
    set_rng_state(state["rng"])
    if state["loader_epoch"] is not None and hasattr(loader, "batch_sampler"):
        loader.batch_sampler.epoch = state["loader_epoch"]
    dataset = getattr(loader, "dataset", None)
    if state["buffer"] and hasattr(dataset, "buffer"):  # mosaic picks partners from recently loaded images
        dataset.buffer.clear()
        for i in state["buffer"]:
            dataset.load_image(i)


__all__ = ["capture", "restore", "finite", "rng_state", "set_rng_state"]
