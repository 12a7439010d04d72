"""YOLO (v8, 11, 26) for the five tasks: the task packages with their engines, and the `YOLO` facade (lazy)."""

from __future__ import annotations

from ultralytics_clone.models.yolo import classify, detect, obb, pose, segment

__all__ = ["classify", "segment", "detect", "pose", "obb", "YOLO"]


def __getattr__(name: str):
    if name == "YOLO":  # imports torch: only when asked for
        from ultralytics_clone.models.yolo.model import YOLO

        return YOLO
    from ultralytics_clone.models.yolo._engines import ENGINE_PREFIX

    for task, prefix in ENGINE_PREFIX.items():  # DetectionTrainer, PosePredictor...: the task package's engines
        if name.startswith(prefix) and name[len(prefix) :] in {"Trainer", "Validator", "Predictor"}:
            return getattr(globals()[task], name)
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


def __dir__() -> list[str]:
    return sorted([*globals(), "YOLO"])
