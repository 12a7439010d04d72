"""Segment Anything: `SAM` facade and its `Predictor` (MobileSAM and the official ViT checkpoints)."""

from .model import SAM
from .predict import Predictor

__all__ = ["SAM", "Predictor"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
