"""Model families. `YOLO` is imported on first access, so `import ultralytics_clone.models` stays torch-free."""

from __future__ import annotations

__all__ = ["YOLO", "SAM"]


def __getattr__(name: str):
    if name == "YOLO":
        from ultralytics_clone.models.yolo.model import YOLO

        return YOLO
    if name == "SAM":
        from ultralytics_clone.models.sam import SAM

        return SAM
    if name in {"yolo", "sam"}:
        import importlib

        return importlib.import_module(f"ultralytics_clone.models.{name}")
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


def __dir__() -> list[str]:
    return sorted([*globals(), "YOLO", "SAM", "yolo", "sam"])
