"""The contract every inference backend follows; AutoBackend reads nothing else from it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch


class Backend(ABC):
    """Runs one model format. Subclasses load in __init__ and fill `metadata`; `forward` maps a BCHW tensor to outputs.

    `metadata` keys AutoBackend reads (all optional): stride, names, task, imgsz, batch, channels, end2end, args.
    `model` is the underlying object (an nn.Module for PyTorch); `fp16` whether the backend runs in half precision;
    `nhwc` whether it wants BHWC input; `dynamic` whether it accepts any input size.
    """

    fp16 = False
    nhwc = False
    dynamic = True

    def __init__(self, weights: Any, device: torch.device, fp16: bool = False, fuse: bool = True,
                 verbose: bool = True, **kwargs: Any) -> None:  # fmt: skip
        self.weights, self.device = weights, device
        self.model: Any = None
        self.metadata: dict[str, Any] = {}

    @abstractmethod
    def forward(self, im: torch.Tensor, **kwargs: Any) -> Any:
        """Raw model output (tensors or numpy arrays) for a preprocessed batch."""


__all__ = ["Backend"]
