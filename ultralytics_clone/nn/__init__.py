"""Network definitions: building blocks (`modules`), YAML parsing, task models and checkpoint loading."""

from ultralytics_clone.nn.registry import register_module

__all__ = ["register_module"]
