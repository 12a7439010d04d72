"""Deprecated alias of `ultralytics_clone.models.yolo.obb` (the path seed 000's examples use)."""

from ultralytics_clone.yolo.v8 import alias as _alias

_new = _alias("obb")
globals().update({k: v for k, v in vars(_new).items() if not k.startswith("__")})


def __getattr__(name: str):
    return getattr(_new, name)
