"""Box, segment and coordinate helpers for numpy arrays and torch tensors."""

from __future__ import annotations

import math


def make_divisible(x: float, divisor: int | float) -> int:
    """Smallest multiple of `divisor` that is >= x (divisor may be a tensor's max)."""
    if hasattr(divisor, "max"):
        divisor = int(divisor.max())
    return math.ceil(x / divisor) * divisor
