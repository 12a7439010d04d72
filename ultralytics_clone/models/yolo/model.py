"""YOLO: the Model facade with the task map of YOLOv8 / YOLO11 / YOLO26 (detect, segment, classify, pose, obb)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from ultralytics_clone.engine.model import Model
from ultralytics_clone.models.yolo._engines import ENGINE_KINDS, ENGINE_PREFIX, task_engine


class YOLO(Model):
    """`YOLO("yolo11n.pt")`, `YOLO("yolo11s-seg.yaml")`, `YOLO("best.pt", task="pose")`: build, load, run models."""

    def __init__(self, model: str | Path | nn.Module = "yolo26n.pt", task: str | None = None, verbose: bool = False):
        super().__init__(model=model, task=task, verbose=verbose)

    @property
    def task_map(self) -> dict[str, dict[str, Any]]:
        """{task: {"model", "trainer", "validator", "predictor"}}; an engine not built yet in this release is None."""
        from ultralytics_clone.nn.tasks import (
            ClassificationModel,
            DetectionModel,
            OBBModel,
            PoseModel,
            SegmentationModel,
        )

        models = {
            "classify": ClassificationModel,
            "detect": DetectionModel,
            "segment": SegmentationModel,
            "pose": PoseModel,
            "obb": OBBModel,
        }
        return {task: {"model": cls, **{k: task_engine(task, k) for k in ENGINE_KINDS}} for task, cls in models.items()}

    def _task_class(self, key: str) -> Any:
        """As Model's, but imports only the engine asked for (task_map imports all fifteen, about 50 ms of a cold
        start), unless a subclass supplies its own task_map."""
        if key in ENGINE_KINDS and self.task in ENGINE_PREFIX and type(self).task_map is YOLO.task_map:
            return task_engine(self.task, key)
        return super()._task_class(key)
