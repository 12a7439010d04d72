"""Callback registry (base.py) and the experiment loggers added through it (tensorboard.py, mlflow.py). No torch."""

from ultralytics_clone.utils.callbacks.base import (
    EVENTS,
    EXPORTER_EVENTS,
    PREDICTOR_EVENTS,
    TRAINER_EVENTS,
    VALIDATOR_EVENTS,
    CallbackMixin,
    Callbacks,
    add_callback,
    add_integration_callbacks,
    check_event,
    default_callbacks,
    get_default_callbacks,
    run_callbacks,
)

__all__ = [
    "EVENTS",
    "EXPORTER_EVENTS",
    "PREDICTOR_EVENTS",
    "TRAINER_EVENTS",
    "VALIDATOR_EVENTS",
    "CallbackMixin",
    "Callbacks",
    "add_callback",
    "add_integration_callbacks",
    "check_event",
    "default_callbacks",
    "get_default_callbacks",
    "run_callbacks",
]
