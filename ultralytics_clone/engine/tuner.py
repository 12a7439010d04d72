"""Hyperparameter tuning is not in this release: `Tuner` raises NotInScopeError naming the reason (out_of_scope.py)."""

from __future__ import annotations

from ultralytics_clone.out_of_scope import module_getattr

__getattr__ = module_getattr(__name__)
