"""Callback registry: the 25 events of the engines, add/run helpers and a mixin engines share. No torch import.

Each callback is a plain function `fn(engine)` receiving the trainer, validator, predictor or exporter that fired it.
Callbacks are appended, never replaced; built-in duties (checkpoints, logging) are not callbacks, so clearing an
event cannot switch them off.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from ultralytics_clone.utils.errors import ConfigError

TRAINER_EVENTS = (
    "on_pretrain_routine_start",  # train() begins, before the model and data are set up
    "on_pretrain_routine_end",  # model, data, optimizer and validator are ready
    "on_train_start",  # just before the first epoch
    "on_train_epoch_start",  # start of each epoch (close_mosaic applied here)
    "on_train_batch_start",  # before each batch's forward pass
    "optimizer_step",  # right after each real optimizer step
    "on_before_zero_grad",  # after the step, before gradients are zeroed
    "on_train_batch_end",  # after each batch
    "on_train_epoch_end",  # after the last batch of an epoch, before validation
    "on_fit_epoch_end",  # after validation and checkpointing of an epoch (and once more after final_eval)
    "on_model_save",  # after last.pt / best.pt are written
    "on_train_end",  # after training and the final evaluation
    "on_params_update",  # after the EMA update that follows each optimizer step
    "teardown",  # always, last, while resources are released
)
VALIDATOR_EVENTS = ("on_val_start", "on_val_batch_start", "on_val_batch_end", "on_val_end")
PREDICTOR_EVENTS = (
    "on_predict_start",
    "on_predict_batch_start",
    "on_predict_postprocess_end",
    "on_predict_batch_end",
    "on_predict_end",
)
EXPORTER_EVENTS = ("on_export_start", "on_export_end")
EVENTS = TRAINER_EVENTS + VALIDATOR_EVENTS + PREDICTOR_EVENTS + EXPORTER_EVENTS

Callbacks = dict[str, list[Callable[[Any], Any]]]


def default_callbacks() -> Callbacks:
    """A new registry: every event mapped to an empty list."""
    return {event: [] for event in EVENTS}


def check_event(event: str) -> str:
    """Return `event` when it is a known event name; raise ConfigError listing the valid ones otherwise."""
    if event in EVENTS:
        return event
    close = difflib.get_close_matches(str(event), EVENTS, n=1)
    tip = f" Did you mean '{close[0]}'?" if close else ""
    raise ConfigError(f"unknown callback event '{event}'.{tip} Valid events: {', '.join(EVENTS)}.")


def add_callback(callbacks: Callbacks, event: str, func: Callable[[Any], Any]) -> None:
    """Append `func` to `event`'s list (checked event name; `func` must be callable)."""
    check_event(event)
    if not callable(func):
        from ultralytics_clone.utils.errors import HookError

        raise HookError(f"add_callback('{event}', ...) needs a callable taking the engine, got {type(func).__name__}.")
    callbacks.setdefault(event, []).append(func)


def run_callbacks(callbacks: Callbacks, event: str, engine: Any) -> None:
    """Call every function registered for `event` with `engine`, in the order they were added."""
    for func in callbacks.get(event, ()):
        func(engine)


class CallbackMixin:
    """Gives an engine `callbacks`, `add_callback`, `set_callback`, `clear_callback`, `run_callbacks`."""

    callbacks: Callbacks

    def _init_callbacks(self, _callbacks: Callbacks | None = None) -> None:
        """Share `_callbacks` (the YOLO facade's registry, so later additions there reach this engine), else a new one."""
        self.callbacks = _callbacks if _callbacks is not None else default_callbacks()
        for event in EVENTS:
            self.callbacks.setdefault(event, [])

    def add_callback(self, event: str, func: Callable[[Any], Any]) -> None:
        """Append `func(engine)` to `event`."""
        add_callback(self.callbacks, event, func)

    def set_callback(self, event: str, func: Callable[[Any], Any]) -> None:
        """Replace `event`'s callbacks with just `func`."""
        check_event(event)
        self.callbacks[event] = [func]

    def clear_callback(self, event: str) -> None:
        """Remove every callback of `event`."""
        check_event(event)
        self.callbacks[event] = []

    def run_callbacks(self, event: str) -> None:
        """Fire `event` with this engine."""
        run_callbacks(self.callbacks, event, self)


def get_default_callbacks() -> Callbacks:
    """A new registry: every event mapped to an empty list (the reference's name for default_callbacks())."""
    return default_callbacks()


def add_integration_callbacks(instance: Any) -> None:
    """Add the experiment loggers (TensorBoard, MLflow) to a trainer's registry, each only when its package is
    installed and its setting is on; adding twice (a facade's shared registry, trained again) adds nothing more.

    Not bundled: wandb, comet, clearml, neptune, dvc, raytune, hub; their settings are accepted and do nothing."""
    from ultralytics_clone.utils.callbacks import mlflow, tensorboard

    for module in (tensorboard, mlflow):
        for event, func in module.active_callbacks().items():
            if func not in instance.callbacks.setdefault(event, []):
                instance.callbacks[event].append(func)


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
