"""Lazy lookup of the per-task engines (trainer, validator, predictor), which later releases add one file at a time.

A task package such as `models.yolo.detect` re-exports `DetectionTrainer` from its `train.py` only when that file
exists; the facade asks `load_engine` and turns a None into NotImplementedError naming the mode.
"""

from __future__ import annotations

import importlib
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
    """(class name -> module, all three names) for a task package's lazy `__getattr__`/`__all__`; `init_file` is
    the package's __init__.py."""
    exports = {f"{ENGINE_PREFIX[task]}{suffix}": module for module, suffix in ENGINE_KINDS.values()}
    return exports, list(exports)  # an engine not built yet resolves to a stand-in (see not_built_engine)


_PLACEHOLDERS: dict[str, type] = {}


def not_built_engine(package: str, name: str, module: str) -> type:
    """A stand-in class for an engine whose file is not built yet: importable, subclassable and introspectable
    (it derives from the detect engine, or the base engine for classify), but constructing it raises
    EngineNotBuiltError."""
    key = f"{package}.{name}"
    if key in _PLACEHOLDERS:
        return _PLACEHOLDERS[key]
    import inspect

    from ultralytics_clone.utils.errors import EngineNotBuiltError

    kind = next(k for k, (mod, suffix) in ENGINE_KINDS.items() if name.endswith(suffix))
    base_module, base_name = {
        "trainer": ("engine.trainer", "BaseTrainer"), "validator": ("engine.validator", "BaseValidator"),
        "predictor": ("engine.predictor", "BasePredictor"),
    }[kind]  # fmt: skip
    base = None if package.endswith(".classify") else task_engine("detect", kind)
    base = base or getattr(importlib.import_module(f"ultralytics_clone.{base_module}"), base_name)
    message = (
        f"{key} is not built yet in this release of ultralytics_clone: {package}.{module} lands in a later one. "
        "The detect engines work today."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise EngineNotBuiltError(message)

    __init__.__signature__ = inspect.signature(base.__init__)
    placeholder = type(name, (base,), {"__init__": __init__, "__doc__": f"Not built yet: {message}", "__module__": f"{package}.{module}"})
    _PLACEHOLDERS[key] = placeholder
    return placeholder


def lazy_getattr(package: str, exports: dict[str, str], name: str) -> Any:
    """Module `__getattr__` body: import the engine `name` from its file on first access; a stand-in that raises
    EngineNotBuiltError when used while that file is not built yet."""
    if name in exports:
        engine = load_engine(f"{package}.{exports[name]}", name)
        return engine if engine is not None else not_built_engine(package, name, exports[name])
    raise AttributeError(f"module '{package}' has no attribute '{name}'")
