"""AutoBatch: the largest training batch that fits a fraction of the CUDA device's memory, found by measuring.

A few batch sizes are run forward and backward; memory used grows about linearly with the batch, so a line fitted
through the measurements says which batch fills `fraction` of the device. On CPU (or MPS) there is nothing to
measure against: the default batch is used, with one warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ultralytics_clone.utils import LOGGER, colorstr

DEFAULT_BATCH = 16
PROBE_BATCHES = (1, 2, 4, 8, 16)


def check_train_batch_size(model: nn.Module, imgsz: int = 640, amp: bool = True, batch: float = -1,
                           max_num_obj: int = 1, dataset_size: int = 0) -> int:  # fmt: skip
    """The training batch for `model` at `imgsz` that uses `batch` (a fraction; -1 means 0.6) of CUDA memory."""
    fraction = 0.6 if batch == -1 else float(batch)
    return autobatch(model, imgsz, fraction=fraction, dataset_size=dataset_size, amp=amp)


def autobatch(model: nn.Module, imgsz: int = 640, fraction: float = 0.6, batch_size: int = DEFAULT_BATCH,
              max_num_obj: int = 1, dataset_size: int = 0, amp: bool = True) -> int:  # fmt: skip
    """Measure `model` on its CUDA device and return the batch filling `fraction` of it (at most `dataset_size`
    when given); `batch_size` on CPU/MPS. `max_num_obj` is accepted for the reference's signature."""
    prefix = colorstr("AutoBatch: ")
    device = next(model.parameters()).device
    if device.type != "cuda":
        LOGGER.warning(f"{prefix}batch=-1 / a fractional batch needs a CUDA device to measure; {device.type} has "
                       f"no memory budget to fill, so batch={batch_size} is used.")  # fmt: skip
        return batch_size
    props = torch.cuda.get_device_properties(device)
    total = props.total_memory
    free = total - torch.cuda.memory_reserved(device)
    used = measure(model, imgsz, PROBE_BATCHES, amp)
    batch = choose_batch(PROBE_BATCHES, used, total=total, free=free, fraction=fraction, default=batch_size)
    if dataset_size:
        batch = min(batch, dataset_size)
    LOGGER.info(f"{prefix}{props.name} {total / 2**30:.1f}G total, {free / 2**30:.1f}G free: batch={batch} for "
                f"{fraction:.0%} of the device")  # fmt: skip
    return batch


def measure(model: nn.Module, imgsz: int, batches: Sequence[int], amp: bool = True,
            probe: Callable[[], int] | None = None) -> list[float | None]:  # fmt: skip
    """Peak bytes of one forward + backward at each batch size (None where it ran out of memory)."""
    device = next(model.parameters()).device
    probe = probe or (lambda: torch.cuda.max_memory_allocated(device))
    out: list[float | None] = []
    was_training = model.training
    model.train()
    for b in batches:
        try:
            torch.cuda.reset_peak_memory_stats(device)
            x = torch.rand(b, 3, imgsz, imgsz, device=device)
            with torch.autocast("cuda", enabled=amp):
                y = model(x)
                loss = sum(t.float().sum() for t in (y if isinstance(y, (list, tuple)) else [y]) if torch.is_tensor(t))
            loss.backward()
            out.append(float(probe()))
        except torch.cuda.OutOfMemoryError:
            out.append(None)
        finally:
            model.zero_grad(set_to_none=True)
            torch.cuda.empty_cache()
    model.train(was_training)
    return out


def choose_batch(batches: Sequence[int], used: Sequence[float | None], total: float, free: float, fraction: float,
                 default: int = DEFAULT_BATCH) -> int:  # fmt: skip
    """The batch at which a line through (batch, bytes used) reaches `fraction` of `total`, capped by what is `free`.

    Falls back to `default` when fewer than two sizes could be measured or the fit makes no sense (slope <= 0).
    Never returns a size that ran out of memory or less than 1.
    """
    pts = [(b, u) for b, u in zip(batches, used) if u is not None]
    if len(pts) < 2:
        LOGGER.warning(f"AutoBatch: fewer than two batch sizes could be measured; using batch={default}.")
        return default
    x, y = np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)
    slope, intercept = np.polyfit(x, y, 1)
    if slope <= 0:
        LOGGER.warning(f"AutoBatch: memory did not grow with the batch; using batch={default}.")
        return default
    budget = min(total * fraction, free + y.min())  # what others already hold is not ours to use
    batch = int((budget - intercept) / slope + 1e-6)  # the fit is exact only up to rounding
    failed = [b for b, u in zip(batches, used) if u is None]
    if failed:
        batch = min(batch, min(failed) - 1)
    return max(batch, 1)


__all__ = ["check_train_batch_size", "autobatch", "measure", "choose_batch"]
