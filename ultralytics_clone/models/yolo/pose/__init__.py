"""pose engines: PoseTrainer, PoseValidator, PosePredictor, each imported on first use."""

from __future__ import annotations

from ultralytics_clone.models.yolo._engines import engine_exports, lazy_getattr

_EXPORTS, __all__ = engine_exports(__file__, "pose")


def __getattr__(name: str):
    return lazy_getattr(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
