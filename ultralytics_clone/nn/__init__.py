"""Network definitions: building blocks (`modules`), YAML parsing, task models and checkpoint loading."""

from ultralytics_clone.nn.registry import register_module
from ultralytics_clone.nn.tasks import (
    BaseModel,
    ClassificationModel,
    DetectionModel,
    OBBModel,
    PoseModel,
    SegmentationModel,
    attempt_load_one_weight,
    attempt_load_weights,
    guess_model_scale,
    guess_model_task,
    parse_model,
    torch_safe_load,
    yaml_model_load,
)
from ultralytics_clone.nn.weights import load_checkpoint

__all__ = [
    "register_module", "BaseModel", "ClassificationModel", "DetectionModel", "OBBModel", "PoseModel",
    "SegmentationModel", "attempt_load_one_weight", "attempt_load_weights", "guess_model_scale", "guess_model_task",
    "parse_model", "torch_safe_load", "yaml_model_load", "load_checkpoint",
]
