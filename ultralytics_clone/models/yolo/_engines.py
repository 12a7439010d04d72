"""Lazy lookup of the per-task engines (trainer, validator, predictor), which later releases add one file at a time.

A task package such as `models.yolo.detect` re-exports `DetectionTrainer` from its `train.py` only when that file
exists; the facade asks `load_engine` and turns a None into NotImplementedError naming the mode.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

# Task -> class-name prefix of its engines, as Ultralytics spells them.
ENGINE_PREFIX = {
    "detect": "Detection",
    "segment": "Segmentation",
    "classify": "Classification",
    "pose": "Pose",
    "obb": "OBB",
}
# Engine kind -> (module file inside the task package, class-name suffix).
ENGINE_KINDS = {
    "trainer": ("train", "Trainer"),
    "validator": ("val", "Validator"),
    "predictor": ("predict", "Predictor"),
}


def load_engine(module: str, name: str) -> Any | None:
    """`module.name`, or None when `module` does not exist yet (any other import error propagates)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is not None and (module == e.name or module.startswith(e.name + ".")):
            return None  # the module itself or a parent package is missing; a missing dependency still raises
        raise
    return getattr(mod, name, None)


def task_engine(task: str, kind: str) -> Any | None:
    """The engine class of `kind` ('trainer', 'validator', 'predictor') for `task`, or None when not built yet."""
    module, suffix = ENGINE_KINDS[kind]
    return load_engine(f"ultralytics_clone.models.yolo.{task}.{module}", f"{ENGINE_PREFIX[task]}{suffix}")


def engine_exports(init_file: str, task: str) -> tuple[dict[str, str], list[str]]:
    """(class name -> module, names whose module file exists) for a task package's lazy `__getattr__`/`__all__`."""
    folder = Path(init_file).parent
    exports = {f"{ENGINE_PREFIX[task]}{suffix}": module for module, suffix in ENGINE_KINDS.values()}
    present = [name for name, module in exports.items() if (folder / f"{module}.py").is_file()]
    return exports, present


def lazy_getattr(package: str, exports: dict[str, str], name: str) -> Any:
    """Module `__getattr__` body: import the engine `name` from its file on first access."""
    if name in exports:
        engine = load_engine(f"{package}.{exports[name]}", name)
        if engine is not None:
            return engine
        raise AttributeError(
            f"{package}.{name} is not available in this release of ultralytics_clone: "
            f"{package}.{exports[name]} lands in a later one."
        )
    raise AttributeError(f"module '{package}' has no attribute '{name}'")
