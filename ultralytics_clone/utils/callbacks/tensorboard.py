"""TensorBoard logger: per-epoch scalars, the model graph once and the run's plots, as event files in the run folder.

Active when the `tensorboard` package is installed and the `tensorboard` setting is on (`yolo settings
tensorboard=False` turns it off). Offline: it only writes files; view them with `tensorboard --logdir runs`.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from ultralytics_clone.utils import LOGGER, RANK

_writers: dict[int, Any] = {}  # one SummaryWriter per trainer (by id) while it trains


def active_callbacks() -> dict:
    """This module's callbacks when the package is installed and the setting is on; {} otherwise."""
    from ultralytics_clone.utils.settings import SETTINGS

    if not SETTINGS.get("tensorboard") or importlib.util.find_spec("tensorboard") is None:
        return {}
    return {"on_pretrain_routine_end": on_pretrain_routine_end, "on_train_start": on_train_start,
            "on_fit_epoch_end": on_fit_epoch_end, "on_train_end": on_train_end, "teardown": teardown}  # fmt: skip


def _scalars(trainer: Any, values: dict, step: int) -> None:
    writer = _writers.get(id(trainer))
    if writer is not None:
        for k, v in values.items():
            if isinstance(v, (int, float)):
                writer.add_scalar(k, v, step)


def on_pretrain_routine_end(trainer: Any) -> None:
    if RANK in {-1, 0}:
        from torch.utils.tensorboard import SummaryWriter

        _writers[id(trainer)] = SummaryWriter(str(trainer.save_dir))
        LOGGER.info(f"TensorBoard: view with 'tensorboard --logdir {trainer.save_dir}'")


def on_train_start(trainer: Any) -> None:
    """The graph, traced once on a blank image (a model that cannot be traced is logged without it)."""
    writer = _writers.get(id(trainer))
    if writer is None:
        return
    import torch

    from ultralytics_clone.utils.torch_utils import unwrap_model

    model = unwrap_model(trainer.ema.ema if trainer.ema else trainer.model)
    imgsz = trainer.args.imgsz if isinstance(trainer.args.imgsz, int) else trainer.args.imgsz[0]
    im = torch.zeros(1, 3, imgsz, imgsz, device=next(model.parameters()).device)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            writer.add_graph(torch.jit.trace(model.eval(), im, strict=False, check_trace=False), [])
    except Exception as e:  # tracing is best effort: the scalars and images matter more
        LOGGER.warning(f"TensorBoard: the model graph was not logged ({type(e).__name__}: {e})")


def on_fit_epoch_end(trainer: Any) -> None:
    """Losses, metrics and learning rates of the epoch just finished."""
    values = {**trainer.label_loss_items(trainer.tloss), **(trainer.metrics or {}), **getattr(trainer, "lr", {})}
    _scalars(trainer, {k: float(v) for k, v in values.items() if _is_number(v)}, trainer.epoch + 1)


def on_train_end(trainer: Any) -> None:
    """The run's plots as images."""
    writer = _writers.get(id(trainer))
    if writer is None:
        return
    import cv2

    for f in sorted(trainer.save_dir.glob("*.png")) + sorted(trainer.save_dir.glob("*.jpg")):
        im = cv2.imread(str(f))
        if im is not None:
            writer.add_image(f.stem, im[..., ::-1].copy(), trainer.epoch + 1, dataformats="HWC")


def teardown(trainer: Any) -> None:
    writer = _writers.pop(id(trainer), None)
    if writer is not None:
        writer.close()


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


__all__ = ["active_callbacks"]
